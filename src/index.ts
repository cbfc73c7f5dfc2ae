/**
 * The library: `import { harden } from 'kharden'`. A thin layer over the engine, for people who
 * embed kharden (a build tool, an operator, a test); the command line is built on the same parts.
 */
import { stringify } from 'yaml';
import { hardenText } from './core/engine.js';
import type { FileResult, HardenOptions } from './core/engine.js';
import { resolveProfile } from './profiles/resolve.js';
import type { ProfileLoader, ResolvedProfile } from './profiles/resolve.js';
import { loadProfileFile, packageRoot } from './io/profiles.js';
import { buildReport } from './report/build.js';
import type { Report } from './report/build.js';
import { summarizePss } from './report/pss-summary.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface HardenInput {
  /** A YAML (or JSON) stream, several documents separated by `---`. */
  text?: string;
  /** Parsed documents (plain objects), instead of `text`; they are written as a YAML stream first. */
  documents?: unknown[];
}

export interface HardenLibraryOptions {
  /** A built-in profile name (`restricted`, `baseline`), a profile file path, or a profile already resolved with `loadProfile`. Default `restricted`. */
  profile?: string | ResolvedProfile;
  /** The name the input goes by in the report and in error messages. Default `<input>`. */
  file?: string;
}

export interface HardenOutput {
  /** The hardened stream: only the edited lines differ from the input text. */
  output: string;
  /** The hardened documents, parsed (only when the input was given as `documents`). */
  documents?: unknown[];
  changed: boolean;
  /** The change report, as `kharden --report report.json` writes it. */
  report: Report;
  /** The engine's own record (edits with line numbers, findings, workloads before and after). */
  result: FileResult;
}

/**
 * Hardens a YAML stream (a string) or a list of parsed documents.
 * Throws `InputError` for input that is not Kubernetes YAML, `UsageError` for a bad profile, and
 * `TransformError` for a bug in a transform; nothing is half-done.
 *
 * ```ts
 * import { harden } from 'kharden';
 * const { output, report } = await harden(fs.readFileSync('deploy.yaml', 'utf8'));
 * ```
 */
export async function harden(input: string | unknown[] | HardenInput, options: HardenLibraryOptions = {}): Promise<HardenOutput> {
  const given: HardenInput = typeof input === 'string' ? { text: input } : Array.isArray(input) ? { documents: input } : input;
  if (given.text === undefined && given.documents === undefined) throw new TypeError('harden: give a string, an array of documents, or {text} / {documents}');
  const profile = typeof options.profile === 'object' ? options.profile : await loadProfile(options.profile ?? 'restricted');
  const file = options.file ?? '<input>';
  const text = given.text ?? given.documents!.map((d) => stringify(d, { version: '1.1' })).join('---\n');
  const hardenOptions: HardenOptions = { chain: profile.chain, podTemplateLocations: profile.podTemplateLocations };
  const result = hardenText(file, text, hardenOptions);
  const report = buildReport([result], { version: version(), profile: profile.name, pss: summarizePss });
  const out: HardenOutput = { output: result.output, changed: result.changed, report, result };
  if (given.documents !== undefined) {
    const { parseAllDocuments } = await import('yaml');
    out.documents = parseAllDocuments(result.output, { version: '1.1' }).map((d) => d.toJS());
  }
  return out;
}

/** Resolves a profile once (built-in name or file path), to harden many inputs with it. */
export function loadProfile(ref: string, load: ProfileLoader = loadProfileFile): Promise<ResolvedProfile> {
  return resolveProfile(ref, load);
}

function version(): string {
  try {
    return JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')).version;
  } catch {
    return '0.0.0';
  }
}

export { hardenText } from './core/engine.js';
export type { FileResult, AppliedEdit, ReportedFinding, HardenOptions, ChainLink, ResourceInfo, WorkloadRecord } from './core/engine.js';
export { resolveProfile } from './profiles/resolve.js';
export type { ResolvedProfile, ProfileLoader, ProfileSource } from './profiles/resolve.js';
export { buildReport, renderJson, renderText } from './report/build.js';
export type { Report, ReportResource, PssSummary } from './report/build.js';
export { InputError, UsageError, TransformError } from './core/errors.js';
export type { Transform, Edit, Finding, Target, Json, JsonObject, Severity } from './core/types.js';
