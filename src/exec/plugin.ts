/**
 * Runs an external transform with the KRM function protocol: a ResourceList (config.kubernetes.io/v1)
 * on its stdin, a ResourceList expected on its stdout, within a timeout. Its changes are derived by
 * comparing each resource before and after (JSON Patch), its `results` are passed on. A plugin
 * that exits non-zero, times out, prints something that is not a ResourceList, or drops a resource
 * stops the run (an ExecPluginError: the CLI exits 2 and writes nothing).
 */
import * as path from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { UsageError } from '../lib/errors.js';
import { isPlainObject } from '../lib/json.js';
import { cloneJson } from '../lib/json.js';
import { diffJson } from '../core/json-diff.js';
import type { JsonPatchOp } from '../core/json-diff.js';
import type { JsonObject, Severity } from '../core/types.js';
import type { ExecSpec } from '../profiles/exec-entry.js';
import type { KrmResult } from '../krm/results.js';

/**
 * Set on every item sent, read back to match items, removed from what the plugin returns. Under
 * the prefix the KRM Functions Specification reserves for the orchestrator, which functions keep.
 */
export const ITEM_ANNOTATION = 'internal.config.kubernetes.io/kharden-item';

export class ExecPluginError extends UsageError {
  constructor(
    readonly spec: Pick<ExecSpec, 'id' | 'command' | 'source'>,
    readonly detail: string,
  ) {
    super(`exec plugin ${spec.id} (${spec.source}): ${detail}; nothing was written`);
  }
}
export class ExecExitError extends ExecPluginError {}
export class ExecTimeoutError extends ExecPluginError {}
export class ExecOutputError extends ExecPluginError {}
export class ExecDroppedResourceError extends ExecPluginError {}

export interface ExecChange {
  /** Index of the resource in the items given, or undefined for a resource the plugin added. */
  inputIndex?: number;
  /** The operations that turn the resource given into the one returned ([] when unchanged). */
  patch: JsonPatchOp[];
}

export interface ExecOutcome {
  /** The resources returned, in the plugin's order, without kharden's item annotation. */
  items: JsonObject[];
  /** One per returned item, same order. */
  changes: ExecChange[];
  results: KrmResult[];
}

const SEVERITIES: readonly Severity[] = ['error', 'warning', 'info'];

export async function runExecPlugin(spec: ExecSpec, items: readonly JsonObject[], functionConfig: JsonObject | undefined = spec.functionConfig): Promise<ExecOutcome> {
  const sent = items.map((item, i) => tagged(item, i));
  const input = stringify({ apiVersion: 'config.kubernetes.io/v1', kind: 'ResourceList', items: sent, ...(functionConfig ? { functionConfig } : {}) }, { version: '1.1', lineWidth: 0 });
  const command = spec.command.includes('/') && !path.isAbsolute(spec.command) ? path.resolve(spec.baseDir || '.', spec.command) : spec.command;
  // Loaded here, not at start-up: most runs have no exec plugin, and execa is a large module graph.
  const { execa } = await import('execa');
  const run = await execa(command, spec.args, {
    input,
    env: spec.env,
    timeout: spec.timeoutSeconds * 1000,
    forceKillAfterDelay: 2000,
    reject: false,
    stripFinalNewline: false,
    maxBuffer: 256 * 1024 * 1024,
  });
  if (run.timedOut) throw new ExecTimeoutError(spec, `did not finish within ${spec.timeoutSeconds}s (exec.timeoutSeconds) and was stopped`);
  if (run.failed && run.exitCode === undefined) {
    const why = (run as { code?: string }).code === 'ENOENT' ? `cannot run ${command}: no such program` : (run.shortMessage ?? run.message ?? 'could not be started');
    throw new ExecExitError(spec, why);
  }
  if (run.exitCode !== 0) {
    const results = tryResults(String(run.stdout ?? ''));
    const said = [tail(String(run.stderr ?? '')), ...results.filter((r) => r.severity === 'error').map((r) => r.message)].filter(Boolean).join('; ');
    throw new ExecExitError(spec, `exited with code ${run.exitCode}${run.signal ? ` (${run.signal})` : ''}${said ? `: ${said}` : ''}`);
  }
  const out = readOutput(spec, String(run.stdout ?? ''));
  return matchItems(spec, items, out.items, out.results);
}

function tagged(item: JsonObject, i: number): JsonObject {
  const copy = cloneJson(item);
  const meta = (isPlainObject(copy.metadata) ? copy.metadata : (copy.metadata = {})) as JsonObject;
  const ann = (isPlainObject(meta.annotations) ? meta.annotations : (meta.annotations = {})) as JsonObject;
  ann[ITEM_ANNOTATION] = String(i);
  return copy;
}

/**
 * Removes kharden's item annotation from a returned item, and the empty maps that only held it
 * (when the item it answers had no annotations, or no metadata, to begin with).
 */
function untagged(item: JsonObject, original: JsonObject | undefined): { item: JsonObject; index?: string } {
  const copy = cloneJson(item);
  const meta = isPlainObject(copy.metadata) ? copy.metadata : undefined;
  const ann = meta && isPlainObject(meta.annotations) ? meta.annotations : undefined;
  const index = ann?.[ITEM_ANNOTATION];
  if (ann) delete ann[ITEM_ANNOTATION];
  if (original) {
    const originalMeta = isPlainObject(original.metadata) ? original.metadata : undefined;
    if (ann && Object.keys(ann).length === 0 && originalMeta?.annotations === undefined) delete meta!.annotations;
    if (meta && Object.keys(meta).length === 0 && original.metadata === undefined) delete copy.metadata;
  }
  return { item: copy, index: typeof index === 'string' ? index : undefined };
}

function readOutput(spec: ExecSpec, stdout: string): { items: JsonObject[]; results: KrmResult[] } {
  const bad = (why: string) => new ExecOutputError(spec, `printed ${why}, not a ResourceList${stdout.trim() ? ` (stdout began: ${JSON.stringify(stdout.trim().slice(0, 120))})` : ''}`);
  const docs = parseAllDocuments(stdout, { version: '1.1', uniqueKeys: true });
  const list = Array.isArray(docs) ? docs.filter((d) => d.contents !== null) : [];
  if (list.length === 0) throw bad('nothing');
  if (list.length > 1) throw bad(`${list.length} YAML documents`);
  if (list[0].errors.length) throw bad(`invalid YAML (${list[0].errors[0].message.split('\n')[0]})`);
  const v = list[0].toJS({ maxAliasCount: 100 }) as unknown;
  if (!isPlainObject(v) || v.kind !== 'ResourceList' || typeof v.apiVersion !== 'string' || !v.apiVersion.startsWith('config.kubernetes.io/')) throw bad('a document that');
  const items = v.items ?? [];
  if (!Array.isArray(items)) throw bad('a ResourceList whose items is not a list, so');
  items.forEach((item, i) => {
    if (!isPlainObject(item) || typeof item.apiVersion !== 'string' || typeof item.kind !== 'string') throw new ExecOutputError(spec, `returned items[${i}], which is not a Kubernetes object (apiVersion, kind)`);
  });
  return { items: items as JsonObject[], results: checkResults(spec, v.results) };
}

function checkResults(spec: ExecSpec, raw: unknown): KrmResult[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw new ExecOutputError(spec, 'returned `results` that is not a list');
  return raw.map((r, i) => {
    if (!isPlainObject(r) || typeof r.message !== 'string') throw new ExecOutputError(spec, `returned results[${i}] without a message`);
    // The specification's default severity is error.
    const severity = (r.severity ?? 'error') as Severity;
    if (!SEVERITIES.includes(severity)) throw new ExecOutputError(spec, `returned results[${i}] with severity ${JSON.stringify(r.severity)} (error, warning, info)`);
    return { ...(r as unknown as KrmResult), severity, tags: { ...(isPlainObject(r.tags) ? (r.tags as Record<string, string>) : {}), plugin: spec.id } };
  });
}

function tryResults(stdout: string): KrmResult[] {
  try {
    const v = parseAllDocuments(stdout)[0]?.toJS() as { results?: unknown } | undefined;
    return Array.isArray(v?.results) ? (v!.results as KrmResult[]).filter((r) => r && typeof r.message === 'string') : [];
  } catch {
    return [];
  }
}

function tail(s: string): string {
  const lines = s.trim().split('\n').filter(Boolean);
  return lines.slice(-5).join(' / ');
}

const identity = (o: JsonObject) => {
  const meta = isPlainObject(o.metadata) ? o.metadata : {};
  const group = String(o.apiVersion).includes('/') ? String(o.apiVersion).split('/')[0] : '';
  return `${group}|${o.kind}|${meta.namespace ?? ''}|${meta.name ?? ''}`;
};

/** Pairs what came back with what was sent: by kharden's item annotation, else by group, kind, namespace and name. */
function matchItems(spec: ExecSpec, sent: readonly JsonObject[], returned: JsonObject[], results: KrmResult[]): ExecOutcome {
  const claimed = new Map<number, number>();
  const byIdentity = new Map<string, number[]>();
  sent.forEach((item, i) => byIdentity.set(identity(item), [...(byIdentity.get(identity(item)) ?? []), i]));
  const items: JsonObject[] = [];
  const changes: ExecChange[] = [];
  returned.forEach((raw, j) => {
    const tag = untagged(raw, undefined).index;
    let index = tag !== undefined && /^\d+$/.test(tag) && Number(tag) < sent.length ? Number(tag) : undefined;
    if (index === undefined) index = byIdentity.get(identity(untagged(raw, undefined).item))?.find((i) => !claimed.has(i));
    if (index !== undefined && claimed.has(index)) {
      throw new ExecOutputError(spec, `returned resource ${describe(sent[index])} twice (items[${claimed.get(index)}] and items[${j}])`);
    }
    const original = index === undefined ? undefined : sent[index];
    const { item } = untagged(raw, original);
    if (index !== undefined) claimed.set(index, j);
    items.push(item);
    changes.push({ inputIndex: index, patch: original ? diffJson(original, item) : [] });
  });
  const dropped = sent.map((_, i) => i).filter((i) => !claimed.has(i));
  if (dropped.length) {
    throw new ExecDroppedResourceError(spec, `dropped ${dropped.length} resource(s) it was given: ${dropped.slice(0, 5).map((i) => describe(sent[i])).join(', ')}${dropped.length > 5 ? ', …' : ''} (a plugin in a kharden profile may change and add resources, not remove them)`);
  }
  return { items, changes, results };
}

function describe(o: JsonObject): string {
  const meta = isPlainObject(o.metadata) ? o.metadata : {};
  return `${o.kind} ${meta.namespace ? `${meta.namespace}/` : ''}${meta.name ?? '(unnamed)'}`;
}
