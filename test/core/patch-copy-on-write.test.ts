/**
 * Copy-on-write edits (src/core/patch.ts with `owned`): the engine's working value shares what no
 * edit touched with the value as read and with the value as first written; an edit must copy the
 * path it changes and never change those.
 */
import { describe, expect, test } from 'vitest';
import { applyPatchOperation, cloneJson, shallowCopy } from '../../src/core/patch.js';
import type { Json } from '../../src/lib/json.js';

const ORIGINAL = {
  metadata: { name: 'web', labels: { app: 'web' } },
  spec: { template: { spec: { containers: [{ name: 'a', image: 'x:1' }, { name: 'b', image: 'y:1', securityContext: { runAsUser: 0 } }], volumes: [{ name: 'v', emptyDir: {} }] } } },
} as const;

function working() {
  const original = cloneJson(ORIGINAL) as unknown as { [k: string]: Json };
  const copy = shallowCopy(original);
  const owned = new WeakSet<object>([copy]);
  return { original, copy, owned };
}

describe('copy-on-write edits', () => {
  const edits: [string, { op: 'add' | 'replace' | 'remove'; path: string; value?: Json }[]][] = [
    ['add under an existing object', [{ op: 'add', path: '/spec/template/spec/containers/0/securityContext', value: { runAsNonRoot: true } }]],
    ['replace a nested value', [{ op: 'replace', path: '/spec/template/spec/containers/1/securityContext/runAsUser', value: 1000 }]],
    ['remove an array item and a key', [{ op: 'remove', path: '/spec/template/spec/volumes/0' }, { op: 'remove', path: '/metadata/labels/app' }]],
    ['append to an array, then edit what was appended', [{ op: 'add', path: '/spec/template/spec/volumes/-', value: { name: 'tmp', emptyDir: {} } }, { op: 'add', path: '/spec/template/spec/volumes/1/emptyDir/medium', value: 'Memory' }]],
    ['two edits on one path', [{ op: 'add', path: '/metadata/labels/team', value: 'x' }, { op: 'add', path: '/metadata/labels/tier', value: 'y' }]],
  ];
  test.each(edits)('%s: the result is what an in-place edit of a deep copy gives, and the original is untouched', (_, ops) => {
    const { original, copy, owned } = working();
    const reference = cloneJson(original);
    for (const op of ops) {
      applyPatchOperation(copy, op, owned);
      applyPatchOperation(reference, op);
    }
    expect(copy).toEqual(reference);
    expect(original).toEqual(ORIGINAL);
    expect(original).not.toEqual(copy);
  });

  test('what no edit touched stays shared; what an edit touched is a copy', () => {
    const { original, copy, owned } = working();
    applyPatchOperation(copy, { op: 'add', path: '/spec/template/spec/containers/0/securityContext', value: { runAsNonRoot: true } }, owned);
    const o = original as any;
    const c = copy as any;
    expect(c.metadata).toBe(o.metadata);
    expect(c.spec.template.spec.volumes).toBe(o.spec.template.spec.volumes);
    expect(c.spec.template.spec.containers[1]).toBe(o.spec.template.spec.containers[1]);
    expect(c.spec.template.spec.containers[0]).not.toBe(o.spec.template.spec.containers[0]);
    expect(c.spec.template.spec.containers).not.toBe(o.spec.template.spec.containers);
  });

  test('an inserted value is a copy of the one given, so editing it later leaves the caller\'s alone', () => {
    const { copy, owned } = working();
    const given = { emptyDir: {} as Json, name: 'tmp' };
    applyPatchOperation(copy, { op: 'add', path: '/spec/template/spec/volumes/-', value: given }, owned);
    applyPatchOperation(copy, { op: 'add', path: '/spec/template/spec/volumes/1/emptyDir/medium', value: 'Memory' }, owned);
    expect(given).toEqual({ emptyDir: {}, name: 'tmp' });
  });

  test('the root of a copy-on-write edit must be owned', () => {
    const { original } = working();
    expect(() => applyPatchOperation(original, { op: 'add', path: '/x', value: 1 }, new WeakSet())).toThrow(/must be owned/);
  });
});
