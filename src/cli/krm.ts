/**
 * KRM function mode: a `ResourceList` on stdin (kpt fn eval --exec, kpt fn render, kustomize
 * build --enable-exec) is answered with a ResourceList on stdout: items hardened in place,
 * `results` appended. A fatal error still answers with a ResourceList carrying one error
 * result (what kpt shows), plus the message on stderr and exit 2, as the specification asks.
 */
import * as path from 'node:path';
import { stringify } from 'yaml';
import { InputError, InputErrors, TransformError, UsageError } from '../lib/errors.js';
import { hardenFiles } from '../core/engine.js';
import type { RunResult } from '../core/engine.js';
import { isPlainObject } from '../lib/json.js';
import type { JsonObject } from '../lib/json.js';
import type { ExcludeRule } from '../core/exemptions.js';
import { execTransform } from '../exec/transform.js';
import { readResourceList } from '../krm/resource-list.js';
import type { ResourceList } from '../krm/resource-list.js';
import { profileFromFunctionConfig } from '../krm/function-config.js';
import { fatalResult, krmResults } from '../krm/results.js';
import type { KrmResult } from '../krm/results.js';
import { spliceResourceList } from '../krm/write.js';
import { hardenOptionsOf, messagesOf, resolveProfile } from '../profiles/resolve.js';
import type { ResolvedProfile } from '../profiles/resolve.js';
import { loadProfileFile } from '../io/profiles.js';
import { buildReport } from '../report/build.js';
import { chainInfo, reportsNeedDiffs, writeReports } from './reports.js';
import type { PlannedReport } from './reports.js';
import { summarizePss } from '../report/pss-summary.js';

export const STDIN_NAME = 'ResourceList on stdin';

export interface KrmOptions {
  /** The profile when the functionConfig names none. */
  profile: string;
  reports?: PlannedReport[];
  version: string;
  /** Exclusion rules given on the command line. */
  exclude?: ExcludeRule[];
}

export async function runKrm(text: string, opts: KrmOptions): Promise<number> {
  let list: ResourceList;
  try {
    list = readResourceList(text, STDIN_NAME);
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    // Nothing readable to echo back: an empty list that carries the error (the exit code stops the pipeline).
    return fail(`apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\n`, e.message);
  }
  let profile: ResolvedProfile;
  let run: RunResult;
  try {
    profile = await profileOf(list, opts.profile);
    run = await hardenFiles([{ file: STDIN_NAME, text }], hardenOptionsOf(profile, opts.exclude));
  } catch (e) {
    if (e instanceof InputErrors) return fail(text, e.errors.map((x) => x.message).join('; '));
    if (e instanceof InputError || e instanceof UsageError) return fail(text, e.message);
    if (e instanceof TransformError) return fail(text, `internal error: ${e.message}`, 3);
    throw e;
  }
  const result = run.files[0];
  const results = krmResults(result, list.items, { profile: profile.name }, run);
  const output = spliceResourceList(result.output, STDIN_NAME, { results, newItems: run.generated.map((g) => g.value) });
  if (opts.reports?.length) {
    const diff = reportsNeedDiffs(opts.reports) ? (await import('../report/diff.js')).unifiedDiff : undefined;
    const report = buildReport(run, { version: opts.version, profile: profile.name, pss: summarizePss, messages: messagesOf(profile), generatedFiles: run.generated.map(() => 'kharden-generated.yaml'), transforms: chainInfo(profile.chain), diff });
    await writeReports(opts.reports, report, {});
  }
  process.stdout.write(output);
  return 0;
}

/** Resolves the profile the functionConfig selects; relative profile paths are relative to the config's own file when kpt says where it is. */
export async function profileOf(
  list: Pick<ResourceList, 'functionConfig' | 'functionConfigText'>,
  fallback: string,
  baseDir = baseDirOf(list.functionConfig),
  what?: string,
): Promise<ResolvedProfile> {
  const choice = profileFromFunctionConfig(list.functionConfig, { fallback, load: loadProfileFile, baseDir, text: list.functionConfigText, what });
  try {
    return await resolveProfile(choice.ref, choice.load, { execTransform });
  } catch (e) {
    // A ConfigMap's generated profile has no lines worth naming: say which config it was instead.
    const generated = `profile ${choice.sourceName}:`;
    if (e instanceof UsageError && choice.sourceName?.endsWith(' data') && e.message.startsWith(generated)) {
      throw new UsageError(choice.sourceName + e.message.slice(generated.length).replace(/^\d+(:\d+)?:/, ':'));
    }
    throw e;
  }
}

function baseDirOf(config: JsonObject | undefined): string {
  const ann = isPlainObject(config?.metadata) && isPlainObject(config!.metadata.annotations) ? config!.metadata.annotations : {};
  const pkg = ann['internal.config.kubernetes.io/package-path'];
  const file = ann['internal.config.kubernetes.io/path'] ?? ann['config.kubernetes.io/path'];
  if (typeof pkg === 'string' && path.isAbsolute(pkg)) return typeof file === 'string' ? path.join(pkg, path.dirname(file)) : pkg;
  return process.cwd();
}

function fail(listText: string, message: string, code = 2): number {
  process.stderr.write(`kharden: error: ${message}\n`);
  let out: string;
  try {
    out = spliceResourceList(listText, STDIN_NAME, { results: [fatalResult(message)] });
  } catch {
    out = stringify({ apiVersion: 'config.kubernetes.io/v1', kind: 'ResourceList', items: [], results: [fatalResult(message)] as KrmResult[] });
  }
  process.stdout.write(out);
  return code;
}
