/**
 * What a KRM function invocation's `functionConfig` (or a kustomize plugin's config file) says
 * about the profile. Two forms:
 *
 * - `apiVersion: kharden.dev/v1alpha1, kind: Profile`: a profile, exactly as in a profile file
 *   (`extends`, `transforms`, `podTemplateLocations`), with `metadata` like any KRM object.
 * - `apiVersion: v1, kind: ConfigMap` (what `kpt fn eval -- key=value` builds): `data.profile`
 *   (a built-in name or a profile file), `data.disable` (transform ids, comma-separated) and
 *   `data["options.<transform-id>"]` (that transform's options, as a YAML map).
 *
 * Pure: profiles are loaded through the loader it is given, and resolved by resolveProfile.
 */
import { parse } from 'yaml';
import { UsageError } from '../lib/errors.js';
import { isPlainObject } from '../lib/json.js';
import type { JsonObject } from '../core/types.js';
import type { ProfileLoader } from '../profiles/resolve.js';
import { BUILTIN_TRANSFORMS } from '../../transforms/index.js';

export const PROFILE_API_VERSION = 'kharden.dev/v1alpha1';
export const CONFIGMAP_KEYS = ['profile', 'disable', 'options.<transform-id>'] as const;

export interface ProfileChoice {
  /** What to give resolveProfile. */
  ref: string;
  load: ProfileLoader;
  /** The name the config goes by in resolveProfile's errors, when it is not a file of its own. */
  sourceName?: string;
}

/**
 * @param fallback the profile when the config names none (the command line's --profile)
 * @param baseDir where relative profile paths in the config are resolved (no trailing slash)
 * @param text the config's own text (for line numbers in errors); re-printed when absent
 */
export function profileFromFunctionConfig(
  config: JsonObject | undefined,
  opts: { fallback: string; load: ProfileLoader; baseDir: string; text?: string; what?: string },
): ProfileChoice {
  if (config === undefined) return { ref: opts.fallback, load: opts.load };
  const meta = isPlainObject(config.metadata) ? config.metadata : {};
  const name = typeof meta.name === 'string' ? meta.name : undefined;
  const what = opts.what ?? `functionConfig ${String(config.kind)}${name ? `/${name}` : ''}`;
  // A relative path in the config is relative to baseDir: the loader resolves it against the directory of `from`.
  const inBase = `${opts.baseDir}/${what.replace(/[/\\]/g, '_')}`;
  if (config.kind === 'Profile' && config.apiVersion === PROFILE_API_VERSION) {
    const text = opts.text ?? JSON.stringify(config, null, 2);
    const load: ProfileLoader = (ref, from) => (ref === inBase && from === undefined ? { name: what, text } : opts.load(ref, from === what ? inBase : from));
    return { ref: inBase, load, sourceName: what };
  }
  if (config.kind === 'ConfigMap' && config.apiVersion === 'v1') return fromConfigMap(config, what, inBase, opts);
  throw new UsageError(
    `${what}: kharden takes a functionConfig of apiVersion ${PROFILE_API_VERSION} kind Profile, or apiVersion v1 kind ConfigMap; found apiVersion ${JSON.stringify(config.apiVersion)} kind ${JSON.stringify(config.kind)}`,
  );
}

function fromConfigMap(config: JsonObject, what: string, inBase: string, opts: { fallback: string; load: ProfileLoader }): ProfileChoice {
  const data = config.data ?? {};
  if (!isPlainObject(data)) throw new UsageError(`${what}: data must be a map of strings`);
  const transforms: { id: string; enabled?: false; options?: JsonObject }[] = [];
  let base = opts.fallback;
  for (const [key, value] of Object.entries(data)) {
    if (typeof value !== 'string') throw new UsageError(`${what}: data.${key} must be a string, found ${JSON.stringify(value)}`);
    if (key === 'profile') {
      if (value.trim() === '') throw new UsageError(`${what}: data.profile is empty (give a built-in name or a profile file)`);
      base = value.trim();
    } else if (key === 'disable') {
      for (const id of value.split(/[\s,]+/).filter(Boolean)) transforms.push({ id: knownId(id, what, 'data.disable'), enabled: false });
    } else if (key.startsWith('options.')) {
      const id = knownId(key.slice('options.'.length), what, `data.${key}`);
      let options: unknown;
      try {
        options = parse(value, { version: '1.1' });
      } catch (e) {
        throw new UsageError(`${what}: data.${key} is not valid YAML: ${(e as Error).message.split('\n')[0]}`);
      }
      if (!isPlainObject(options)) throw new UsageError(`${what}: data.${key} must be a YAML map of options, e.g. "{key: value}"`);
      transforms.push({ id, options: options as JsonObject });
    } else {
      throw new UsageError(`${what}: unknown data key "${key}" (known: ${CONFIGMAP_KEYS.join(', ')})`);
    }
  }
  if (transforms.length === 0) return { ref: base, load: opts.load };
  // The ConfigMap becomes a profile that extends the chosen one, resolved and checked like any other.
  // One line of JSON: its line numbers mean nothing to the user, so the CLI drops them (see sourceName).
  const text = JSON.stringify({ apiVersion: PROFILE_API_VERSION, kind: 'Profile', name: `${base} (${what})`, extends: base, transforms });
  const sourceName = `${what} data`;
  const load: ProfileLoader = (ref, from) => {
    if (ref === inBase && from === undefined) return { name: sourceName, text };
    return opts.load(ref, from === sourceName ? inBase : from);
  };
  return { ref: inBase, load, sourceName };
}

function knownId(id: string, what: string, where: string): string {
  if (!Object.prototype.hasOwnProperty.call(BUILTIN_TRANSFORMS, id)) {
    throw new UsageError(`${what}: ${where}: unknown transform "${id}" (built-in: ${Object.keys(BUILTIN_TRANSFORMS).join(', ')})`);
  }
  return id;
}
