/**
 * Trailing comments on a value the writer replaces whole survive: an empty flow map or a null that
 * becomes a block map keeps its comment on the key's line, a replaced sequence item keeps it on
 * the item's first line, and comment lines inside a replaced block stay as their own lines.
 */
import { describe, expect, test } from 'vitest';
import YAML from 'yaml';
import { applySplices, detectStyle, diffToSplices } from '../../src/yaml/write.js';

function rewrite(src: string, edit: (v: any) => void): string {
  const doc = YAML.parseDocument(src);
  const before = doc.toJS();
  const after = structuredClone(before);
  edit(after);
  const { splices } = diffToSplices(src, doc, before, after, detectStyle(src, doc, '\n'));
  const out = applySplices(src, splices);
  expect(YAML.parse(out)).toEqual(after);
  return out;
}

describe('comments on replaced values', () => {
  test.each([
    [
      'an empty flow map that gains keys',
      'spec:\n  securityContext: {}   # the platform fills this\n  b: 1\n',
      (v: any) => (v.spec.securityContext = { runAsNonRoot: true }),
      'spec:\n  securityContext:   # the platform fills this\n    runAsNonRoot: true\n  b: 1\n',
    ],
    [
      'a null that becomes a block map',
      'caps: null  # later\nx: 1\n',
      (v: any) => (v.caps = { drop: ['ALL'] }),
      'caps:  # later\n  drop:\n    - ALL\nx: 1\n',
    ],
    [
      'a null that becomes a scalar',
      'a: ~ # unset\n',
      (v: any) => (v.a = false),
      'a: false # unset\n',
    ],
    [
      'a block map replaced by a scalar keeps its inner comment lines',
      'a:\n  # why b\n  b: 1\nc: 2\n',
      (v: any) => (v.a = 'x'),
      'a: x\n  # why b\nc: 2\n',
    ],
    [
      'a sequence item replaced whole',
      'l:\n- null   # placeholder\n- 2\n',
      (v: any) => (v.l[0] = { name: 'a', value: 'b' }),
      'l:\n- name: a   # placeholder\n  value: b\n- 2\n',
    ],
    [
      'a "#" inside quotes is not a comment',
      'a: {}\nb: "x #y"\n',
      (v: any) => (v.a = { k: 1 }),
      'a:\n  k: 1\nb: "x #y"\n',
    ],
  ])('%s', (_name, src, edit, expected) => {
    const out = rewrite(src, edit);
    expect(out).toBe(expected);
  });
});
