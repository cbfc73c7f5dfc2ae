/**
 * plainValueOf is the fast reader behind every document kharden reads and every read-back check;
 * wherever it answers, it must answer exactly what the library's toJS answers, and it must step
 * aside (NOT_PLAIN) wherever its simple model would differ.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, test } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { NOT_PLAIN, plainValueOf } from '../../src/yaml/plain.js';
import { PARSE_OPTIONS } from '../../src/yaml/stream.js';
import { listManifests, SHARED } from '../helpers/harness.js';
import { yieldEvery } from '../helpers/yielding.js';

const docsOf = (text: string) => {
  const docs = parseAllDocuments(text, PARSE_OPTIONS);
  return Array.isArray(docs) ? docs : [];
};

/** Compares the library's value with ours, treating NaN as equal to itself (toEqual does). */
function agrees(text: string): 'plain' | 'fallback' {
  let fell = false;
  for (const doc of docsOf(text)) {
    if (doc.errors.length) continue;
    const ours = plainValueOf(doc.contents);
    if (ours === NOT_PLAIN) {
      fell = true;
      continue;
    }
    expect(ours).toEqual(doc.toJS({ maxAliasCount: -1 }));
  }
  return fell ? 'fallback' : 'plain';
}

describe('plainValueOf', () => {
  test.each([
    ['scalars of every YAML 1.1 type', 'a: 1\nb: 0x1f\nc: 0777\nd: yes\ne: ~\nf: .nan\ng: -.inf\nh: "x"\ni: 1_000\nj: 2024-01-01\n'],
    ['number, boolean and null keys read as strings', '1: a\ntrue: b\n~: c\n2.5: d\n'],
    ['nested block and flow collections', 'a:\n  - {x: 1, y: [1, 2]}\n  - - z\nb: []\nc: {}\n'],
    ['empty values and empty items', 'a:\nb: {c: }\nd:\n  -\n  - e\n'],
    ['block scalars', 'a: |\n  line\n  line2\nb: >-\n  folded\n  text\n'],
    ['a document that is only a scalar', 'just text\n'],
    ['an empty document', '# only a comment\n'],
    ['a flow pair in a sequence (a one-pair map)', '[a: 1, b]\n'],
  ])('%s: same value as toJS', (_name, text) => {
    expect(agrees(text)).toBe('plain');
  });

  test.each([
    ['aliases', 'a: &x {b: 1}\nc: *x\n'],
    ['merge keys', 'a: &x {b: 1}\nc:\n  <<: *x\n  d: 2\n'],
    ['a collection as a key', '? [a, b]\n: c\n'],
    ['keys that read as the same property', '1: a\n"1": b\n'],
    ['duplicate keys', 'a: 1\na: 2\n'],
    ['a __proto__ key', '__proto__: {polluted: true}\n'],
    ['a YAML 1.1 set', '--- !!set\n? a\n? b\n'],
    ['a YAML 1.1 omap', '--- !!omap\n- a: 1\n- b: 2\n'],
    ['a binary scalar', 'a: !!binary aGVsbG8=\n'],
  ])('%s: steps aside for toJS', (_name, text) => {
    expect(agrees(text)).toBe('fallback');
  });

  const corpus = path.join(SHARED, 'corpus/real');
  const haveCorpus = fs.existsSync(corpus);
  test.skipIf(!haveCorpus)(haveCorpus ? 'agrees with toJS on every document of the real corpus' : `real corpus: SKIPPED because ${corpus} is absent`, async () => {
    const files = listManifests(corpus);
    let plain = 0;
    const pause = yieldEvery();
    for (const f of files) {
      await pause();
      const text = fs.readFileSync(f, 'utf8');
      if (agrees(text) === 'plain') plain++;
    }
    // The fast path is the common case, not an exotic one.
    expect(plain).toBeGreaterThan(files.length * 0.9);
  });
});
