/**
 * Document slices and the splice guard. The library ends a document's range right after its last
 * token, mid-line when the last value is empty (`volumes:`) or a comment ends the document; the
 * stream gives each document whole lines instead, so the writer's "after this line" offsets stay
 * inside the document. applySplices refuses a splice outside its slice (or overlapping another)
 * instead of gluing text to a neighbour.
 */
import { describe, expect, test } from 'vitest';
import { parseStream } from '../../src/yaml/stream.js';
import { applySplices, SpliceOutOfPlaceError } from '../../src/yaml/write.js';

const slicesOf = (text: string) => parseStream(text, 'in.yaml').documents.map((d) => text.slice(d.start, d.end));

describe('document slices', () => {
  test.each([
    ['an empty last value', 'a: 1\nb:\n---\nc: 1\n', ['a: 1\nb:\n', '---\nc: 1\n']],
    ['`~` last', 'a: 1\nb: ~\n---\nc: 1\n', ['a: 1\nb: ~\n', '---\nc: 1\n']],
    ['a comment line before the separator', 'a: 1\nb:\n# Source: x\n---\nc: 1\n', ['a: 1\nb:\n# Source: x\n', '---\nc: 1\n']],
    ['a comment line after the separator', 'a: 1\nb:\n---\n# Source: x\nc: 1\n', ['a: 1\nb:\n', '---\n# Source: x\nc: 1\n']],
    ['blank lines after an empty last value', 'a: 1\nb:\n\n\n---\nc: 1\n', ['a: 1\nb:\n', '\n\n---\nc: 1\n']],
    ['a trailing comment on the last line', 'a: 1\nb: # none\n---\nc: 1\n', ['a: 1\nb: # none\n', '---\nc: 1\n']],
    ['CRLF', 'a: 1\r\nb:\r\n---\r\nc: 1\r\n', ['a: 1\r\nb:\r\n', '---\r\nc: 1\r\n']],
    ['a document end marker', 'a: 1\nb:\n...\n---\nc: 1\n', ['a: 1\nb:\n...\n', '---\nc: 1\n']],
    ['no final line break', 'a: 1\n---\nb:', ['a: 1\n', '---\nb:']],
  ])('%s: every slice but the last ends with a line break, and the slices make up the text', (_name, text, expected) => {
    const slices = slicesOf(text);
    expect(slices).toEqual(expected);
    expect(slices.join('')).toBe(text);
  });
});

describe('applySplices', () => {
  // The slice "b:\n" of the stream "a: 1\nb:\n---\n…" starts at offset 5.
  const slice = 'b:\n';
  test('applies splices inside the slice, at both of its ends too', () => {
    expect(applySplices(slice, [{ start: 5, end: 5, text: '# x\n' }, { start: 7, end: 7, text: ' 1' }, { start: 8, end: 8, text: 'c: 2\n' }], 5)).toBe('# x\nb: 1\nc: 2\n');
  });
  test.each([
    ['after the slice', { start: 9, end: 9, text: 'x' }],
    ['before the slice', { start: 4, end: 4, text: 'x' }],
    ['reaching past the slice', { start: 6, end: 10, text: 'x' }],
    ['with its end before its start', { start: 7, end: 6, text: 'x' }],
  ])('refuses a splice %s', (_name, splice) => {
    expect(() => applySplices(slice, [splice], 5, 'in.yaml document 1')).toThrow(SpliceOutOfPlaceError);
    expect(() => applySplices(slice, [splice], 5, 'in.yaml document 1')).toThrow(/outside the text of in\.yaml document 1 \(offsets 5–8\)/);
  });
  test('refuses overlapping splices (an insertion inside a replaced range)', () => {
    expect(() => applySplices(slice, [{ start: 5, end: 8, text: 'x' }, { start: 6, end: 6, text: 'y' }], 5)).toThrow(/overlapping/);
  });
});
