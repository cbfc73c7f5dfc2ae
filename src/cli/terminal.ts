/**
 * What kharden may draw on stderr: a progress bar and colours only for a person at a terminal,
 * never in a log file, a pipe or CI, so captured output stays plain text.
 */
import type { Severity } from '../core/types.js';

type Env = Record<string, string | undefined>;

/** CI systems set CI (GitHub Actions, GitLab, CircleCI, Travis, Buildkite…); `CI=false` and `CI=0` mean "not CI". */
export function inCi(env: Env): boolean {
  const v = env.CI;
  return v !== undefined && v !== '' && v !== 'false' && v !== '0';
}

/** The bar: a terminal, not CI, not --quiet or --no-progress. */
export function progressAllowed(stream: { isTTY?: boolean }, env: Env, opts: { quiet?: boolean; progress?: boolean }): boolean {
  return !!stream.isTTY && !inCi(env) && !opts.quiet && opts.progress !== false;
}

/** Colours: a terminal, no --no-color, and NO_COLOR unset or empty (https://no-color.org). */
export function colorAllowed(stream: { isTTY?: boolean }, env: Env, opts: { color?: boolean }): boolean {
  return !!stream.isTTY && opts.color !== false && !env.NO_COLOR;
}

const SGR: Record<Severity, string> = { error: '\u001b[1;31m', warning: '\u001b[33m', info: '\u001b[36m' };
const RESET = '\u001b[0m';

/** A severity word (or any text) in the severity's colour, or as it is when colours are off. */
export function paint(on: boolean, severity: Severity, text: string): string {
  return on ? `${SGR[severity]}${text}${RESET}` : text;
}
