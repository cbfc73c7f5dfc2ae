/**
 * The HTML report's per-file diff: a real unified diff (the `diff` package applies it back to the
 * hardened text exactly), hunks like `diff -u`, and fast on a big stream because each document is
 * diffed on its own (speed itself is measured in bench/run.mjs, not asserted here).
 */
import * as path from 'node:path';
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { applyPatch, parsePatch } from 'diff';
import { unifiedDiff } from '../../src/report/diff.js';
import { CLEAN_PROJECTS, CORPUS, corpusPresent, manifestsOf, reportOf } from './helpers.js';

const roundTrips = (input: string, output: string) => {
  const patch = unifiedDiff('f.yaml', input, output);
  expect(applyPatch(input, patch), patch).toBe(output);
  return patch;
};

describe('unified diff', () => {
  test('the shape of `diff -u`: headers, hunk ranges, context of three, nearby changes in one hunk', () => {
    const input = Array.from({ length: 20 }, (_, i) => `l${i + 1}`).join('\n') + '\n';
    const output = input.replace('l5\n', 'l5\nnew\n').replace('l8\n', 'L8\n').replace('l18\n', '');
    const patch = roundTrips(input, output);
    expect(patch).toBe(
      [
        'Index: f.yaml',
        '='.repeat(67),
        '--- f.yaml\tinput',
        '+++ f.yaml\thardened',
        '@@ -3,9 +3,10 @@',
        ' l3',
        ' l4',
        ' l5',
        '+new',
        ' l6',
        ' l7',
        '-l8',
        '+L8',
        ' l9',
        ' l10',
        ' l11',
        '@@ -15,6 +16,5 @@',
        ' l15',
        ' l16',
        ' l17',
        '-l18',
        ' l19',
        ' l20',
        '',
      ].join('\n'),
    );
    expect(parsePatch(patch)[0].hunks).toHaveLength(2);
  });

  test.each([
    ['no change', 'a: 1\n', 'a: 1\n'],
    ['empty input', '', 'a: 1\n'],
    ['empty output', 'a: 1\n', ''],
    ['no final newline, kept', 'a: 1\nb: 2', 'a: 1\nc: 3\nb: 2'],
    ['no final newline, last line changed', 'a: 1\nb: 2', 'a: 1\nb: 3'],
    ['final newline added', 'a: 1', 'a: 1\n'],
    ['CRLF', 'a: 1\r\nb: 2\r\n', 'a: 1\r\nx: 0\r\nb: 2\r\n'],
    ['documents, one edited', 'a: 1\n---\nb: 2\n---\nc: 3\n', 'a: 1\n---\nb: 2\nd: 4\n---\nc: 3\n'],
    ['a document added at the end', 'a: 1\n', 'a: 1\n---\nkind: NetworkPolicy\n'],
    ['a document added in the middle', 'a: 1\n---\nc: 3\n', 'a: 1\n---\nb: 2\n---\nc: 3\n'],
    ['--- inside a block scalar', 'k: |\n  x\n---\ny: 1\n', 'k: |\n  x\n---\ny: 2\n'],
    ['leading separator and comment', '---\n# c\na: 1\n---\nb: 2\n', '---\n# c\na: 2\n---\nb: 2\n'],
  ])('%s', (_, input, output) => {
    const patch = roundTrips(input, output);
    if (input === output) expect(patch).not.toContain('@@');
  });

  test('any edits to any documents: the patch applies back (property)', () => {
    const line = fc.stringMatching(/^[a-z: -]{0,8}$/);
    const doc = fc.array(line, { minLength: 0, maxLength: 8 });
    const stream = fc.array(doc, { minLength: 1, maxLength: 5 }).map((docs) => docs.map((d) => d.join('\n')).join('\n---\n'));
    fc.assert(
      fc.property(stream, stream, fc.boolean(), fc.boolean(), (a, b, endA, endB) => {
        const input = a + (endA ? '\n' : '');
        const output = b + (endB ? '\n' : '');
        expect(applyPatch(input, unifiedDiff('f.yaml', input, output))).toBe(output);
      }),
      { numRuns: 300 },
    );
  });

  test.skipIf(!corpusPresent)(corpusPresent ? 'every changed file of six real projects: the patch gives the hardened text' : `SKIPPED: ${CORPUS} is absent`, async () => {
    const { results } = await reportOf(manifestsOf(CLEAN_PROJECTS.map((p) => path.join(CORPUS, p))), { cwd: CORPUS });
    const changed = results.filter((r) => r.changed);
    expect(changed.length).toBeGreaterThan(20);
    for (const r of changed) expect(applyPatch(r.input, unifiedDiff(r.file, r.input, r.output)), r.file).toBe(r.output);
  }, 180_000);
});
