/**
 * The RFC 6902 operations (add, replace, remove) that turn one JSON value into another, for
 * changes kharden did not make itself (an exec plugin's output) so the report can show them as
 * edits. Applied in order, they give `after` exactly. Maps are diffed key by key; a list that only
 * gained or lost items (the rest in order) gets adds or removes at explicit indexes (never `/-`),
 * any other list is diffed index by index. Pure.
 */
import type { Json } from './types.js';
import { deepEqual } from './patch.js';

export interface JsonPatchOp {
  op: 'add' | 'replace' | 'remove';
  path: string;
  value?: Json;
}

const isMap = (v: unknown): v is { [k: string]: Json } => v !== null && typeof v === 'object' && !Array.isArray(v);
const seg = (k: string | number) => String(k).replace(/~/g, '~0').replace(/\//g, '~1');

export function diffJson(before: Json, after: Json, base = ''): JsonPatchOp[] {
  const ops: JsonPatchOp[] = [];
  diffInto(before, after, base, ops);
  return ops;
}

function diffInto(before: Json, after: Json, path: string, ops: JsonPatchOp[]): void {
  if (deepEqual(before, after)) return;
  if (isMap(before) && isMap(after)) {
    for (const k of Object.keys(before)) {
      const p = `${path}/${seg(k)}`;
      if (!Object.prototype.hasOwnProperty.call(after, k)) ops.push({ op: 'remove', path: p });
      else diffInto(before[k], after[k], p, ops);
    }
    for (const k of Object.keys(after)) if (!Object.prototype.hasOwnProperty.call(before, k)) ops.push({ op: 'add', path: `${path}/${seg(k)}`, value: after[k] });
    return;
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    diffList(before, after, path, ops);
    return;
  }
  // A changed scalar, or a change of type (at the root too: RFC 6902's path "").
  ops.push({ op: 'replace', path, value: after });
}

function diffList(before: Json[], after: Json[], path: string, ops: JsonPatchOp[]): void {
  if (after.length > before.length) {
    const kept = subsequence(before, after);
    if (kept) {
      // Items of `after` not matched to `before`, added in ascending index: each lands where it ends up.
      after.forEach((v, i) => {
        if (!kept.has(i)) ops.push({ op: 'add', path: `${path}/${i}`, value: v });
      });
      return;
    }
  } else if (after.length < before.length) {
    const kept = subsequence(after, before);
    if (kept) {
      // Removed from the highest index down, so earlier indexes stay valid.
      for (let i = before.length - 1; i >= 0; i--) if (!kept.has(i)) ops.push({ op: 'remove', path: `${path}/${i}` });
      return;
    }
  }
  const common = Math.min(before.length, after.length);
  for (let i = 0; i < common; i++) diffInto(before[i], after[i], `${path}/${i}`, ops);
  for (let i = common; i < after.length; i++) ops.push({ op: 'add', path: `${path}/${i}`, value: after[i] });
  for (let i = before.length - 1; i >= common; i--) ops.push({ op: 'remove', path: `${path}/${i}` });
}

/** Indexes of `long` that `short` matches in order (greedy), or undefined when `short` is not a subsequence of it. */
function subsequence(short: Json[], long: Json[]): Set<number> | undefined {
  const kept = new Set<number>();
  let j = 0;
  for (let i = 0; i < long.length && j < short.length; i++) if (deepEqual(long[i], short[j])) (kept.add(i), j++);
  return j === short.length ? kept : undefined;
}
