import { describe, expect, test } from 'vitest';
import transform from '../../transforms/set-memory-limits.js';
import { compareQuantity, parseQuantity } from '../../transforms/data/quantity.js';
import { heapFlagsIn, jvmHeapOf, jvmMemoryLimit } from '../../transforms/data/jvm.js';
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
    [{ limitToRequestRatio: 0 }, /limitToRequestRatio/],
    [{ limitToRequestRatio: 1.5 }, /limitToRequestRatio/],
    [{ cpuRequest: 'lots' }, /cpuRequest/],
  ])('%j is refused with a message naming the option', (options, msg) => {
    expect(() => chainOf(transform, options)).toThrow(msg);
  });
});

describe('JVM heap flags', () => {
  const G = 1n << 30n;
  const M = 1n << 20n;
  test.each([
    ['-Xmx1g', [G]],
    ['-Xms512m -Xmx1G -XX:+UseG1GC', [512n * M, G]],
    ['"-Xmx2048M"', [2048n * M]],
    ['-XX:MaxHeapSize=3g,-XX:InitialHeapSize=1024k', [3n * G, 1024n * 1024n]],
    ['-Xmx1073741824', [G]],
    ['-Xss1m -XX:MaxRAMPercentage=75.0 -XX:MaxMetaspaceSize=256m', []],
    ['--max-xmx1g -Xmx1gb x-Xmx1g', []],
  ])('%s', (text, want) => expect(heapFlagsIn(text).map((f) => f.bytes)).toEqual(want));

  test('the largest heap of env values, command and args, with $(VAR) expanded from literal env values', () => {
    const heap = jvmHeapOf({
      env: [{ name: 'HEAP', value: '3g' }, { name: 'JAVA_TOOL_OPTIONS', value: '-Xmx1g' }, { name: 'FROM_SECRET', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }],
      command: ['java', '-Xms2g'],
      args: ['-Xmx$(HEAP)', '-Xmx$(MISSING)', '$$(HEAP)'],
    });
    expect(heap).toEqual({ bytes: 3n * G, flag: '-Xmx3g', where: 'args' });
    expect(jvmHeapOf({ image: 'x', env: [{ name: 'OPTS', value: '$(NOPE) -Xmx$$(HEAP)' }] })).toBeUndefined();
  });

  test('on a tie the -Xmx flag is named', () => {
    expect(jvmHeapOf({ env: [{ name: 'ES_JAVA_OPTS', value: '-Xms1g -Xmx1g' }] })?.flag).toBe('-Xmx1g');
  });

  test('a limit for a heap is heap × 1.25 + 256Mi, rounded up to a MiB', () => {
    expect(jvmMemoryLimit(G).quantity).toBe('1536Mi');
    expect(jvmMemoryLimit(4n * G).quantity).toBe('5376Mi');
    expect(jvmMemoryLimit(100n * M + 1n).quantity).toBe('382Mi');
  });
});
