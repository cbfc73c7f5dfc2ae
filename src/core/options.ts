/**
 * Transform options are declared beside the transform as a schema (ESLint's `meta.schema`) and
 * checked once, when the profile is read: a wrong value is a profile error naming the file and
 * line, never a failure inside `run`. Each spec carries its default, so the defaults a transform
 * runs with and the ones `kharden explain` prints are the same data.
 */
import type { Json } from '../lib/json.js';
import { describeType, isPlainObject } from '../lib/json.js';

/** A value that does not fit the schema; `path` is the option's path (`keep/1`). */
export class OptionError extends Error {
  constructor(
    readonly path: string,
    readonly detail: string,
  ) {
    super(`${path.replace(/\//g, '.')}: ${detail}`);
  }
}

export interface OptionSpec<T> {
  /** For `kharden explain`: the type in words (`integer 1-2147483647`, `list of capability names`). */
  type: string;
  description: string;
  default: T;
  /** The value as the transform will see it; throws OptionError. */
  check(value: unknown, path: string): T;
}

export type OptionsSchema<O> = { [K in keyof O]: OptionSpec<O[K]> };

const fail = (path: string, msg: string): never => {
  throw new OptionError(path, msg);
};

export function integer(o: { default: number; min?: number; max?: number; description: string }): OptionSpec<number> {
  const range = o.min !== undefined && o.max !== undefined ? ` ${o.min}-${o.max}` : o.min !== undefined ? ` >= ${o.min}` : '';
  return {
    type: `integer${range}`,
    description: o.description,
    default: o.default,
    check(v, path) {
      if (typeof v !== 'number' || !Number.isInteger(v)) return fail(path, `must be an integer, found ${describeType(v)}`);
      if ((o.min !== undefined && v < o.min) || (o.max !== undefined && v > o.max)) return fail(path, `must be an integer${range}, found ${v}`);
      return v;
    },
  };
}

export function boolean(o: { default: boolean; description: string }): OptionSpec<boolean> {
  return {
    type: 'true or false',
    description: o.description,
    default: o.default,
    check: (v, path) => (typeof v === 'boolean' ? v : fail(path, `must be true or false, found ${describeType(v)}`)),
  };
}

/** A string, optionally one of a fixed set or matching a test (which returns an error message or undefined). */
export function string<T extends string = string>(o: {
  default: T;
  description: string;
  oneOf?: readonly T[];
  type?: string;
  test?: (v: string) => string | undefined;
}): OptionSpec<T> {
  return {
    type: o.type ?? (o.oneOf ? `one of ${o.oneOf.join(', ')}` : 'string'),
    description: o.description,
    default: o.default,
    check(v, path) {
      if (typeof v !== 'string') return fail(path, `must be a string, found ${describeType(v)}`);
      if (o.oneOf && !o.oneOf.includes(v as T)) return fail(path, `must be one of ${o.oneOf.join(', ')}, found ${JSON.stringify(v)}`);
      const problem = o.test?.(v);
      if (problem) return fail(path, problem);
      return v as T;
    },
  };
}

export function nullable<T>(spec: OptionSpec<T>, o: { default: T | null; description?: string }): OptionSpec<T | null> {
  return {
    type: `${spec.type}, or null`,
    description: o.description ?? spec.description,
    default: o.default,
    check: (v, path) => (v === null ? null : spec.check(v, path)),
  };
}

export function list<T>(item: OptionSpec<T>, o: { default: T[]; description: string; type?: string }): OptionSpec<T[]> {
  return {
    type: o.type ?? `list of ${item.type}`,
    description: o.description,
    default: o.default,
    check(v, path) {
      if (!Array.isArray(v)) return fail(path, `must be a list, found ${describeType(v)}`);
      return v.map((x, i) => item.check(x, `${path}/${i}`));
    },
  };
}

/** A map from string keys to values of one spec (`labels: {team: web}`). */
export function record<T>(item: OptionSpec<T>, o: { default: Record<string, T>; description: string; type?: string }): OptionSpec<Record<string, T>> {
  return {
    type: o.type ?? `map of ${item.type}`,
    description: o.description,
    default: o.default,
    check(v, path) {
      if (!isPlainObject(v)) return fail(path, `must be a map, found ${describeType(v)}`);
      const out: Record<string, T> = {};
      for (const [k, x] of Object.entries(v)) out[k] = item.check(x, `${path}/${k}`);
      return out;
    },
  };
}

/** The defaults of a schema, as the transform receives them when the profile sets nothing. */
export function defaultsOf<O>(schema: OptionsSchema<O>): O {
  const out = {} as O;
  for (const k of Object.keys(schema) as (keyof O)[]) out[k] = structuredClone(schema[k].default) as O[keyof O];
  return out;
}

/**
 * The options a transform runs with: the given keys checked against the schema, over the defaults.
 * Unknown keys and wrong values throw OptionError with the option's path.
 */
export function checkOptions<O>(schema: OptionsSchema<O>, given: Record<string, unknown> | undefined): O {
  const out = defaultsOf(schema);
  for (const [k, v] of Object.entries(given ?? {})) {
    if (!Object.prototype.hasOwnProperty.call(schema, k)) {
      const known = Object.keys(schema);
      fail(k, `unknown option "${k}" (${known.length ? `known: ${known.join(', ')}` : 'this transform has no options'})`);
    }
    out[k as keyof O] = schema[k as keyof O].check(v as Json, k);
  }
  return out;
}
