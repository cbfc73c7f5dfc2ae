/**
 * A profile's external transforms: `transforms: - exec: {command, args, env, timeoutSeconds,
 * functionConfig}`, run with the KRM function protocol (src/exec/plugin.ts). They come only from
 * the profile the user passes (or the command line), never from the manifests being processed.
 * Pure: parses and checks the entry; running it is src/exec's job.
 */
import { UsageError } from '../lib/errors.js';
import { isPlainObject } from '../lib/json.js';
import type { JsonObject } from '../lib/json.js';

export const DEFAULT_EXEC_TIMEOUT_SECONDS = 30;
const ENTRY_KEYS = ['exec', 'id', 'enabled'];
const EXEC_KEYS = ['command', 'args', 'env', 'timeoutSeconds', 'functionConfig'];

export interface ExecSpec {
  /** The name edits and findings are attributed to: the entry's `id`, else `exec:<command>`. */
  id: string;
  /** A program on the PATH, or a path (relative paths are relative to `baseDir`). */
  command: string;
  args: string[];
  env: Record<string, string>;
  timeoutSeconds: number;
  /** Given to the plugin as the ResourceList's functionConfig. */
  functionConfig?: JsonObject;
  /** Directory of the profile that names the plugin ('' for the working directory). */
  baseDir: string;
  /** `profile <name>:<line>`, for messages. */
  source: string;
}

export function isExecEntry(item: unknown): boolean {
  return isPlainObject(item) && 'exec' in item;
}

/**
 * Reads one `- exec: …` transform entry. `profileName` is the profile's path (or builtin:name);
 * `where` is how errors name the entry (`profile my.yaml:12`).
 */
export function parseExecEntry(item: Record<string, unknown>, profileName: string, where: string): { spec: ExecSpec; enabled?: boolean } {
  for (const k of Object.keys(item)) if (!ENTRY_KEYS.includes(k)) throw new UsageError(`${where}: unknown key "${k}" in an exec transform entry (${ENTRY_KEYS.join(', ')})`);
  const exec = item.exec;
  if (!isPlainObject(exec)) throw new UsageError(`${where}: \`exec\` must be a map with \`command\` (and args, env, timeoutSeconds, functionConfig)`);
  for (const k of Object.keys(exec)) if (!EXEC_KEYS.includes(k)) throw new UsageError(`${where}: unknown key "${k}" in exec (${EXEC_KEYS.join(', ')})`);
  const { command, args = [], env = {}, timeoutSeconds = DEFAULT_EXEC_TIMEOUT_SECONDS, functionConfig } = exec as Record<string, unknown>;
  if (typeof command !== 'string' || command.trim() === '') throw new UsageError(`${where}: exec.command must be a program name or path`);
  if (!Array.isArray(args) || !args.every((a) => typeof a === 'string' || typeof a === 'number' || typeof a === 'boolean')) throw new UsageError(`${where}: exec.args must be a list of strings`);
  if (!isPlainObject(env) || !Object.values(env).every((v) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')) throw new UsageError(`${where}: exec.env must be a map of strings`);
  if (typeof timeoutSeconds !== 'number' || !Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0 || timeoutSeconds > 3600) throw new UsageError(`${where}: exec.timeoutSeconds must be a number of seconds between 0 and 3600`);
  if (functionConfig !== undefined && (!isPlainObject(functionConfig) || typeof functionConfig.kind !== 'string' || typeof functionConfig.apiVersion !== 'string')) {
    throw new UsageError(`${where}: exec.functionConfig must be a Kubernetes object (apiVersion, kind, …)`);
  }
  if (item.id !== undefined && (typeof item.id !== 'string' || item.id === '')) throw new UsageError(`${where}: \`id\` must be a string`);
  if (item.enabled !== undefined && typeof item.enabled !== 'boolean') throw new UsageError(`${where}: \`enabled\` must be true or false`);
  const spec: ExecSpec = {
    id: (item.id as string | undefined) ?? `exec:${command}`,
    command,
    args: args.map(String),
    env: Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v)])),
    timeoutSeconds,
    functionConfig: functionConfig as JsonObject | undefined,
    baseDir: profileName.startsWith('builtin:') ? '' : dirnameOf(profileName),
    source: where,
  };
  return { spec, enabled: item.enabled as boolean | undefined };
}

function dirnameOf(p: string): string {
  const i = Math.max(p.lastIndexOf('/'), p.lastIndexOf('\\'));
  return i < 0 ? '' : i === 0 ? '/' : p.slice(0, i);
}
