import { isAlias, isPair, isScalar, YAMLMap, YAMLSeq } from 'yaml';

/** What plainValueOf returns when a node needs the library's own toJS (see there). */
export const NOT_PLAIN: unique symbol = Symbol('notPlain');

class NotPlain extends Error {}

/**
 * The JavaScript value of a composed node, for the common case of plain maps, sequences and
 * scalars: several times cheaper than the library's toJS, which threads anchors and a context
 * through every node. Anything the fast walk does not model exactly — aliases, merge keys,
 * collection keys, YAML 1.1 sets/omaps/pairs, binary scalars, `__proto__`, and two keys that read
 * as the same property (the caller reports duplicates in full) — gives NOT_PLAIN, and the caller
 * falls back to toJS.
 */
export function plainValueOf(node: unknown): unknown {
  try {
    return convert(node);
  } catch (e) {
    if (e instanceof NotPlain) return NOT_PLAIN;
    throw e;
  }
}

const notPlain = new NotPlain();

function convert(node: unknown): unknown {
  if (node === null || node === undefined) return null;
  if (isScalar(node)) {
    const v = node.value;
    if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
    throw notPlain;
  }
  const ctor = (node as object).constructor;
  if (ctor === YAMLMap) {
    const out: Record<string, unknown> = {};
    for (const pair of (node as YAMLMap).items) {
      const key = pair.key;
      let name: string;
      if (key === null || key === undefined) name = '';
      else if (isScalar(key)) {
        const k = key.value;
        if (k === null) name = '';
        else if (typeof k === 'string' || typeof k === 'number' || typeof k === 'boolean') name = String(k);
        else throw notPlain;
      } else throw notPlain;
      if (name === '__proto__' || Object.prototype.hasOwnProperty.call(out, name)) throw notPlain;
      out[name] = convert(pair.value);
    }
    return out;
  }
  if (ctor === YAMLSeq) {
    const items = (node as YAMLSeq).items;
    const out = new Array(items.length);
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      if (isPair(item) || isAlias(item)) throw notPlain;
      out[i] = convert(item);
    }
    return out;
  }
  throw notPlain;
}
