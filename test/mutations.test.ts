/**
 * Damaged real manifests: files from ../shared/corpus (real and peers) cut, spliced with YAML
 * punctuation, re-indented, in random places; and real workloads with odd values (wrong types,
 * empty collections, shared objects that print as anchors and aliases) put at random places in
 * their pod specs; and empty values (`key:`, `~`, `null`, `{}`, `[]`, what Helm leaves where a
 * conditional block rendered nothing) at every position of the real corpus's pod specs and at the
 * end of a document that others follow. Whatever comes in, kharden either refuses it with an
 * InputError (exit 2) or hardens it; never another exception, never a Node warning on stderr (the
 * library's warnings are not kharden's messages), and what it hardens is a fixed point.
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
import { commentLines, listManifests, SHARED } from './helpers/harness.js';
import { expectFaithful } from './helpers/fidelity.js';
import { yieldEvery } from './helpers/yielding.js';

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

const WORKLOAD_KIND = /^(Pod|Deployment|StatefulSet|DaemonSet|Job|CronJob|ReplicaSet)$/;
const realRoot = path.join(SHARED, 'corpus/real');
type RealWorkload = { file: string; doc: YAML.Document.Parsed; kind: string };
/** The corpus's workloads without anchors, as plain values (real and peers). */
let workloads: unknown[] = [];
/** The same from corpus/real, as parsed documents (their comments and styles print back). */
let realWorkloads: RealWorkload[] = [];

// Read once, in a hook that hands the event loop back between files: at collection time this
// would hold the worker for seconds.
beforeAll(async () => {
  const pause = yieldEvery();
  for (const file of files) {
    await pause();
    const text = fs.readFileSync(file, 'utf8');
    const docs = YAML.parseAllDocuments(text, PARSE_OPTIONS);
    for (const d of Array.isArray(docs) ? docs : []) {
      if (d.errors.length) continue;
      const v = d.toJS() as { kind?: unknown } | null;
      if (!v || typeof v.kind !== 'string' || !WORKLOAD_KIND.test(v.kind)) continue;
      if (!/&|\*/.test(String(d))) workloads.push(v);
      // Anchors and aliases have their own tests; a shared node would move several positions at once.
      if (file.startsWith(realRoot + path.sep) && !/[&*]/.test(text.slice(d.range[0], d.range[2]))) realWorkloads.push({ file, doc: d, kind: v.kind });
    }
  }
});

let options: HardenOptions;
/**
 * For the empty-value sweeps, whose subject is the stream and the writer: without deep-freezing
 * every target, which doubles the cost of a run. Transforms meeting frozen odd values, empty ones
 * included, is the odd-values sweep's job.
 */
let sweepOptions: HardenOptions;
beforeAll(async () => {
  const p = await resolveProfile('restricted', loadProfileFile);
  options = { ...hardenOptionsOf(p), freezeTargets: true };
  sweepOptions = { ...options, freezeTargets: false };
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe.skipIf(files.length === 0)(files.length ? 'damaged real manifests' : `damaged real manifests: SKIPPED because ${SHARED}/corpus is absent`, () => {
  test('refused with an InputError or hardened to a fixed point; no other exception, no library warning', async () => {
    const warnings = vi.spyOn(process, 'emitWarning');
    let refused = 0;
    let hardened = 0;
    const pause = yieldEvery();
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: files.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 3 }), async (i, mutations) => {
        await pause();
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
  const pathsIn = (o: unknown, pre: string[] = []): string[][] =>
    o && typeof o === 'object' ? [pre, ...Object.keys(o).flatMap((k) => pathsIn((o as Record<string, unknown>)[k], [...pre, k]))] : [pre];

  test('odd values anywhere in real pod specs: refused with an InputError or hardened to a fixed point', async () => {
    expect(workloads.length).toBeGreaterThan(300);
    const warnings = vi.spyOn(process, 'emitWarning');
    let refused = 0;
    let hardened = 0;
    const edit = fc.record({ at: fc.double({ min: 0, max: 1, noNaN: true }), add: fc.boolean(), key: fc.constantFrom(...KEYS), value: fc.nat({ max: ODD.length - 1 }) });
    const pause = yieldEvery();
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: workloads.length - 1 }), fc.array(edit, { minLength: 1, maxLength: 2 }), fc.boolean(), async (i, edits, flow) => {
        await pause();
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
    const pause = yieldEvery();
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: plain.length - 1 }),
        fc.record({ indent: fc.constantFrom(2, 3, 4), indentSeq: fc.boolean(), crlf: fc.boolean(), lineWidth: fc.constantFrom(0, 60) }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 64, maxLength: 64 }),
        async (i, style, dice) => {
          await pause();
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
          await expectFaithful('styled.yaml', text, hardenText('styled.yaml', text, options), options);
        },
      ),
      { numRuns: 400, seed: 20261201 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Empty values: what Helm renders when a conditional block produces nothing (`volumes:` and the
// like), spelled every way YAML has, at every position of the real corpus's pod specs, and at the
// end of a document that other documents follow.

const EMPTY = [
  { spelled: 'key:', value: null, nullStr: '' },
  { spelled: 'key: ~', value: null, nullStr: '~' },
  { spelled: 'key: null', value: null, nullStr: 'null' },
  { spelled: '{}', value: {}, nullStr: 'null' },
  { spelled: '[]', value: [], nullStr: 'null' },
] as const;
/** Keys whose children are free-form names: one position stands for all of them. */
const FREE_FORM = new Set(['labels', 'annotations', 'matchLabels', 'nodeSelector', 'data', 'limits', 'requests', 'sysctls']);
/** Keys an empty one is appended as, in turn: some kharden fills (null is "not set"), one it does not know. */
const APPENDED = ['securityContext', 'volumes', 'x-empty', 'volumeMounts', 'resources', 'env', 'annotations'];
const NEXT_DOCUMENTS = ['apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  mode: production\n', 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: next\nspec:\n  containers:\n    - name: app\n      image: example.com/app:1.0\n'];
const SEPARATORS = [
  { name: 'no comment', before: '', after: '---\n' },
  { name: '"# Source:" after ---', before: '', after: '---\n# Source: chart/templates/next.yaml\n' },
  { name: 'a comment line before ---', before: '# Source: chart/templates/this.yaml\n', after: '---\n' },
  { name: 'comment lines before and after ---', before: '  # end of the workload\n', after: '---\n# Source: chart/templates/next.yaml\n' },
];

type Segment = string | number;


/** A position's name with list indexes and free-form keys folded, so one case stands for its like. */
function signature(kind: string, at: Segment[]): string {
  const podAt = kind === 'Pod' ? 1 : kind === 'CronJob' ? 5 : 3;
  const folded = at.map((s, i) => (typeof s === 'number' ? '#' : FREE_FORM.has(String(at[i - 1])) ? '*' : s));
  // Past the pod template, a Job's pod spec and a Deployment's are the same position, and an
  // init container is a container (the same transforms edit both, the same way).
  if (at.length > podAt && at[podAt - 1] === 'spec') {
    const inPod = folded.slice(podAt);
    if (inPod[0] === 'initContainers' || inPod[0] === 'ephemeralContainers') inPod[0] = 'containers';
    return 'pod/' + inPod.join('/');
  }
  // Around the pod template (selector, strategy, volumeClaimTemplates…), workload kinds agree.
  return `workload/${folded.join('/')}`;
}

/** Every value under `spec` (path) and every map under it, the spec itself included. */
function positionsIn(value: unknown, at: Segment[] = ['spec']): { values: Segment[][]; maps: Segment[][] } {
  const values: Segment[][] = [];
  const maps: Segment[][] = [];
  const walk = (v: unknown, p: Segment[]) => {
    if (!v || typeof v !== 'object') return;
    if (!Array.isArray(v)) maps.push(p);
    for (const [k, child] of Object.entries(v)) {
      const q = [...p, Array.isArray(v) ? Number(k) : k];
      values.push(q);
      walk(child, q);
    }
  };
  walk((value as Record<string, unknown>)?.spec, at);
  return { values, maps };
}

/** The workload's text with an empty value at `at` (or a key with one appended to the map at `at`). */
function withEmpty(w: RealWorkload, how: 'value' | 'append', at: Segment[], empty: (typeof EMPTY)[number], n: number): string | undefined {
  const doc = w.doc.clone();
  const node = how === 'value' ? doc.createNode(empty.value) : doc.getIn(at, true);
  if (how === 'value') doc.setIn(at, node);
  else {
    if (!YAML.isMap(node)) return undefined;
    const key = [...APPENDED.slice(n % APPENDED.length), ...APPENDED].find((k) => !node.has(k))!;
    node.add(doc.createPair(key, empty.value));
  }
  return doc.toString({ nullStr: empty.nullStr, lineWidth: 0 });
}

/**
 * One case per position signature and kind of empty value, taken in turn from the smallest
 * workloads that have it. `~` and `null` are one kind to the writer (a null scalar with text),
 * so they take turns; `key:` (a null with no text at all), `{}` and `[]` are each their own.
 */
function casesAt(pick: (w: RealWorkload) => { how: 'value' | 'append'; at: Segment[] }[]): { w: RealWorkload; how: 'value' | 'append'; at: Segment[]; empty: (typeof EMPTY)[number]; n: number; signature: number }[] {
  const bySignature = new Map<string, { w: RealWorkload; how: 'value' | 'append'; at: Segment[] }[]>();
  for (const w of realWorkloads) {
    for (const p of pick(w)) {
      const key = `${p.how} ${signature(w.kind, p.at)}`;
      if (!bySignature.has(key)) bySignature.set(key, []);
      bySignature.get(key)!.push({ w, ...p });
    }
  }
  // The smallest few documents that have a position stand for it: what matters is the position.
  const size = (w: RealWorkload) => w.doc.range[2] - w.doc.range[0];
  return [...bySignature.values()].flatMap((instances, n) => {
    const smallest = [...instances].sort((a, b) => size(a.w) - size(b.w)).slice(0, 3);
    const spellings = EMPTY.filter((_, e) => e !== (n % 2 === 0 ? 2 : 1));
    return spellings.map((empty, e) => ({ ...smallest[(n + e) % smallest.length], empty, n: n + e, signature: n }));
  });
}

/**
 * Hardens `text`: refused with an InputError, or hardened to a fixed point with every document and
 * comment line kept, the last document byte-identical when it needs no edits.
 */
function expectRefusedOrFixedPoint(text: string, untouchedTail: string | undefined, tally: { refused: number; hardened: number }): 'refused' | 'hardened' {
  let result;
  try {
    result = hardenText('helm.yaml', text, sweepOptions);
  } catch (e) {
    if (!(e instanceof InputError)) throw new Error(`${(e as Error).message}\n--- input ---\n${text}`);
    tally.refused++;
    return 'refused';
  }
  tally.hardened++;
  const label = `input:\n${text}\noutput:\n${result.output}`;
  if (untouchedTail !== undefined) expect(result.output.endsWith(untouchedTail), label).toBe(true);
  const kept = new Set(commentLines(result.output));
  for (const c of commentLines(text)) expect(kept.has(c), `comment lost: ${c}\n${label}`).toBe(true);
  const again = hardenText('helm.yaml', result.output, sweepOptions);
  expect(again.output, label).toBe(result.output);
  expect(again.documents, label).toBe(result.documents);
  return 'hardened';
}

const haveReal = fs.existsSync(realRoot);
describe.skipIf(!haveReal)(haveReal ? 'empty values in real pod specs' : `empty values in real pod specs: SKIPPED because ${realRoot} is absent`, () => {
  test('at every position (each kind of empty value, a document after it): refused with an InputError or hardened to a fixed point', async () => {
    expect(realWorkloads.length).toBeGreaterThan(200);
    const cases = casesAt((w) => {
      const { values, maps } = positionsIn(w.doc.toJS());
      return [...values.map((at) => ({ how: 'value' as const, at })), ...maps.map((at) => ({ how: 'append' as const, at }))];
    });
    const tally = { refused: 0, hardened: 0 };
    const appendedUnknown = { refused: 0, hardened: 0 };
    const pause = yieldEvery();
    for (const c of cases) {
      await pause();
      const text = withEmpty(c.w, c.how, c.at, c.empty, c.n);
      if (text === undefined) continue;
      const next = `---\n${NEXT_DOCUMENTS[0]}`;
      const outcome = expectRefusedOrFixedPoint(text + next, next, tally);
      if (c.how === 'append' && text.includes('x-empty:')) appendedUnknown[outcome]++;
    }
    expect(cases.length).toBeGreaterThan(1800);
    // Both outcomes are exercised; a key kharden does not know is never a reason to refuse.
    expect(tally.refused).toBeGreaterThan(30);
    expect(tally.hardened).toBeGreaterThan(1500);
    expect(appendedUnknown.hardened).toBeGreaterThan(50);
    expect(appendedUnknown.refused).toBe(0);
  });

  test('at the end of a document that others follow (comment lines around ---, CRLF too): refused with an InputError or hardened to a fixed point', async () => {
    // The maps that end where the document ends: the root, its last value, that one's last value…
    const tailMaps = (w: RealWorkload): Segment[][] => {
      const out: Segment[][] = [];
      let node: unknown = w.doc.contents;
      const at: Segment[] = [];
      while (YAML.isMap(node) || YAML.isSeq(node)) {
        if (YAML.isMap(node) && !node.flow) out.push([...at]);
        if (node.flow || node.items.length === 0) break;
        const last = node.items.length - 1;
        at.push(YAML.isMap(node) ? String((node.items[last].key as YAML.Scalar).value) : last);
        node = YAML.isMap(node) ? node.items[last].value : node.items[last];
      }
      return out;
    };
    const cases = casesAt((w) =>
      tailMaps(w).flatMap((at) => {
        const map = w.doc.getIn(at, true) as YAML.YAMLMap;
        const lastKey = String((map.items[map.items.length - 1].key as YAML.Scalar).value);
        return [{ how: 'append' as const, at }, { how: 'value' as const, at: [...at, lastKey] }];
      }),
    );
    const tally = { refused: 0, hardened: 0 };
    const helmShape = { refused: 0, hardened: 0 };
    const variants = new Set<string>();
    const pause = yieldEvery();
    for (const c of cases) {
      const text = withEmpty(c.w, c.how, c.at, c.empty, c.n);
      if (text === undefined) continue;
      // Separators, line endings and the document after take turns from one position to the
      // next (every kind of empty value meets each); `~` and `null` take turns by the position's
      // parity, so the turns here start at its half.
      await pause();
      const turn = Math.floor(c.signature / 2);
      const sep = SEPARATORS[turn % SEPARATORS.length];
      const crlf = Math.floor(turn / SEPARATORS.length) % 2 === 1;
      const nextDoc = NEXT_DOCUMENTS[Math.floor(turn / (SEPARATORS.length * 2)) % NEXT_DOCUMENTS.length];
      const eol = (t: string) => (crlf ? t.replace(/\n/g, '\r\n') : t);
      const untouched = nextDoc === NEXT_DOCUMENTS[0] ? eol(sep.after + nextDoc) : undefined;
      const outcome = expectRefusedOrFixedPoint(eol(text + sep.before + sep.after + nextDoc), untouched, tally);
      variants.add(`${sep.name} ${crlf} ${c.empty.spelled}`);
      if (c.how === 'append' && text.includes('x-empty:')) helmShape[outcome]++;
    }
    expect(variants.size).toBe(SEPARATORS.length * 2 * EMPTY.length);
    expect(cases.length).toBeGreaterThan(500);
    expect(tally.hardened).toBeGreaterThan(500);
    // Exactly the shape Helm emits: a key nobody fills, empty, last in the document.
    expect(helmShape.hardened).toBeGreaterThan(20);
    expect(helmShape.refused).toBe(0);
  });
});
