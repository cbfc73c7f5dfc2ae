/**
 * The KRM function wire format: a `ResourceList` (config.kubernetes.io/v1, also v1beta1 and
 * v1alpha1) with `items`, an optional `functionConfig` and, on the way out, `results`.
 * Pure: text in, values and source positions out.
 */
import { isMap, isScalar } from 'yaml';
import type { Node, YAMLMap } from 'yaml';
import { InputError } from '../lib/errors.js';
import { isPlainObject } from '../lib/json.js';
import type { JsonObject } from '../core/types.js';
import { parseStream } from '../yaml/stream.js';
import type { ParsedStream, SourceDocument } from '../yaml/stream.js';

export const RESOURCE_LIST_API_VERSIONS = ['config.kubernetes.io/v1', 'config.kubernetes.io/v1beta1', 'config.kubernetes.io/v1alpha1'] as const;

/** The orchestrators' bookkeeping annotations: kept as they are on every item. */
export const PATH_ANNOTATIONS = ['internal.config.kubernetes.io/path', 'config.kubernetes.io/path'] as const;
export const INDEX_ANNOTATIONS = ['internal.config.kubernetes.io/index', 'config.kubernetes.io/index'] as const;

/**
 * Whether a stream is a ResourceList, judged cheaply from its text (a top-level `kind:
 * ResourceList` line or JSON key) before anything is parsed; readResourceList then checks it.
 */
export function looksLikeResourceList(text: string): boolean {
  const yamlStyle = /^kind:[ \t]*["']?ResourceList["']?[ \t]*(#.*)?\r?$/m.test(text) && /^apiVersion:[ \t]*["']?config\.kubernetes\.io\/v1/m.test(text);
  return yamlStyle || (/"kind"\s*:\s*"ResourceList"/.test(text) && /"apiVersion"\s*:\s*"config\.kubernetes\.io\/v1/.test(text));
}

export interface ResourceList {
  stream: ParsedStream;
  document: SourceDocument;
  apiVersion: string;
  items: JsonObject[];
  functionConfig?: JsonObject;
  /**
   * The functionConfig's own text, dedented, preceded by as many empty lines as it starts down in
   * the ResourceList, so that a profile error's line number is the line in the ResourceList.
   */
  functionConfigText?: string;
}

/** Reads and checks a ResourceList; any problem is an InputError naming where it is. */
export function readResourceList(text: string, file: string): ResourceList {
  const stream = parseStream(text, file);
  const docs = stream.documents.filter((d) => d.value !== null && d.value !== undefined);
  if (docs.length !== 1) throw new InputError({ file, document: docs[1]?.index }, `a ResourceList must be the only document on stdin, found ${docs.length} documents`);
  const document = docs[0];
  const value = document.value;
  const at = (node: Node | null | undefined) => ({ file, document: document.index, ...stream.lineCol(node?.range?.[0] ?? document.doc.range[0]) });
  const root = document.doc.contents as Node | null;
  if (!isPlainObject(value) || !isMap(root)) throw new InputError(at(root), 'a ResourceList is a map with apiVersion, kind and items');
  if (value.kind !== 'ResourceList') throw new InputError(at(pairValue(root, 'kind')), `kind must be ResourceList, found ${JSON.stringify(value.kind)}`);
  if (typeof value.apiVersion !== 'string' || !(RESOURCE_LIST_API_VERSIONS as readonly string[]).includes(value.apiVersion)) {
    throw new InputError(at(pairValue(root, 'apiVersion')), `ResourceList apiVersion must be one of ${RESOURCE_LIST_API_VERSIONS.join(', ')}, found ${JSON.stringify(value.apiVersion)}`);
  }
  const rawItems = value.items ?? [];
  if (!Array.isArray(rawItems)) throw new InputError(at(pairValue(root, 'items')), '`items` must be a list of Kubernetes objects');
  rawItems.forEach((item, i) => {
    if (!isPlainObject(item) || typeof item.apiVersion !== 'string' || typeof item.kind !== 'string' || !item.apiVersion || !item.kind) {
      const itemsNode = pairValue(root, 'items') as { items?: Node[] } | undefined;
      throw new InputError(at(itemsNode?.items?.[i]), `items[${i}] is not a Kubernetes object (it needs apiVersion and kind)`);
    }
  });
  const list: ResourceList = { stream, document, apiVersion: value.apiVersion, items: rawItems as JsonObject[] };
  const fc = value.functionConfig;
  if (fc !== undefined && fc !== null) {
    const node = pairValue(root, 'functionConfig');
    if (!isPlainObject(fc)) throw new InputError(at(node), '`functionConfig` must be a Kubernetes object (a map)');
    list.functionConfig = fc as JsonObject;
    list.functionConfigText = sourceOf(text, node!, stream.lineCol(node!.range![0]).line);
  }
  return list;
}

function pairValue(map: YAMLMap, key: string): Node | undefined {
  const pair = map.items.find((p) => isScalar(p.key) && p.key.value === key);
  return (pair?.value ?? undefined) as Node | undefined;
}

/** A node's source text, dedented to column 0, placed on the line it starts on. */
function sourceOf(text: string, node: Node, line: number): string {
  const [start, end] = node.range!;
  const lineStart = text.lastIndexOf('\n', start - 1) + 1;
  const indent = start - lineStart;
  const flowOnItsLine = text.slice(lineStart, start).trim() !== '';
  const body = flowOnItsLine ? text.slice(start, end) : text.slice(lineStart, end);
  const lines = body.split('\n').map((l) => (flowOnItsLine ? l : l.slice(Math.min(indent, l.length - l.trimStart().length))));
  return '\n'.repeat(line - 1) + lines.join('\n');
}

/** Where an item came from, by its orchestrator annotations (path and index in that file). */
export function itemOrigin(item: JsonObject): { path?: string; index?: number } {
  const meta = isPlainObject(item.metadata) ? item.metadata : {};
  const ann = isPlainObject(meta.annotations) ? meta.annotations : {};
  const first = (keys: readonly string[]) => keys.map((k) => ann[k]).find((v) => typeof v === 'string' || typeof v === 'number');
  const path = first(PATH_ANNOTATIONS);
  const index = first(INDEX_ANNOTATIONS);
  const n = index === undefined ? undefined : Number(index);
  return { path: path === undefined ? undefined : String(path), index: n !== undefined && Number.isInteger(n) && n >= 0 ? n : undefined };
}
