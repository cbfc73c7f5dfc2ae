import type { Edit, Json } from './types.js';
import { parsePointer } from './pointer.js';

export class PatchError extends Error {}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null) return false;
  // `.nan` reads as NaN; it equals itself as far as the document is concerned.
  if (typeof a === 'number') return Number.isNaN(a) && Number.isNaN(b);
  if (typeof a !== 'object') return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ka = Object.keys(a as object);
  if (ka.length !== Object.keys(b as object).length) return false;
  for (const k of ka) if (!Object.prototype.hasOwnProperty.call(b, k) || !deepEqual((a as any)[k], (b as any)[k])) return false;
  return true;
}

/** A deep copy of plain data. Unlike a JSON round trip it keeps NaN and ±Infinity (`.nan`, `.inf`). */
export function cloneJson<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    const out = new Array(value.length);
    for (let i = 0; i < value.length; i++) out[i] = cloneJson(value[i]);
    return out as T;
  }
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(value as object)) {
    if (k === '__proto__') Object.defineProperty(out, k, { value: cloneJson((value as any)[k]), enumerable: true, writable: true, configurable: true });
    else out[k] = cloneJson((value as any)[k]);
  }
  return out as T;
}

export interface PatchOutcome {
  /** The value before the edit (undefined when the path did not exist). */
  previous: Json | undefined;
  /** False when the document already had the value: nothing changed. */
  changed: boolean;
}

/**
 * Applies one RFC 6902 operation in place to plain data. An `add` or `replace` whose value is
 * already there is a no-op (that is what makes re-running kharden change nothing).
 */
export function applyPatchOperation(root: Json, edit: Pick<Edit, 'op' | 'path' | 'value'>): PatchOutcome {
  const segments = parsePointer(edit.path);
  if (segments.length === 0) throw new PatchError(`cannot ${edit.op} the document root`);
  let parent: unknown = root;
  for (const seg of segments.slice(0, -1)) {
    if (Array.isArray(parent)) parent = parent[indexOf(parent, seg, false, edit.path)];
    else if (parent !== null && typeof parent === 'object' && Object.prototype.hasOwnProperty.call(parent, seg))
      parent = (parent as Record<string, unknown>)[seg];
    else throw new PatchError(`path ${edit.path}: "${seg}" does not exist`);
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
