/**
 * Adds `results` and new items to a ResourceList's text by splicing (src/yaml/write.ts), so the
 * items kharden hardened, their comments and every orchestrator annotation keep their bytes.
 */
import { parseAllDocuments } from 'yaml';
import { cloneJson, deepEqual } from '../lib/json.js';
import { isPlainObject } from '../lib/json.js';
import type { Json, JsonObject } from '../core/types.js';
import { documentValue, parseStream, PARSE_OPTIONS } from '../yaml/stream.js';
import { applySplices, detectStyle, diffToSplices } from '../yaml/write.js';
import type { KrmResult } from './results.js';
import { INDEX_ANNOTATIONS, itemOrigin, PATH_ANNOTATIONS } from './resource-list.js';

/** The file new resources are given (kpt writes them there; kustomize ignores it). */
export const GENERATED_FILE = 'kharden-generated.yaml';

/**
 * New items get a path annotation (GENERATED_FILE unless they carry one) and the next free index
 * in that file, under both the current (internal.) and the legacy key, as kpt reads either.
 */
export function annotateNewItems(existing: readonly JsonObject[], added: readonly JsonObject[]): JsonObject[] {
  const next = new Map<string, number>();
  for (const item of existing) {
    const o = itemOrigin(item);
    if (o.path !== undefined) next.set(o.path, Math.max(next.get(o.path) ?? 0, (o.index ?? 0) + 1));
  }
  return added.map((item) => {
    const copy = cloneJson(item);
    const meta = (isPlainObject(copy.metadata) ? copy.metadata : (copy.metadata = {})) as JsonObject;
    const ann = (isPlainObject(meta.annotations) ? meta.annotations : (meta.annotations = {})) as JsonObject;
    const origin = itemOrigin(copy);
    const file = origin.path ?? GENERATED_FILE;
    const index = origin.index ?? next.get(file) ?? 0;
    next.set(file, Math.max(next.get(file) ?? 0, index + 1));
    for (const k of PATH_ANNOTATIONS) if (ann[k] === undefined) ann[k] = file;
    for (const k of INDEX_ANNOTATIONS) if (ann[k] === undefined) ann[k] = String(index);
    return copy;
  });
}

/**
 * The ResourceList text with `results` appended (after any the input carried) and `newItems`
 * appended to `items`. Throws if the written text would not read back as that value.
 */
export function spliceResourceList(text: string, file: string, add: { results?: readonly KrmResult[]; newItems?: readonly JsonObject[] }): string {
  const stream = parseStream(text, file);
  const sd = stream.documents.find((d) => isPlainObject(d.value));
  if (!sd) throw new Error(`${file}: no ResourceList to write results into`);
  const before = sd.value as JsonObject;
  const after = cloneJson(before);
  if (add.newItems?.length) {
    const items = Array.isArray(before.items) ? (before.items as JsonObject[]) : [];
    after.items = [...items, ...annotateNewItems(items, add.newItems)];
  }
  if (add.results?.length) {
    const prior = Array.isArray(before.results) ? before.results : [];
    after.results = [...prior, ...(add.results as unknown as Json[])];
  }
  if (deepEqual(before, after)) return text;
  const style = detectStyle(text, sd.doc, stream.eol);
  const { splices } = diffToSplices(text, sd.doc, before, after, style);
  const slice = text.slice(sd.start, sd.end);
  const written = text.slice(0, sd.start) + applySplices(slice, splices, sd.start) + text.slice(sd.end);
  // The same safety net as the engine's: what is written must read back as the value meant. When
  // the only change is a new top-level key (results on a ResourceList that had none: the usual
  // case), reading back that key's text alone is the same check, without re-reading every item.
  const single = splices.length === 1 && splices[0].start === splices[0].end ? splices[0] : undefined;
  const added = Object.keys(after).filter((k) => !(k in before));
  const fragmentOnly = single && added.length === 1 && Object.keys(before).every((k) => deepEqual(before[k], after[k])) && /^(\r?\n)?[A-Za-z_][A-Za-z0-9_.-]*:(\s|$)/.test(single.text);
  const [checkText, expected] = fragmentOnly ? [single.text, { [added[0]]: after[added[0]] }] : [written, after];
  const docs = parseAllDocuments(checkText, PARSE_OPTIONS);
  const back = Array.isArray(docs) ? docs.filter((d) => d.contents !== null) : [];
  const read = back.length === 1 && back[0].errors.length === 0 ? documentValue(back[0]) : undefined;
  if (!read || !('value' in read) || !deepEqual(read.value, expected)) {
    throw new Error(`internal error: the ResourceList written for ${file} does not read back as the value meant; nothing was written (please report this with the input)`);
  }
  return written;
}
