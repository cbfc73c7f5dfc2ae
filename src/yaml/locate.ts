import { isAlias, isMap, isScalar, isSeq } from 'yaml';
import type { Document, Node } from 'yaml';
import { parsePointer } from '../lib/pointer.js';

/** Source offset of the node at `pointer` (or of its nearest existing ancestor). */
export function offsetOf(doc: Document, pointer: string): number {
  let node = doc.contents as Node | null;
  let best = node?.range?.[0] ?? 0;
  for (const seg of parsePointer(pointer)) {
    if (isAlias(node)) node = node.resolve(doc) as Node | null;
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === seg);
      if (!pair) break;
      best = (pair.key as Node).range?.[0] ?? best;
      node = pair.value as Node | null;
      if (node?.range && node.range[0] !== node.range[1]) best = node.range[0];
    } else if (isSeq(node)) {
      const item = node.items[Number(seg)] as Node | null | undefined;
      if (!item) break;
      node = item;
      if (node.range) best = node.range[0];
    } else break;
  }
  return best;
}

/**
 * Source offset of the line a person looks for when a report names `pointer`: the KEY of the
 * deepest existing map entry on the path (`securityContext:`, not the first line of its block
 * value), or the start of a list item; for a path that does not exist yet (an add), its nearest
 * existing ancestor. Reports, SARIF and the PR comment point here; errors about a value's type use
 * {@link offsetOf}, which points at the value itself.
 */
export function keyOffsetOf(doc: Document, pointer: string): number {
  let node = doc.contents as Node | null;
  let best = node?.range?.[0] ?? 0;
  for (const seg of parsePointer(pointer)) {
    if (isAlias(node)) node = node.resolve(doc) as Node | null;
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === seg);
      if (!pair) break;
      best = (pair.key as Node).range?.[0] ?? best;
      node = pair.value as Node | null;
    } else if (isSeq(node)) {
      const item = node.items[Number(seg)] as Node | null | undefined;
      if (!item) break;
      node = item;
      if (node.range) best = node.range[0];
    } else break;
  }
  return best;
}
