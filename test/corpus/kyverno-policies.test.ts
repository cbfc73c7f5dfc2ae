/**
 * Two of Kyverno's validate policies as a check on kharden's output from outside kharden:
 * `require-ro-rootfs` (every container of `containers` has readOnlyRootFilesystem: true) and
 * `require-drop-all` (every container, init and ephemeral ones too, drops ALL, any case). The
 * policies are small enough to state here; that statement is first held to Kyverno's own
 * expectations over their test resources (.kyverno-test results; .chainsaw-test bad-* files must
 * fail, good-* files pass), and then every one of those resources, hardened, must pass.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import YAML from 'yaml';
import { hardenText } from '../../src/core/engine.js';
import type { HardenOptions } from '../../src/core/engine.js';
import { hardenOptionsOf, resolveProfile } from '../../src/profiles/resolve.js';
import { loadProfileFile } from '../../src/io/profiles.js';
import { parseStream } from '../../src/yaml/stream.js';
import { SHARED } from '../helpers/harness.js';

const ROOT = path.join(SHARED, 'corpus/peers/kyverno-policies/best-practices');
const present = fs.existsSync(ROOT);

type Pod = { spec?: Record<string, any> };
const containersIn = (spec: Record<string, any> | undefined, lists: string[]) => lists.flatMap((l) => (Array.isArray(spec?.[l]) ? spec![l] : []));

const POLICIES: Record<string, (pod: Pod) => boolean> = {
  'require-ro-rootfs': (pod) => containersIn(pod.spec, ['containers']).every((c) => c?.securityContext?.readOnlyRootFilesystem === true),
  'require-drop-all': (pod) =>
    containersIn(pod.spec, ['ephemeralContainers', 'initContainers', 'containers']).every((c) => {
      const drop = c?.securityContext?.capabilities?.drop;
      return Array.isArray(drop) && drop.some((d) => String(d).toUpperCase() === 'ALL');
    }),
};

/** The pods of a manifest: a Pod itself, or the template Kyverno's auto-generated rules check. */
function podsOf(doc: any): { name: string; pod: Pod }[] {
  if (!doc || typeof doc !== 'object') return [];
  const name = `${doc.kind}/${doc.metadata?.name}`;
  if (doc.kind === 'Pod') return [{ name, pod: doc }];
  if (doc.kind === 'CronJob') return [{ name, pod: doc.spec?.jobTemplate?.spec?.template ?? {} }];
  if (['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'ReplicaSet'].includes(doc.kind)) return [{ name, pod: doc.spec?.template ?? {} }];
  return [];
}

const docsIn = (text: string) => YAML.parseAllDocuments(text, { version: '1.1' }).map((d) => d.toJS());

/** Kyverno's expected verdict for each resource file of a policy: [file, pod name or undefined for all, pass?]. */
function expectations(policy: string): [string, string | undefined, boolean][] {
  const dir = path.join(ROOT, policy);
  const out: [string, string | undefined, boolean][] = [];
  const test = YAML.parse(fs.readFileSync(path.join(dir, '.kyverno-test/kyverno-test.yaml'), 'utf8'));
  for (const r of test.results) for (const name of r.resources) for (const f of test.resources) out.push([path.join(dir, '.kyverno-test', f), name, r.result === 'pass']);
  for (const f of fs.readdirSync(path.join(dir, '.chainsaw-test')).sort()) {
    if (/^bad-.*\.yaml$/.test(f)) out.push([path.join(dir, '.chainsaw-test', f), undefined, false]);
    if (/^good-.*\.yaml$/.test(f)) out.push([path.join(dir, '.chainsaw-test', f), undefined, true]);
  }
  return out;
}

let options: HardenOptions;
let overridingFalse: HardenOptions;
beforeAll(async () => {
  const p = await resolveProfile('restricted', loadProfileFile);
  options = { ...hardenOptionsOf(p), freezeTargets: true };
  overridingFalse = { ...options, chain: options.chain.map((l) => (l.id === 'read-only-root-filesystem' ? { ...l, options: { ...l.options, overrideExplicitFalse: true } } : l)) };
});

describe.skipIf(!present)(present ? "Kyverno's require-ro-rootfs and require-drop-all" : `Kyverno policies: SKIPPED because ${ROOT} is absent`, () => {
  for (const [policy, passes] of Object.entries(POLICIES)) {
    test(`${policy}: the statement here gives Kyverno's expected verdicts on its own test resources`, () => {
      let checked = 0;
      for (const [file, name, pass] of expectations(policy)) {
        const pods = docsIn(fs.readFileSync(file, 'utf8')).flatMap(podsOf).filter((p) => name === undefined || p.name.endsWith(`/${name}`));
        expect(pods.length, `${file} ${name ?? ''}`).toBeGreaterThan(0);
        // A bad-* file fails as a whole when each of its resources fails.
        for (const p of pods) expect(passes(p.pod), `${path.basename(file)} ${p.name}`).toBe(pass);
        checked += pods.length;
      }
      expect(checked).toBeGreaterThan(5);
    });

    test(`${policy}: every one of those resources passes once hardened`, () => {
      const files = [...new Set(expectations(policy).map(([f]) => f))];
      let failingBefore = 0;
      for (const file of files) {
        const text = fs.readFileSync(file, 'utf8');
        // An explicit readOnlyRootFilesystem: false is kept by default (no Pod Security level
        // forbids it, and apps such as ingress-nginx need it); the profile option makes kharden
        // override it, which is what this policy asks for.
        const output = hardenText(file, text, overridingFalse).output;
        failingBefore += docsIn(text).flatMap(podsOf).filter((p) => !passes(p.pod)).length;
        for (const doc of parseStream(output, file).documents) {
          for (const p of podsOf(doc.value)) expect(passes(p.pod), `${path.basename(file)} ${p.name} after hardening`).toBe(true);
        }
      }
      expect(failingBefore).toBeGreaterThan(3);
    });
  }

  test('by default an explicit readOnlyRootFilesystem: false is kept, with a warning per container', () => {
    const file = path.join(ROOT, 'require-ro-rootfs/.chainsaw-test/bad-pod-false.yaml');
    const text = fs.readFileSync(file, 'utf8');
    const result = hardenText(file, text, options);
    const kept = result.findings.filter((f) => f.code === 'readOnlyRootFilesystemKept');
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.every((f) => f.severity === 'warning')).toBe(true);
    for (const doc of parseStream(result.output, file).documents) {
      for (const p of podsOf(doc.value)) expect(POLICIES['require-ro-rootfs'](p.pod)).toBe(false);
    }
  });
});
