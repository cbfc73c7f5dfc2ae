/**
 * The line scan that lets the engine leave documents uncomposed (src/yaml/skim.ts) may only say
 * "valid" when the yaml library, reading the text the way kharden does, composes it without an
 * error and without a key problem, as an object with the same apiVersion and kind. Checked on every
 * document of the shared corpus, on mutants of them, and on a table of small cases.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, test } from 'vitest';
import { parseAllDocuments } from 'yaml';
import type { Document } from 'yaml';
import { childValueRange, skimDocument, splitRegions } from '../../src/yaml/skim.js';
import { findKeyProblem, PARSE_OPTIONS } from '../../src/yaml/stream.js';

const CORPUS = path.resolve(__dirname, '../../../shared/corpus');

/** What the library says about one document's text: its apiVersion and kind, or why it is not a valid single object. */
function library(text: string): { apiVersion: unknown; kind: unknown; items?: any[] } | string {
  const docs = parseAllDocuments(text, PARSE_OPTIONS);
  const list = Array.isArray(docs) ? docs : [];
  if (list.length !== 1) return `${list.length} documents`;
  const doc = list[0] as Document.Parsed;
  if (doc.errors.length) return doc.errors[0].message;
  if (findKeyProblem(doc)) return 'key problem';
  const v = doc.toJS({ maxAliasCount: 100 });
  return { apiVersion: v?.apiVersion, kind: v?.kind, items: Array.isArray(v?.items) ? v.items : undefined };
}

function agrees(text: string): { skimmed: boolean; ok: boolean; why?: string } {
  const s = skimDocument(text, 0, text.length);
  if (!s) return { skimmed: false, ok: true };
  const lib = library(text);
  if (typeof lib === 'string') return { skimmed: true, ok: false, why: lib };
  // The kinds of a List's items, where the scan names them, are the library's.
  const itemsOk = !s.items || (lib.items !== undefined && s.items.length === lib.items.length && s.items.every((i, n) => (i.apiVersion === undefined || i.apiVersion === lib.items![n]?.apiVersion) && (i.kind === undefined || i.kind === lib.items![n]?.kind)));
  return { skimmed: true, ok: lib.apiVersion === s.apiVersion && lib.kind === s.kind && itemsOk, why: JSON.stringify(lib).slice(0, 300) };
}

function corpusRegions(): { file: string; text: string }[] {
  const out: { file: string; text: string }[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(ya?ml|json)$/i.test(e.name)) {
        const text = fs.readFileSync(p, 'utf8');
        for (const r of splitRegions(text)) out.push({ file: p, text: text.slice(r.start, r.end) });
      }
    }
  };
  for (const sub of ['real', 'psa', 'peers']) if (fs.existsSync(path.join(CORPUS, sub))) walk(path.join(CORPUS, sub));
  return out;
}

const regions = fs.existsSync(CORPUS) ? corpusRegions() : [];

describe('skimDocument', () => {
  test.skipIf(regions.length === 0)('says valid only for what the library composes without error (every corpus document)', () => {
    let skimmed = 0;
    const wrong: string[] = [];
    for (const r of regions) {
      const a = agrees(r.text);
      if (a.skimmed) skimmed++;
      if (!a.ok) wrong.push(`${r.file}: ${a.why}\n${r.text.slice(0, 300)}`);
    }
    expect(wrong).toEqual([]);
    // It must be worth having: most of the corpus is in the subset.
    expect(skimmed).toBeGreaterThan(regions.length / 2);
  });

  test.skipIf(regions.length === 0)('says valid only for what the library composes without error (mutants of corpus documents)', () => {
    // Seeded mutations of small valid documents: a character deleted, inserted or doubled, a line's
    // indentation changed, a line duplicated.
    let seed = 15;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const inserts = [' ', '  ', ':', ': ', '- ', '-', '--', '"', "'", '#', ' #', '\t', '{', '}', '[', ']', ',', '&a ', '*a', '!', '|', '>', '\n', '\n  ', '? ', '%', '@', '`', '\\', '\\x', 'yes: 1\n', '---\n', '...\n'];
    const seeds = regions.filter((r) => r.text.length < 3000 && skimDocument(r.text, 0, r.text.length)).slice(0, 400);
    expect(seeds.length).toBeGreaterThan(100);
    let accepted = 0;
    const wrong: string[] = [];
    for (const s of seeds) {
      for (let k = 0; k < 25; k++) {
        let t = s.text;
        const at = Math.floor(rnd() * t.length);
        const m = Math.floor(rnd() * 5);
        if (m === 0) t = t.slice(0, at) + t.slice(at + 1);
        else if (m === 1) t = t.slice(0, at) + inserts[Math.floor(rnd() * inserts.length)] + t.slice(at);
        else if (m === 2) t = t.slice(0, at) + t[at] + t.slice(at);
        else {
          const lines = t.split('\n');
          const i = Math.floor(rnd() * lines.length);
          if (m === 3) lines[i] = rnd() < 0.5 ? ' ' + lines[i] : lines[i].replace(/^ /, '');
          else lines.splice(i, 0, lines[i]);
          t = lines.join('\n');
        }
        const a = agrees(t);
        if (a.skimmed) accepted++;
        if (!a.ok) wrong.push(`${s.file} mutant: ${a.why}\n${t}`);
      }
    }
    expect(wrong.slice(0, 3)).toEqual([]);
    expect(accepted).toBeGreaterThan(1000);
  });

  const valid: [string, string][] = [
    ['plain', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: b  # c\n'],
    ['compact and indented sequences', 'apiVersion: v1\nkind: A\nlist:\n- a\n- b: c\n  d: e\nother:\n  - x\n  -\n    k: z\n'],
    ['block scalars', 'apiVersion: v1\nkind: A\na: |\n  x\n\n   y\nb: >-\n  folded\nc: |+\n  kept\n\n'],
    ['multi-line plain and quoted scalars', "apiVersion: v1\nkind: A\nd: a long\n  text that goes on\ne: 'it''s\n  long'\nf: \"esc \\u00e9\n  more\"\n"],
    ['flow collections', 'apiVersion: v1\nkind: A\nf: {a: 1, b: [x, "y", \'z\']}\ng: []\nh: {}\n'],
    ['a plain continuation line that starts with a dash word', 'apiVersion: v1\nkind: A\nd: perform a `kubectl apply\n  --dry-run` without syncing\ne: -1\n'],
    ['quoted root values and CRLF', 'apiVersion: "v1"\r\nkind: \'A\'\r\nx: y\r\n'],
  ];
  test.each(valid)('accepts %s', (_, text) => {
    expect(skimDocument(text, 0, text.length)).toBeDefined();
    expect(agrees(text).ok).toBe(true);
  });

  const unsure: [string, string][] = [
    ['a duplicate key', 'apiVersion: v1\nkind: A\nmetadata:\n  name: a\n  name: b\n'],
    ['a duplicate key, quoted', 'apiVersion: v1\nkind: A\nx: 1\n"x": 2\n'],
    ['a duplicate key in a flow map', 'apiVersion: v1\nkind: A\nx: {a: 1, a: 2}\n'],
    ['a tab', 'apiVersion: v1\nkind: A\nx:\n\ty: 1\n'],
    ['an anchor and alias', 'apiVersion: v1\nkind: A\nx: &a 1\ny: *a\n'],
    ['a tag', 'apiVersion: v1\nkind: A\nx: !!str 1\n'],
    ['bad indentation', 'apiVersion: v1\nkind: A\nx:\n  a: 1\n   b: 2\n'],
    ['a nested map in a compact value', 'apiVersion: v1\nkind: A\nx: a: b\n'],
    ['an unclosed quote', 'apiVersion: v1\nkind: A\nx: "abc\n'],
    ['an unclosed flow', 'apiVersion: v1\nkind: A\nx: [a, b\n'],
    ['a bad escape', 'apiVersion: v1\nkind: A\nx: "\\q"\n'],
    ['no kind', 'apiVersion: v1\nmetadata: {}\n'],
    ['a kind YAML 1.1 reads as a boolean', 'apiVersion: v1\nkind: yes\n'],
    ['a key YAML 1.1 reads as a boolean, twice', 'apiVersion: v1\nkind: A\nx:\n  yes: 1\n  on: 2\n'],
    ['a template', 'apiVersion: v1\nkind: A\nx: {{ .Values.x }}\n'],
    ['a directive', '%YAML 1.1\napiVersion: v1\nkind: A\n'],
    ['a document end', 'apiVersion: v1\nkind: A\n...\nb: 1\n'],
    ['a flow document', '{"apiVersion": "v1", "kind": "A"}\n'],
    ['a plain continuation line that starts with a dash and a space', 'apiVersion: v1\nkind: A\nd: a list\n  - of words\n'],
  ];
  test.each(unsure)('is unsure about %s', (_, text) => {
    expect(skimDocument(text, 0, text.length)).toBeUndefined();
  });
});

describe('splitRegions', () => {
  test('splits at `---` lines only, and says which markers carry something', () => {
    const text = 'a: 1\n---\nb: 2\n--- # c\nc: 3\n--- !x\nd: 4\n----\ne: 5\n';
    const r = splitRegions(text);
    expect(r.map((x) => text.slice(x.start, x.end))).toEqual(['a: 1\n', 'b: 2\n', 'c: 3\n', 'd: 4\n----\ne: 5\n']);
    expect(r.map((x) => x.bareMarker)).toEqual([true, true, true, false]);
  });
  test('a leading marker', () => {
    const text = '---\na: 1\n';
    expect(splitRegions(text).map((x) => text.slice(x.start, x.end))).toEqual(['', 'a: 1\n']);
  });
});

describe('childValueRange', () => {
  /** The text with /root/child blanked as the stream reader does it, read by the library. */
  function blanked(text: string, root: string, child: string): unknown {
    const range = childValueRange(text, 0, text.length, root, child);
    if (!range) return undefined;
    const [from, to] = range;
    expect(to - from).toBeGreaterThanOrEqual(5);
    const out = text.slice(0, from) + ' ~ #' + ' '.repeat(to - from - 5) + '\n' + text.slice(to);
    expect(out.length).toBe(text.length);
    const docs = parseAllDocuments(out, PARSE_OPTIONS) as Document.Parsed[];
    expect(docs.map((d) => d.errors.map((e) => e.message))).toEqual([[]]);
    return docs[0].toJS();
  }
  function expected(text: string, root: string, child: string): unknown {
    const v = (parseAllDocuments(text, PARSE_OPTIONS) as Document.Parsed[])[0].toJS();
    v[root][child] = null;
    return v;
  }
  const CRD = (versions: string, after = '  scope: Cluster\n') =>
    `apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: a.b\nspec:\n  group: b\n  versions:${versions}${after}status: {}\n`;
  const cases: [string, string][] = [
    ['a sequence indented under the key', CRD('\n    - name: v1\n      schema:\n        openAPIV3Schema:\n          type: object\n')],
    ['a sequence flush with the key', CRD('\n  - name: v1\n    served: true\n  - name: v2\n    served: false\n')],
    ['a block scalar and comments inside, a comment at column 0', CRD('\n  - name: v1\n    description: |\n      text\n\n      more\n# a comment at column 0\n    served: true # why\n')],
    ['a flow sequence on the key line', CRD(' [{name: v1}, {name: v2}]\n')],
    ['the last key of the document', CRD('\n  - name: v1\n    served: true\n', '')],
    ['CRLF line ends', CRD('\r\n  - name: v1\r\n    served: true\r\n').replace(/\n/g, '\r\n').replace(/\r\r/g, '\r')],
  ];
  test.each(cases)('%s: blanked, the library reads null in its place and everything else as before', (_, text) => {
    expect(blanked(text, 'spec', 'versions')).toEqual(expected(text, 'spec', 'versions'));
  });
  test('a key that is not there, or only deeper, or under another root key, gives no range', () => {
    expect(childValueRange(CRD(' []\n'), 0, CRD(' []\n').length, 'spec', 'validation')).toBeUndefined();
    const deeper = 'spec:\n  names:\n    versions:\n    - a\n  group: b\n';
    expect(childValueRange(deeper, 0, deeper.length, 'spec', 'versions')).toBeUndefined();
    const other = 'status:\n  versions:\n  - a\nspec:\n  group: b\n';
    expect(childValueRange(other, 0, other.length, 'spec', 'versions')).toBeUndefined();
  });
  test.skipIf(regions.length === 0)('every CRD of the corpus the line scan accepts: blanking its schemas changes nothing else', () => {
    let checked = 0;
    for (const { file, text: doc } of regions) {
      if (!/^kind: CustomResourceDefinition\r?$/m.test(doc) || !skimDocument(doc, 0, doc.length)) continue;
      for (const child of ['versions', 'validation']) {
        if (!childValueRange(doc, 0, doc.length, 'spec', child)) continue;
        expect(blanked(doc, 'spec', child), `${file} ${child}`).toEqual(expected(doc, 'spec', child));
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(20);
  });
});
