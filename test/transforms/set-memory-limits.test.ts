import { describe, expect, test } from 'vitest';
import transform from '../../transforms/set-memory-limits.js';
import { compareQuantity, parseQuantity } from '../../transforms/data/quantity.js';
import { chainOf, harden, runTransformFixtures } from '../helpers/harness.js';

runTransformFixtures(transform);

describe('Kubernetes quantities', () => {
  const bytes = (v: unknown) => {
    const q = parseQuantity(v);
    return q === undefined ? undefined : Number(q.num) / Number(q.den);
  };
  test.each([
    ['128974848', 128974848],
    ['129e6', 129e6],
    ['129M', 129e6],
    ['128974848000m', 128974848],
    ['123Mi', 123 * 2 ** 20],
    ['1Ki', 1024],
    ['1k', 1000],
    ['1.5Gi', 1.5 * 2 ** 30],
    ['.5Gi', 2 ** 29],
    ['2.', 2],
    ['1T', 1e12],
    ['1Ti', 2 ** 40],
    ['1E', 1e18],
    ['1E3', 1000],
    ['1e-3', 0.001],
    ['100m', 0.1],
    ['+1Mi', 2 ** 20],
    [512, 512],
    [0.5, 0.5],
  ])('%s', (v, want) => expect(bytes(v)).toBeCloseTo(want));

  test.each(['1K', '1KB', '1 Mi', 'Mi', '', '1e', '1.2.3', '0x10', 'abc', '1mi', '1gi'])('%s is not a quantity', (v) => expect(parseQuantity(v)).toBeUndefined());
  test('non-strings and non-numbers are not quantities', () => {
    for (const v of [null, undefined, true, {}, [], Number.NaN, Infinity]) expect(parseQuantity(v)).toBeUndefined();
  });

  test('compares exactly across suffixes', () => {
    const q = (s: string) => parseQuantity(s)!;
    expect(compareQuantity(q('1Gi'), q('1073741824'))).toBe(0);
    expect(compareQuantity(q('0.5Gi'), q('512Mi'))).toBe(0);
    expect(compareQuantity(q('1G'), q('1Gi'))).toBe(-1);
    expect(compareQuantity(q('1000001k'), q('1G'))).toBe(1);
    expect(compareQuantity(q('1Ei'), q('1152921504606846975'))).toBe(1);
    expect(compareQuantity(q('1Ei'), q('1152921504606846976'))).toBe(0);
  });
});

describe('set-memory-limits options', () => {
  const pod = 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    image: x\n';
  test.each([
    [{ defaultMemoryLimit: '512K' }, /defaultMemoryLimit/],
    [{ defaultMemoryRequest: '0' }, /defaultMemoryRequest/],
    [{ cpuRequest: 'lots' }, /cpuRequest/],
  ])('%j is refused with a message naming the option', (options, msg) => {
    expect(() => chainOf(transform, options)).toThrow(msg);
  });
});
