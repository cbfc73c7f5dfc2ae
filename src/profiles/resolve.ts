/**
 * Profiles are data: which transforms run, in what order, with which options, plus extra pod
 * template locations, exclusion rules and the node-agent policy. `extends` composes them (the
 * base first; an entry with the same id overrides options in place; `enabled: false` removes
 * it; exclusion rules add up). Options are checked here, once, against each transform's schema,
 * so a wrong value is an error naming the profile file and line. Pure: files come through `load`.
 */
import { Document, LineCounter, parseDocument, isMap, isScalar, isSeq } from 'yaml';
import type { Node, YAMLMap } from 'yaml';
import { UsageError } from '../lib/errors.js';
import { isPlainObject } from '../lib/json.js';
import { BUILTIN_TRANSFORMS, loadTransform } from '../../transforms/index.js';
import { annotationKeys } from '../../transforms/data/annotations.js';
import type { ChainLink, HardenOptions } from '../core/engine.js';
import { BUILTIN_POD_TEMPLATE_LOCATIONS } from '../core/resources.js';
import type { PodTemplateLocation } from '../core/resources.js';
import type { ExcludeRule } from '../core/exemptions.js';
import { checkOptions, OptionError } from '../core/options.js';
import { parseExcludeMap, unknownIds } from './exclude.js';
import { isExecEntry, parseExecEntry } from './exec-entry.js';
import type { ExecSpec } from './exec-entry.js';
import type { MessageSpec, Transform } from '../core/types.js';
import { ENGINE_MESSAGES } from '../core/engine.js';

export interface ProfileEntry {
  id: string;
  enabled?: boolean;
  options?: Record<string, unknown>;
}

export interface ProfileSource {
  /** Path or `builtin:<name>`, used in error messages. */
  name: string;
  text: string;
}

export type NodeAgentPolicy = 'keep' | 'harden';

export interface ResolvedProfile {
  name: string;
  chain: ChainLink[];
  podTemplateLocations: PodTemplateLocation[];
  exclude: ExcludeRule[];
  nodeAgents: NodeAgentPolicy;
}

/** Loads a profile by built-in name or path; `from` is the profile that references it. */
export type ProfileLoader = (ref: string, from?: string) => ProfileSource;

// `metadata` lets a profile be a KRM object too (a kpt functionConfig, a kustomize plugin config).
const TOP_KEYS = new Set(['apiVersion', 'kind', 'metadata', 'name', 'description', 'extends', 'podTemplateLocations', 'transforms', 'exclude', 'nodeAgents']);

interface RawEntry {
  entry: ProfileEntry;
  line: number;
  /** Lines of the option keys, for errors found when the options are checked. */
  optionLines: Map<string, number>;
  /** An external transform (`- exec: {command, …}`), run with the KRM function protocol. */
  exec?: ExecSpec;
}

/**
 * Turns an exec entry into a stream transform. Running a program is I/O, so the caller (the CLI)
 * gives this; without it a profile that names one is refused rather than run without it.
 */
export type ExecTransformFactory = (spec: ExecSpec) => Transform;

interface RawProfile {
  name: string;
  extends?: string;
  entries: RawEntry[];
  locations: PodTemplateLocation[];
  exclude: { rule: ExcludeRule; line: number }[];
  nodeAgents?: NodeAgentPolicy;
}

function lineOf(lc: LineCounter, node: Node | null | undefined): number {
  return node?.range ? lc.linePos(node.range[0]).line : 0;
}

function fail(src: ProfileSource, lc: LineCounter, node: Node | null | undefined, msg: string): never {
  const pos = node?.range ? lc.linePos(node.range[0]) : undefined;
  throw new UsageError(`profile ${src.name}${pos ? `:${pos.line}:${pos.col}` : ''}: ${msg}`);
}

/** Reads one profile file (its own keys only; `extends` is followed by resolveProfile). */
export function parseProfile(src: ProfileSource): RawProfile {
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
  const entries: RawEntry[] = [];
  if (transformsNode !== undefined) {
    if (!isSeq(transformsNode)) fail(src, lc, transformsNode, '`transforms` must be a list');
    transformsNode.items.forEach((itemNode, i) => {
      const item = (v.transforms as unknown[])[i];
      if (!isPlainObject(item)) fail(src, lc, itemNode as Node, 'each transform entry is a map with `id` (or `exec`)');
      if (isExecEntry(item)) {
        const line = lineOf(lc, itemNode as Node);
        const { spec, enabled } = parseExecEntry(item, src.name, `profile ${src.name}:${line}`);
        entries.push({ entry: { id: spec.id, enabled }, line, optionLines: new Map(), exec: spec });
        return;
      }
      for (const k of Object.keys(item)) if (!['id', 'enabled', 'options'].includes(k)) fail(src, lc, itemNode as Node, `unknown key "${k}" in transform entry (id, enabled, options)`);
      if (typeof item.id !== 'string') fail(src, lc, itemNode as Node, 'transform entry needs a string `id`');
      if (item.enabled !== undefined && typeof item.enabled !== 'boolean') fail(src, lc, itemNode as Node, '`enabled` must be true or false');
      if (item.options !== undefined && item.options !== null && !isPlainObject(item.options)) fail(src, lc, itemNode as Node, '`options` must be a map');
      const optionLines = new Map<string, number>();
      const optionsNode = isMap(itemNode) ? (itemNode.get('options', true) as Node | undefined) : undefined;
      if (isMap(optionsNode)) for (const p of (optionsNode as YAMLMap).items) if (isScalar(p.key)) optionLines.set(String(p.key.value), lineOf(lc, p.key as Node));
      entries.push({ entry: { id: item.id, enabled: item.enabled as boolean | undefined, options: (item.options ?? undefined) as Record<string, unknown> | undefined }, line: lineOf(lc, itemNode as Node), optionLines });
    });
  }
  const locations: PodTemplateLocation[] = [];
  if (v.podTemplateLocations !== undefined) {
    const node = root.get('podTemplateLocations', true) as Node;
    if (!Array.isArray(v.podTemplateLocations)) fail(src, lc, node, '`podTemplateLocations` must be a list');
    v.podTemplateLocations.forEach((loc, i) => {
      const at = isSeq(node) ? (node.items[i] as Node) : node;
      if (!isPlainObject(loc) || typeof loc.apiVersion !== 'string' || !Array.isArray(loc.kinds) || typeof loc.path !== 'string' || !(loc.path === '' || loc.path.startsWith('/')))
        fail(src, lc, at, 'each podTemplateLocations entry needs apiVersion (string), kinds (list) and path (JSON Pointer)');
      for (const k of Object.keys(loc)) if (!['apiVersion', 'kinds', 'path', 'podSecurityContext'].includes(k)) fail(src, lc, at, `unknown key "${k}" in a podTemplateLocations entry (apiVersion, kinds, path, podSecurityContext)`);
      if (loc.podSecurityContext !== undefined && loc.podSecurityContext !== 'allowed' && loc.podSecurityContext !== 'forbidden')
        fail(src, lc, at, '`podSecurityContext` must be allowed or forbidden (forbidden: the controller rejects pod-level security fields, so only container-level ones are written)');
      locations.push({ apiVersion: loc.apiVersion, kinds: loc.kinds.map(String), path: loc.path, ...(loc.podSecurityContext === 'forbidden' ? { podSecurityContext: 'forbidden' as const } : {}) });
    });
  }
  const exclude: RawProfile['exclude'] = [];
  if (v.exclude !== undefined && v.exclude !== null) {
    const node = root.get('exclude', true) as Node;
    if (!Array.isArray(v.exclude)) fail(src, lc, node, '`exclude` must be a list of rules');
    v.exclude.forEach((raw, i) => {
      const at = isSeq(node) ? (node.items[i] as Node) : node;
      const line = lineOf(lc, at);
      try {
        exclude.push({ rule: parseExcludeMap(raw, `profile ${src.name}:${line}`), line });
      } catch (e) {
        fail(src, lc, at, `exclude: ${(e as Error).message}`);
      }
    });
  }
  if (v.nodeAgents !== undefined && v.nodeAgents !== 'keep' && v.nodeAgents !== 'harden') fail(src, lc, root.get('nodeAgents', true) as Node, '`nodeAgents` must be keep (node agents keep the privileges they need; the default) or harden');
  if (v.extends !== undefined && typeof v.extends !== 'string') fail(src, lc, root.get('extends', true) as Node, '`extends` must be a profile name or path');
  const metaName = isPlainObject(v.metadata) && typeof v.metadata.name === 'string' ? v.metadata.name : undefined;
  return {
    name: typeof v.name === 'string' ? v.name : metaName ?? src.name,
    extends: v.extends as string | undefined,
    entries,
    locations,
    exclude,
    ...(v.nodeAgents !== undefined ? { nodeAgents: v.nodeAgents as NodeAgentPolicy } : {}),
  };
}

/** Resolves a profile (and what it extends) into an ordered chain with checked options. */
export async function resolveProfile(ref: string, load: ProfileLoader, opts: { execTransform?: ExecTransformFactory } = {}): Promise<ResolvedProfile> {
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
  const merged: { entry: ProfileEntry; src: ProfileSource; line: number; optionLines: Map<string, number>; exec?: ExecSpec }[] = [];
  const locations: PodTemplateLocation[] = [...BUILTIN_POD_TEMPLATE_LOCATIONS];
  const exclude: { rule: ExcludeRule; src: ProfileSource; line: number }[] = [];
  let nodeAgents: NodeAgentPolicy = 'keep';
  for (const { src, raw } of layers) {
    locations.push(...raw.locations);
    exclude.push(...raw.exclude.map((e) => ({ ...e, src })));
    if (raw.nodeAgents) nodeAgents = raw.nodeAgents;
    for (const { entry, line, optionLines, exec } of raw.entries) {
      const at = merged.findIndex((m) => m.entry.id === entry.id);
      if (exec) {
        // An exec entry with the same id replaces the base's in place.
        if (at >= 0) merged[at] = { entry, src, line, optionLines, exec };
        else merged.push({ entry, src, line, optionLines, exec });
        continue;
      }
      if (at >= 0) {
        const prev = merged[at];
        const lines = new Map(prev.optionLines);
        for (const [k, l] of optionLines) lines.set(k, l);
        merged[at] = { entry: { id: entry.id, enabled: entry.enabled ?? prev.entry.enabled, options: { ...(prev.entry.options ?? {}), ...(entry.options ?? {}) } }, src, line, optionLines: lines };
      } else merged.push({ entry, src, line, optionLines });
    }
  }
  const chain: ChainLink[] = [];
  for (const { entry, src, line, optionLines, exec } of merged) {
    if (entry.enabled === false) continue;
    if (exec) {
      if (!opts.execTransform) throw new UsageError(`${exec.source}: exec transform ${exec.id}: external programs run only from the kharden command line (this profile was loaded where running programs is not allowed)`);
      chain.push({ id: exec.id, transform: opts.execTransform(exec), options: {} });
      continue;
    }
    const transform = await loadTransform(entry.id);
    if (!transform) throw new UsageError(`profile ${src.name}:${line}: unknown transform "${entry.id}" (built-in: ${Object.keys(BUILTIN_TRANSFORMS).join(', ')})`);
    let options: unknown;
    try {
      options = checkOptions(transform.options, entry.options);
    } catch (e) {
      if (!(e instanceof OptionError)) throw e;
      const key = e.path.split('/')[0];
      throw new UsageError(`profile ${src.name}:${optionLines.get(key) ?? line}: ${entry.id}: option ${e.message}`);
    }
    chain.push({ id: entry.id, transform, options });
  }
  const known = new Set([...Object.keys(BUILTIN_TRANSFORMS), ...chain.map((l) => l.id)]);
  for (const { rule, src, line } of exclude) {
    const bad = unknownIds(rule, known);
    if (bad.length) throw new UsageError(`profile ${src.name}:${line}: exclude: unknown transform ${bad.map((b) => JSON.stringify(b)).join(', ')} (see kharden list)`);
  }
  return { name: layers[layers.length - 1].raw.name, chain, podTemplateLocations: locations, exclude: exclude.map((e) => e.rule), nodeAgents };
}

/** What the engine needs from a resolved profile (plus rules given on the command line). */
export function hardenOptionsOf(profile: ResolvedProfile, extraExclude: readonly ExcludeRule[] = []): HardenOptions {
  return {
    chain: profile.chain,
    podTemplateLocations: profile.podTemplateLocations,
    exclude: [...profile.exclude, ...extraExclude],
    nodeAgents: profile.nodeAgents,
    knownAnnotations: annotationKeys(),
    knownTransformIds: Object.keys(BUILTIN_TRANSFORMS),
  };
}

/** Every finding code the run may report, with its declaration: the engine's and the chain's. */
export function messagesOf(profile: ResolvedProfile): Record<string, MessageSpec> {
  const out: Record<string, MessageSpec> = { ...ENGINE_MESSAGES };
  for (const link of profile.chain) Object.assign(out, link.transform.messages);
  return out;
}

/** The resolved profile as YAML (`kharden --print-profile`): every option with its value, defaults included. */
export function renderResolvedProfile(profile: ResolvedProfile): string {
  const custom = profile.podTemplateLocations.slice(BUILTIN_POD_TEMPLATE_LOCATIONS.length);
  const doc = {
    apiVersion: 'kharden.dev/v1alpha1',
    kind: 'Profile',
    name: profile.name,
    nodeAgents: profile.nodeAgents,
    ...(custom.length ? { podTemplateLocations: custom } : {}),
    ...(profile.exclude.length ? { exclude: profile.exclude.map(({ source: _source, ...r }) => r) } : {}),
    transforms: profile.chain.map((l) => {
      const options = l.options as Record<string, unknown>;
      return Object.keys(options ?? {}).length ? { id: l.id, options } : { id: l.id };
    }),
  };
  const out = new Document(doc);
  // Each rule says where it was declared, as a comment: the printed profile reads back as a profile.
  const rules = out.get('exclude', true);
  if (isSeq(rules)) rules.items.forEach((item, i) => ((item as { commentBefore?: string }).commentBefore = ` from ${profile.exclude[i].source}`));
  return out.toString({ lineWidth: 0 });
}
