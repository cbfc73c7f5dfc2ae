import type { Edit } from './types.js';
import type { Json } from '../lib/json.js';
import { cloneJson, deepEqual } from '../lib/json.js';
import { parsePointer } from '../lib/pointer.js';

export { cloneJson, deepEqual };

export class PatchError extends Error {}

export interface PatchOutcome {
  /** The value before the edit (undefined when the path did not exist). */
  previous: Json | undefined;
  /** False when the document already had the value: nothing changed. */
  changed: boolean;
}

/** A copy of one object or array whose members are the same values (objects shared, not copied). */
export function shallowCopy<T extends object>(value: T): T {
  // Spread defines an own `__proto__` key as data, as JSON.parse does; it never sets the prototype.
  return (Array.isArray(value) ? value.slice() : { ...value }) as T;
}

/**
 * Applies one RFC 6902 operation in place to plain data. An `add` or `replace` whose value is
 * already there is a no-op (that is what makes re-running kharden change nothing).
 *
 * With `owned` (the root must be in it), it copies on write: every object or array on the path
 * that is not in `owned` is replaced by a shallow copy first (then owned), so a value that shares
 * its untouched parts with the one it was made from (the input as read, the text as first
 * written) never changes the other.
 */
export function applyPatchOperation(root: Json, edit: Pick<Edit, 'op' | 'path' | 'value'>, owned?: WeakSet<object>): PatchOutcome {
  const segments = parsePointer(edit.path);
  if (segments.length === 0) throw new PatchError(`cannot ${edit.op} the document root`);
  if (owned && !(root !== null && typeof root === 'object' && owned.has(root))) throw new Error('applyPatchOperation: the root of a copy-on-write edit must be owned');
  let parent: unknown = root;
  for (const seg of segments.slice(0, -1)) {
    let key: string | number;
    if (Array.isArray(parent)) key = indexOf(parent, seg, false, edit.path);
    else if (parent !== null && typeof parent === 'object' && Object.prototype.hasOwnProperty.call(parent, seg)) key = seg;
    else throw new PatchError(`path ${edit.path}: "${seg}" does not exist`);
    let child = (parent as Record<string | number, unknown>)[key];
    if (owned && child !== null && typeof child === 'object' && !owned.has(child)) {
      child = shallowCopy(child);
      owned.add(child as object);
      (parent as Record<string | number, unknown>)[key] = child;
    }
    parent = child;
  }
  const last = segments[segments.length - 1];
  if (Array.isArray(parent)) {
    if (edit.op === 'add') {
      const i = last === '-' ? parent.length : indexOf(parent, last, true, edit.path);
      parent.splice(i, 0, cloneJson(edit.value as Json));
      return { previous: undefined, changed: true };
    }
    const i = indexOf(parent, last, false, edit.path);
    const previous = parent[i] as Json;
    if (edit.op === 'remove') {
      parent.splice(i, 1);
      return { previous, changed: true };
    }
    if (deepEqual(previous, edit.value)) return { previous, changed: false };
    parent[i] = cloneJson(edit.value as Json);
    return { previous, changed: true };
  }
  if (parent === null || typeof parent !== 'object') throw new PatchError(`path ${edit.path}: parent is not an object`);
  const obj = parent as Record<string, Json>;
  const exists = Object.prototype.hasOwnProperty.call(obj, last);
  const previous = exists ? obj[last] : undefined;
  if (edit.op === 'remove') {
    if (!exists) throw new PatchError(`path ${edit.path}: nothing to remove`);
    delete obj[last];
    return { previous, changed: true };
  }
  if (edit.op === 'replace' && !exists) throw new PatchError(`path ${edit.path}: nothing to replace`);
  if (exists && deepEqual(previous, edit.value)) return { previous, changed: false };
  obj[last] = cloneJson(edit.value as Json);
  return { previous, changed: true };
}

function indexOf(arr: unknown[], seg: string, allowEnd: boolean, path: string): number {
  if (!/^(0|[1-9]\d*)$/.test(seg)) throw new PatchError(`path ${path}: "${seg}" is not an array index`);
  const i = Number(seg);
  if (i > arr.length || (!allowEnd && i === arr.length)) throw new PatchError(`path ${path}: index ${i} out of range`);
  return i;
}
