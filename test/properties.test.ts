/**
 * Property tests over generated workloads with random existing security settings, written in
 * random YAML styles: hardening never throws anything but a typed error, is idempotent, keeps
 * comments, never edits outside a pod template, and never lowers the Pod Security level.
 */
import { describe, expect, test, beforeAll } from 'vitest';
import fc from 'fast-check';
import YAML from 'yaml';
import { hardenText } from '../src/core/engine.js';
import type { HardenOptions } from '../src/core/engine.js';
import { hardenOptionsOf, resolveProfile } from '../src/profiles/resolve.js';
import { loadProfileFile } from '../src/io/profiles.js';
import { commentLines } from './helpers/harness.js';
import { RANK } from './helpers/levels.js';
import { yieldEvery } from './helpers/yielding.js';
import { evaluatePod } from '../src/pss/index.js';
import { getAt } from '../src/lib/pointer.js';


const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 2 });
const caps = fc.constantFrom('ALL', 'all', 'NET_ADMIN', 'SYS_ADMIN', 'NET_BIND_SERVICE', 'CHOWN', 'NET_RAW');

const securityContext = fc.record(
  {
    privileged: maybe(fc.boolean()),
    allowPrivilegeEscalation: maybe(fc.boolean()),
    readOnlyRootFilesystem: maybe(fc.boolean()),
    runAsNonRoot: maybe(fc.boolean()),
    runAsUser: maybe(fc.constantFrom(0, 1000, 65534)),
    capabilities: maybe(fc.record({ add: maybe(fc.array(caps, { maxLength: 3 })), drop: maybe(fc.array(caps, { maxLength: 3 })) }, { requiredKeys: [] })),
    seccompProfile: maybe(fc.record({ type: fc.constantFrom('RuntimeDefault', 'Unconfined', 'Localhost') })),
  },
  { requiredKeys: [] },
);

const container = fc.record({
  name: fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/),
  image: fc.constantFrom('nginx:1.27', 'redis:7', 'busybox', 'ghcr.io/example/app:1.2.3', 'postgres:16'),
  securityContext: maybe(fc.oneof(securityContext, fc.constant(null), fc.constant({}))),
  ports: maybe(fc.array(fc.record({ containerPort: fc.constantFrom(80, 443, 8080) }), { maxLength: 2 })),
});

const podSpec = fc.record({
  securityContext: maybe(fc.oneof(securityContext, fc.constant(null))),
  containers: fc.uniqueArray(container, { minLength: 1, maxLength: 3, selector: (c) => c.name }),
  initContainers: maybe(fc.uniqueArray(container, { minLength: 1, maxLength: 2, selector: (c) => c.name })),
  hostNetwork: maybe(fc.boolean()),
});

const workload = fc.tuple(fc.constantFrom('Pod', 'Deployment', 'Job', 'CronJob', 'StatefulSet'), podSpec).map(([kind, spec]) => {
  const clean = JSON.parse(JSON.stringify(spec));
  const template = { metadata: { labels: { app: 'x' } }, spec: clean };
  if (kind === 'Pod') return { apiVersion: 'v1', kind, metadata: { name: 'p' }, spec: clean };
  if (kind === 'CronJob') return { apiVersion: 'batch/v1', kind, metadata: { name: 'c' }, spec: { schedule: '@daily', jobTemplate: { spec: { template } } } };
  return { apiVersion: kind === 'Job' ? 'batch/v1' : 'apps/v1', kind, metadata: { name: 'w' }, spec: { template } };
});

const style = fc.record({
  indent: fc.constantFrom(2, 4),
  indentSeq: fc.boolean(),
  flowLevel: fc.constantFrom(0, 4, 6),
  comment: fc.boolean(),
  crlf: fc.boolean(),
});

function render(obj: unknown, s: { indent: number; indentSeq: boolean; flowLevel: number; comment: boolean; crlf: boolean }): string {
  const doc = new YAML.Document(obj);
  if (s.flowLevel) YAML.visit(doc, { Map: (_, n, p) => void (p.length >= s.flowLevel && (n.flow = true)), Seq: (_, n, p) => void (p.length >= s.flowLevel && (n.flow = true)) });
  let text = doc.toString({ indent: s.indent, indentSeq: s.indentSeq });
  if (s.comment) text = '# generated workload\n' + text.replace(/\n(\s*)spec:\n/, '\n$1# the spec\n$1spec:\n');
  return s.crlf ? text.replace(/\n/g, '\r\n') : text;
}

let options: HardenOptions;
beforeAll(async () => {
  const p = await resolveProfile('restricted', loadProfileFile);
  options = { ...hardenOptionsOf(p), freezeTargets: true };
});

describe('properties of hardening generated workloads', () => {
  test('idempotent, comment-preserving, edits only inside pod templates, output reads back', async () => {
    let edited = 0;
    const pause = yieldEvery();
    await fc.assert(
      fc.asyncProperty(workload, style, async (w, s) => {
        await pause();
        const text = render(w, s);
        const r = hardenText('gen.yaml', text, options);
        if (r.edits.length) edited++;
        const again = hardenText('gen.yaml', r.output, options);
        expect(again.output).toBe(r.output);
        expect(again.edits).toEqual([]);
        const kept = new Set(commentLines(r.output));
        for (const c of commentLines(text)) expect(kept.has(c)).toBe(true);
        const templatePrefix = w.kind === 'Pod' ? '' : w.kind === 'CronJob' ? '/spec/jobTemplate/spec/template' : '/spec/template';
        for (const e of r.edits) expect(e.path.startsWith(`${templatePrefix}/spec/`) || e.path.startsWith(`${templatePrefix}/metadata/annotations`)).toBe(true);
        // The Pod Security level never drops.
        const before = getAt(w, templatePrefix) as any;
        const after = getAt(YAML.parse(r.output), templatePrefix) as any;
        expect(RANK[evaluatePod(after.metadata, after.spec).level]).toBeGreaterThanOrEqual(RANK[evaluatePod(before.metadata, before.spec).level]);
        if (s.crlf && r.output !== text) expect(r.output.replace(/\r\n/g, '')).not.toContain('\n');
        YAML.parseAllDocuments(r.output).forEach((d) => expect(d.errors).toEqual([]));
      }),
      { numRuns: 300 },
    );
    // The generator must exercise the writer, not only no-op inputs.
    expect(edited).toBeGreaterThan(200);
  });
});
