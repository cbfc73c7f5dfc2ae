/**
 * Damaged real manifests: files from ../shared/corpus (real and peers) cut, spliced with YAML
 * punctuation, re-indented, in random places; and real workloads with odd values (wrong types,
 * empty collections, shared objects that print as anchors and aliases) put at random places in
 * their pod specs. Whatever comes in, kharden either refuses it with an InputError (exit 2) or
 * hardens it; never another exception, never a Node warning on stderr (the library's warnings are
 * not kharden's messages), and what it hardens is a fixed point.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeAll, describe, expect, test, vi } from 'vitest';
import fc from 'fast-check';
import YAML from 'yaml';
import { hardenText } from '../src/core/engine.js';
import type { HardenOptions } from '../src/core/engine.js';
import { InputError } from '../src/lib/errors.js';
import { hardenOptionsOf, resolveProfile } from '../src/profiles/resolve.js';
import { loadProfileFile } from '../src/io/profiles.js';
import { parseStream, PARSE_OPTIONS } from '../src/yaml/stream.js';
import { listManifests, SHARED } from './helpers/harness.js';
import { expectFaithful } from './helpers/fidelity.js';

const roots = [path.join(SHARED, 'corpus/real'), path.join(SHARED, 'corpus/peers')].filter((r) => fs.existsSync(r));
const files = roots.flatMap((r) => listManifests(r)).filter((f) => fs.statSync(f).size < 100_000);

const PIECES = ['\n', ' ', '  ', '- ', ': ', '{', '}', '[', ']', '"', "'", '#', '&a ', '*a', '---\n', '...\n', '|\n', '>-\n', '\t', ',', '? ', '!!str ', '<<: *a\n', 'null', '~', '0x1', '.nan', '\r\n', '{{ .Values.x }}'];

type Mutation = { kind: 'cut' | 'insert' | 'delete' | 'indent'; at: number; n: number };
const mutation: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom('cut', 'insert', 'insert', 'delete', 'indent'),
  at: fc.double({ min: 0, max: 1, noNaN: true }),
  n: fc.nat({ max: 30 }),
}) as fc.Arbitrary<Mutation>;

function mutate(text: string, m: Mutation): string {
  const at = Math.floor(m.at * text.length);
  if (m.kind === 'cut') return text.slice(0, at);
  if (m.kind === 'insert') return text.slice(0, at) + PIECES[m.n % PIECES.length] + text.slice(at);
  if (m.kind === 'delete') return text.slice(0, at) + text.slice(at + m.n);
  const ls = text.lastIndexOf('\n', at - 1) + 1;
  return text.slice(0, ls) + ' '.repeat(1 + (m.n % 3)) + text.slice(ls);
}

let options: HardenOptions;
beforeAll(async () => {
  const p = await resolveProfile('restricted', loadProfileFile);
  options = { ...hardenOptionsOf(p), freezeTargets: true };
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe.skipIf(files.length === 0)(files.length ? 'damaged real manifests' : `damaged real manifests: SKIPPED because ${SHARED}/corpus is absent`, () => {
  test('refused with an InputError or hardened to a fixed point; no other exception, no library warning', async () => {
    const warnings = vi.spyOn(process, 'emitWarning');
    let refused = 0;
    let hardened = 0;
    // Asynchronous only to let the worker answer vitest between runs (a long synchronous loop times its RPC out).
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: files.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 3 }), async (i, mutations) => {
        await new Promise((r) => setImmediate(r));
        const text = mutations.reduce(mutate, fs.readFileSync(files[i], 'utf8'));
        let result;
        try {
          result = hardenText('damaged.yaml', text, options);
        } catch (e) {
          if (!(e instanceof InputError)) throw e;
          expect(e.position.file).toBe('damaged.yaml');
          refused++;
          return;
        }
        hardened++;
        expect(parseStream(result.output, 'out.yaml').documents.length).toBe(result.documents);
        expect(hardenText('damaged.yaml', result.output, options).output).toBe(result.output);
      }),
      { numRuns: 4000, seed: 20261201 },
    );
    expect(warnings).not.toHaveBeenCalled();
    // Both outcomes are exercised, not just one.
    expect(refused).toBeGreaterThan(100);
    expect(hardened).toBeGreaterThan(100);
  });

  // The same object in several places prints as an anchor and aliases, one inside itself included.
  const SHARED_MAP: Record<string, unknown> = { memory: 5 };
  const SHARED_LIST: unknown[] = ['ALL'];
  const ODD: unknown[] = [null, '', 'x', 5, -1, 0, true, [], {}, ['x'], [null], [5], { a: 1 }, [{}], '0', 1.5, [[]], 'ALL', { type: 5 }, { drop: 'ALL' }, { add: 'NET_ADMIN' }, { memory: 'lots' }, '512Mi', { limits: [] }, { requests: 'x' }, SHARED_MAP, SHARED_LIST];
  const KEYS = ['securityContext', 'resources', 'volumeMounts', 'volumes', 'capabilities', 'seccompProfile', 'ports', 'annotations', 'runAsUser', 'sysctls', 'limits', 'drop'];
  const workloads = files.flatMap((f) => {
    const docs = YAML.parseAllDocuments(fs.readFileSync(f, 'utf8'), PARSE_OPTIONS);
    return (Array.isArray(docs) ? docs : []).flatMap((d) => {
      if (d.errors.length || /&|\*/.test(String(d))) return [];
      const v = d.toJS() as { kind?: unknown } | null;
      return v && typeof v.kind === 'string' && /^(Pod|Deployment|StatefulSet|DaemonSet|Job|CronJob|ReplicaSet)$/.test(v.kind) ? [v] : [];
    });
  });
  const pathsIn = (o: unknown, pre: string[] = []): string[][] =>
    o && typeof o === 'object' ? [pre, ...Object.keys(o).flatMap((k) => pathsIn((o as Record<string, unknown>)[k], [...pre, k]))] : [pre];

  test('odd values anywhere in real pod specs: refused with an InputError or hardened to a fixed point', async () => {
    expect(workloads.length).toBeGreaterThan(300);
    const warnings = vi.spyOn(process, 'emitWarning');
    let refused = 0;
    let hardened = 0;
    const edit = fc.record({ at: fc.double({ min: 0, max: 1, noNaN: true }), add: fc.boolean(), key: fc.constantFrom(...KEYS), value: fc.nat({ max: ODD.length - 1 }) });
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: workloads.length - 1 }), fc.array(edit, { minLength: 1, maxLength: 2 }), fc.boolean(), async (i, edits, flow) => {
        await new Promise((r) => setImmediate(r));
        const doc = structuredClone(workloads[i]);
        const inSpec = pathsIn(doc).filter((p) => p.includes('spec') && p.length > 2);
        for (const e of edits) {
          const p = inSpec[Math.floor(e.at * inSpec.length)];
          if (!p) continue;
          let parent: any = doc;
          for (const k of p.slice(0, -1)) parent = parent?.[k];
          if (!parent || typeof parent !== 'object') continue;
          parent[e.add ? e.key : p[p.length - 1]] = ODD[e.value];
        }
        if (edits.some((e) => ODD[e.value] === SHARED_MAP)) SHARED_MAP.self = SHARED_MAP;
        const text = YAML.stringify(doc, flow ? { collectionStyle: 'flow' } : {});
        delete SHARED_MAP.self;
        let result;
        try {
          result = hardenText('odd.yaml', text, options);
        } catch (e) {
          if (!(e instanceof InputError)) throw e;
          refused++;
          return;
        }
        hardened++;
        expect(hardenText('odd.yaml', result.output, options).output).toBe(result.output);
      }),
      { numRuns: 2000, seed: 20261201 },
    );
    expect(warnings).not.toHaveBeenCalled();
    expect(refused).toBeGreaterThan(100);
    expect(hardened).toBeGreaterThan(100);
  });

  test('real workloads re-styled (flow or block, indent 2–4, compact or indented lists, quoting, comments, CRLF) keep the fidelity promise', async () => {
    const plain = workloads.filter((w) => !/[&*]/.test(JSON.stringify(w)));
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: plain.length - 1 }),
        fc.record({ indent: fc.constantFrom(2, 3, 4), indentSeq: fc.boolean(), crlf: fc.boolean(), lineWidth: fc.constantFrom(0, 60) }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 64, maxLength: 64 }),
        async (i, style, dice) => {
          await new Promise((r) => setImmediate(r));
          const doc = new YAML.Document(plain[i], { version: '1.1' });
          let n = 0;
          const roll = () => dice[n++ % dice.length];
          YAML.visit(doc, {
            Map(_, node) {
              if (roll() < 0.15) node.flow = true;
              if (roll() < 0.1) node.commentBefore = ` note ${n}`;
            },
            Seq(_, node) {
              if (roll() < 0.2) node.flow = true;
            },
            Scalar(_, node) {
              if (typeof node.value === 'string' && roll() < 0.2) node.type = roll() < 0.5 ? 'QUOTE_DOUBLE' : 'QUOTE_SINGLE';
              if (roll() < 0.05) node.comment = ' trailing';
            },
          });
          let text = doc.toString({ indent: style.indent, indentSeq: style.indentSeq, lineWidth: style.lineWidth });
          if (style.crlf) text = text.replace(/\n/g, '\r\n');
          expectFaithful('styled.yaml', text, hardenText('styled.yaml', text, options), options);
        },
      ),
      { numRuns: 400, seed: 20261201 },
    );
  });
});
