/**
 * Profiles are data: which transforms run, in what order, with which options, plus extra pod
 * template locations. `extends` composes them (the base first; an entry with the same id
 * overrides options in place; `enabled: false` removes it). Pure: files come through `load`.
 */
import { LineCounter, parseDocument, isMap, isScalar, isSeq } from 'yaml';
import type { Node } from 'yaml';
import { UsageError } from '../core/errors.js';
import { BUILTIN_TRANSFORMS, loadTransform } from '../../transforms/index.js';
import type { ChainLink } from '../core/engine.js';
import { BUILTIN_POD_TEMPLATE_LOCATIONS } from '../core/resources.js';
import type { PodTemplateLocation } from '../core/resources.js';
import { isPlainObject } from '../core/ensure.js';
import { isExecEntry, parseExecEntry, refuseUnwiredExec } from './exec-entry.js';
import type { ExecSpec } from './exec-entry.js';

export interface ProfileEntry {
  id: string;
  enabled?: boolean;
  options?: Record<string, unknown>;
  /** An external transform (`- exec: …`), see exec-entry.ts. */
  exec?: ExecSpec;
}

export interface ProfileSource {
  /** Path or `builtin:<name>`, used in error messages. */
  name: string;
  text: string;
}

export interface ResolvedProfile {
  name: string;
  chain: ChainLink[];
  podTemplateLocations: PodTemplateLocation[];
  /** Exec transforms, each to run before chain[position] (after the whole chain when position = chain.length). */
  exec: { position: number; spec: ExecSpec }[];
}

/** Loads a profile by built-in name or path; `from` is the profile that references it. */
export type ProfileLoader = (ref: string, from?: string) => ProfileSource;

// `metadata` lets a profile be a KRM object too (a kpt functionConfig, a kustomize plugin config).
const TOP_KEYS = new Set(['apiVersion', 'kind', 'metadata', 'name', 'description', 'extends', 'podTemplateLocations', 'transforms']);

interface RawProfile {
  name: string;
  extends?: string;
  entries: { entry: ProfileEntry; line: number }[];
  locations: PodTemplateLocation[];
}

function fail(src: ProfileSource, lc: LineCounter, node: Node | null | undefined, msg: string): never {
  const pos = node?.range ? lc.linePos(node.range[0]) : undefined;
  throw new UsageError(`profile ${src.name}${pos ? `:${pos.line}:${pos.col}` : ''}: ${msg}`);
}

function parseProfile(src: ProfileSource): RawProfile {
  const lc = new LineCounter();
  const doc = parseDocument(src.text, { lineCounter: lc, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length) {
    const e = doc.errors[0];
    const pos = lc.linePos(e.pos[0]);
    throw new UsageError(`profile ${src.name}:${pos.line}:${pos.col}: ${e.message.split('\n')[0]}`);
  }
  const root = doc.contents;
  if (!isMap(root)) fail(src, lc, root, 'a profile is a map with `transforms:`');
  const v = doc.toJS() as Record<string, unknown>;
  for (const pair of root.items) {
    const k = isScalar(pair.key) ? String(pair.key.value) : '';
    if (!TOP_KEYS.has(k)) fail(src, lc, pair.key as Node, `unknown key "${k}" (expected one of ${[...TOP_KEYS].join(', ')})`);
  }
  if (v.kind !== undefined && v.kind !== 'Profile') fail(src, lc, root, `kind must be Profile, found ${String(v.kind)}`);
  const transformsNode = root.get('transforms', true) as Node | undefined;
  const entries: RawProfile['entries'] = [];
  if (transformsNode !== undefined) {
    if (!isSeq(transformsNode)) fail(src, lc, transformsNode, '`transforms` must be a list');
    transformsNode.items.forEach((itemNode, i) => {
      const item = (v.transforms as unknown[])[i];
      if (!isPlainObject(item)) fail(src, lc, itemNode as Node, 'each transform entry is a map with `id`');
      if (isExecEntry(item)) {
        const at = (itemNode as Node).range ? lc.linePos((itemNode as Node).range![0]).line : 0;
        const { spec, enabled } = parseExecEntry(item, src.name, `profile ${src.name}:${at}`);
        entries.push({ entry: { id: spec.id, enabled, exec: spec }, line: at });
        return;
      }
      for (const k of Object.keys(item)) if (!['id', 'enabled', 'options'].includes(k)) fail(src, lc, itemNode as Node, `unknown key "${k}" in transform entry (id, enabled, options)`);
      if (typeof item.id !== 'string') fail(src, lc, itemNode as Node, 'transform entry needs a string `id`');
      if (item.enabled !== undefined && typeof item.enabled !== 'boolean') fail(src, lc, itemNode as Node, '`enabled` must be true or false');
      if (item.options !== undefined && item.options !== null && !isPlainObject(item.options)) fail(src, lc, itemNode as Node, '`options` must be a map');
      const line = (itemNode as Node).range ? lc.linePos((itemNode as Node).range![0]).line : 0;
      entries.push({ entry: { id: item.id, enabled: item.enabled as boolean | undefined, options: (item.options ?? undefined) as Record<string, unknown> | undefined }, line });
    });
  }
  const locations: PodTemplateLocation[] = [];
  if (v.podTemplateLocations !== undefined) {
    const node = root.get('podTemplateLocations', true) as Node;
    if (!Array.isArray(v.podTemplateLocations)) fail(src, lc, node, '`podTemplateLocations` must be a list');
    for (const loc of v.podTemplateLocations) {
      if (!isPlainObject(loc) || typeof loc.apiVersion !== 'string' || !Array.isArray(loc.kinds) || typeof loc.path !== 'string' || !(loc.path === '' || loc.path.startsWith('/')))
        fail(src, lc, node, 'each podTemplateLocations entry needs apiVersion (string), kinds (list) and path (JSON Pointer)');
      locations.push({ apiVersion: loc.apiVersion, kinds: loc.kinds.map(String), path: loc.path });
    }
  }
  if (v.extends !== undefined && typeof v.extends !== 'string') fail(src, lc, root.get('extends', true) as Node, '`extends` must be a profile name or path');
  const metaName = isPlainObject(v.metadata) && typeof v.metadata.name === 'string' ? v.metadata.name : undefined;
  return { name: typeof v.name === 'string' ? v.name : metaName ?? src.name, extends: v.extends as string | undefined, entries, locations };
}

/** Resolves a profile (and what it extends) into an ordered chain with merged options. */
export async function resolveProfile(ref: string, load: ProfileLoader, opts: { allowExec?: boolean } = {}): Promise<ResolvedProfile> {
  const seen: string[] = [];
  const layers: { src: ProfileSource; raw: RawProfile }[] = [];
  let current: string | undefined = ref;
  let from: string | undefined;
  while (current !== undefined) {
    const src = load(current, from);
    if (seen.includes(src.name)) throw new UsageError(`profile ${src.name}: extends cycle (${[...seen, src.name].join(' → ')})`);
    seen.push(src.name);
    const raw = parseProfile(src);
    layers.unshift({ src, raw });
    from = src.name;
    current = raw.extends;
  }
  const merged: { entry: ProfileEntry; src: ProfileSource; line: number }[] = [];
  const locations: PodTemplateLocation[] = [...BUILTIN_POD_TEMPLATE_LOCATIONS];
  for (const { src, raw } of layers) {
    locations.push(...raw.locations);
    for (const { entry, line } of raw.entries) {
      const at = merged.findIndex((m) => m.entry.id === entry.id);
      if (at >= 0) {
        const prev = merged[at].entry;
        merged[at] = { entry: { id: entry.id, enabled: entry.enabled ?? prev.enabled, options: { ...(prev.options ?? {}), ...(entry.options ?? {}) }, exec: entry.exec ?? prev.exec }, src, line };
      } else merged.push({ entry, src, line });
    }
  }
  const chain: ChainLink[] = [];
  const exec: ResolvedProfile['exec'] = [];
  for (const { entry, src, line } of merged) {
    if (entry.enabled === false) continue;
    if (entry.exec) {
      exec.push({ position: chain.length, spec: entry.exec });
      continue;
    }
    const transform = await loadTransform(entry.id);
    if (!transform) throw new UsageError(`profile ${src.name}:${line}: unknown transform "${entry.id}" (built-in: ${Object.keys(BUILTIN_TRANSFORMS).join(', ')})`);
    const options = mergeOptions(transform.defaults as Record<string, unknown>, entry.options ?? {}, `profile ${src.name}:${line}: ${entry.id}`);
    chain.push({ id: entry.id, transform, options });
  }
  const resolved = { name: layers[layers.length - 1].raw.name, chain, podTemplateLocations: locations, exec };
  if (!opts.allowExec) refuseUnwiredExec(resolved);
  return resolved;
}

/** Deep-merges options over defaults, refusing unknown keys and values of another type. */
export function mergeOptions(defaults: Record<string, unknown>, given: Record<string, unknown>, where: string): Record<string, unknown> {
  const out: Record<string, unknown> = structuredClone(defaults);
  for (const [k, v] of Object.entries(given)) {
    if (!(k in defaults)) throw new UsageError(`${where}: unknown option "${k}" (known: ${Object.keys(defaults).join(', ') || 'none'})`);
    const d = defaults[k];
    const kind = (x: unknown) => (Array.isArray(x) ? 'list' : x === null ? 'null' : typeof x);
    if (d !== null && d !== undefined && kind(d) !== kind(v)) throw new UsageError(`${where}: option "${k}" must be a ${kind(d)}, found ${kind(v)}`);
    out[k] = isPlainObject(d) && isPlainObject(v) ? mergeOptions(d as Record<string, unknown>, v as Record<string, unknown>, `${where}.${k}`) : v;
  }
  return out;
}
