import type { Edit } from './types.js';
import type { Json } from '../lib/json.js';
import { deepEqual, describeType, isPlainObject } from '../lib/json.js';
import { formatPointer, parsePointer } from '../lib/pointer.js';

export { describeType, isPlainObject };

/**
 * A resource field has a type Kubernetes would reject (`securityContext: []`, `containers: "x"`).
 * kharden refuses to guess; the engine turns this into an input error naming file, document and line.
 */
export class InvalidShapeError extends Error {
  constructor(
    readonly path: string,
    readonly expected: string,
    readonly actual: unknown,
  ) {
    super(`${path || '/'} must be ${expected}, found ${describeType(actual)}`);
  }
}

/** The map at `path` (relative to root), {} when absent or null; throws when it is not a map. */
export function mapAt(root: unknown, path: string): Readonly<Record<string, Json>> {
  const v = valueAt(root, path);
  if (v === undefined || v === null) return {};
  if (!isPlainObject(v)) throw new InvalidShapeError(path, 'a map', v);
  return v;
}

/** The list at `path`, [] when absent or null; throws when it is not a list. */
export function listAt(root: unknown, path: string): readonly Json[] {
  const v = valueAt(root, path);
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new InvalidShapeError(path, 'a list', v);
  return v;
}

/** The value at `path`, checking that every parent on the way is a map or list. */
export function valueAt(root: unknown, path: string): Json | undefined {
  let node: unknown = root;
  const segs = parsePointer(path);
  for (let i = 0; i < segs.length; i++) {
    if (node === undefined || node === null) return undefined;
    const seg = segs[i];
    if (Array.isArray(node)) node = node[Number(seg)];
    else if (isPlainObject(node)) node = Object.prototype.hasOwnProperty.call(node, seg) ? node[seg] : undefined;
    else throw new InvalidShapeError(formatPointer(segs.slice(0, i)), 'a map', node);
  }
  return node as Json | undefined;
}

/**
 * The smallest edit that makes `root` hold `value` at `path`, creating missing parent maps
 * (a missing or null parent becomes one nested `add`/`replace`). [] when it already holds it,
 * which is what makes every transform idempotent.
 */
export function ensure(root: unknown, path: string, value: Json, reason: string): Edit[] {
  const segs = parsePointer(path);
  let node: unknown = root;
  for (let i = 0; i < segs.length; i++) {
    const seg = segs[i];
    const here = formatPointer(segs.slice(0, i + 1));
    if (Array.isArray(node) && /^\d+$/.test(seg) && Number(seg) < node.length) {
      // Lists are walked by index (containers/0/…), and an existing item may be replaced; ensure never creates list items.
      if (i === segs.length - 1) return deepEqual(node[Number(seg)], value) ? [] : [{ op: 'replace', path: here, value, reason }];
      node = node[Number(seg)];
      continue;
    }
    if (!isPlainObject(node)) throw new InvalidShapeError(formatPointer(segs.slice(0, i)), 'a map', node);
    const exists = Object.prototype.hasOwnProperty.call(node, seg);
    const child = exists ? node[seg] : undefined;
    if (i === segs.length - 1) {
      if (exists && deepEqual(child, value)) return [];
      return [{ op: exists ? 'replace' : 'add', path: here, value, reason }];
    }
    if (child === undefined || child === null) {
      let nested: Json = value;
      for (let j = segs.length - 1; j > i; j--) nested = { [segs[j]]: nested };
      return [{ op: exists ? 'replace' : 'add', path: here, value: nested, reason }];
    }
    node = child;
  }
  throw new Error('ensure: empty path');
}

/** Edit that removes `path` when present. */
export function ensureAbsent(root: unknown, path: string, reason: string): Edit[] {
  return valueAt(root, path) === undefined ? [] : [{ op: 'remove', path, reason }];
}
