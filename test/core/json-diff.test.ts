/** diffJson: RFC 6902 add/replace/remove that rebuild `after` from `before`, few and at explicit indexes. */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { diffJson } from '../../src/core/json-diff.js';
import { applyPatchOperation, cloneJson } from '../../src/core/patch.js';
import type { Json, JsonObject } from '../../src/core/types.js';

function apply(before: JsonObject, ops: ReturnType<typeof diffJson>): Json {
  const doc = cloneJson(before);
  for (const op of ops) applyPatchOperation(doc, op);
  return doc;
}

describe('diffJson', () => {
  test.each<[string, Json, Json, ReturnType<typeof diffJson>]>([
    ['equal values: nothing', { a: [1, { b: 2 }] }, { a: [1, { b: 2 }] }, []],
    ['a changed scalar: replace', { a: 1 }, { a: 2 }, [{ op: 'replace', path: '/a', value: 2 }]],
    ['a new key: add', { a: 1 }, { a: 1, b: { c: true } }, [{ op: 'add', path: '/b', value: { c: true } }]],
    ['a key gone: remove', { a: 1, b: 2 }, { a: 1 }, [{ op: 'remove', path: '/b' }]],
    ['keys with / and ~ are escaped', { m: { 'a/b': 1 } }, { m: { 'a/b': 2, 'c~d': 3 } }, [{ op: 'replace', path: '/m/a~1b', value: 2 }, { op: 'add', path: '/m/c~0d', value: 3 }]],
    ['a type change: replace', { a: { b: 1 } }, { a: [1] }, [{ op: 'replace', path: '/a', value: [1] }]],
    ['an append: add at the explicit index, never /-', { l: [1, 2] }, { l: [1, 2, 3, 4] }, [{ op: 'add', path: '/l/2', value: 3 }, { op: 'add', path: '/l/3', value: 4 }]],
    ['an insertion in the middle: one add', { l: ['a', 'b', 'c'] }, { l: ['a', 'x', 'b', 'c'] }, [{ op: 'add', path: '/l/1', value: 'x' }]],
    ['removals: from the highest index down', { l: ['a', 'b', 'c', 'd'] }, { l: ['a', 'c'] }, [{ op: 'remove', path: '/l/3' }, { op: 'remove', path: '/l/1' }]],
    ['an item changed in place: diffed inside it', { l: [{ n: 'a', v: 1 }, { n: 'b' }] }, { l: [{ n: 'a', v: 2 }, { n: 'b' }] }, [{ op: 'replace', path: '/l/0/v', value: 2 }]],
    ['a shorter list that is not a subsequence: by index, then removes', { l: [1, 2, 3] }, { l: [9, 2] }, [{ op: 'replace', path: '/l/0', value: 9 }, { op: 'remove', path: '/l/2' }]],
  ])('%s', (_name, before, after, ops) => {
    expect(diffJson(before, after)).toEqual(ops);
    expect(apply(before as JsonObject, ops)).toEqual(after);
  });

  test('a changed root is one replace with path "" (RFC 6902)', () => {
    expect(diffJson([1], { a: 1 })).toEqual([{ op: 'replace', path: '', value: { a: 1 } }]);
  });

  test('applied in order, the operations give `after` exactly, for any two JSON objects', () => {
    const json = fc.letrec((tie) => ({
      value: fc.oneof({ depthSize: 'small' }, fc.constantFrom<Json>(null, true, false, 0, 1, 'a', 'b'), tie('list'), tie('map')),
      list: fc.array(tie('value'), { maxLength: 5 }),
      map: fc.dictionary(fc.constantFrom('a', 'b', 'c', 'd/e', 'f~g'), tie('value'), { maxKeys: 4 }),
    }));
    fc.assert(
      fc.property(json.map as fc.Arbitrary<JsonObject>, json.map as fc.Arbitrary<JsonObject>, (before, after) => {
        const ops = diffJson(before, after);
        expect(apply(before, ops)).toEqual(after);
        if (JSON.stringify(before) === JSON.stringify(after)) expect(ops).toEqual([]);
      }),
      { numRuns: 500 },
    );
  });
});
