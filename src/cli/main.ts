/**
 * The command line: the only place that maps errors to exit codes.
 *   0 success · 1 --check found changes (or a --fail-on condition held) · 2 bad input or usage · 3 internal error (a bug)
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { InputError, InputErrors, TransformError, UsageError } from '../lib/errors.js';
import { hardenFiles, isHelmReleaseName } from '../core/engine.js';
import type { FileResult, HardenOptions, RunInput, RunResult } from '../core/engine.js';
import { decodeInput } from '../yaml/stream.js';
import { printDocuments } from '../yaml/print.js';
import { joinStream } from '../yaml/join.js';
export { joinStream };
import { hardenOptionsOf, messagesOf, renderResolvedProfile, resolveProfile } from '../profiles/resolve.js';
import { execTransform } from '../exec/transform.js';
import { EXCLUDE_SYNTAX, parseExcludeString } from '../profiles/exclude.js';
import type { ExcludeRule } from '../core/exemptions.js';
import { builtinProfiles, loadProfileFile, packageRoot } from '../io/profiles.js';
import { BUILTIN_TRANSFORMS, loadTransform } from '../../transforms/index.js';
import { renderExplain, renderList } from './explain.js';
import type { TransformExample } from './explain.js';
import { collectInputs, isInside, readInput, readStdin, writeAllOrNothing } from '../io/files.js';
import type { InputFile, PlannedWrite } from '../io/files.js';
import { buildReport } from '../report/build.js';
import type { PssEvaluator, Report } from '../report/build.js';
import { chainInfo, planReports, reportsNeedDiffs, writeReports } from './reports.js';
import { colorAllowed, paint, progressAllowed } from './terminal.js';
import { renderSummary } from './summary.js';
import { looksLikeResourceList } from '../krm/resource-list.js';
import { runKrm } from './krm.js';

export const EXIT = { ok: 0, changes: 1, bad: 2, internal: 3 } as const;

/** Where generated resources (NetworkPolicies, ServiceAccounts…) are written with -o and --in-place. */
export const GENERATED_FILE = 'kharden-generated.yaml';

interface CliOptions {
  profile: string;
  output?: string;
  inPlace?: boolean;
  check?: boolean;
  diff?: boolean;
  report?: string[];
  reportFormat?: string;
  sarifEdits?: boolean;
  quiet?: boolean;
  progress?: boolean;
  color?: boolean;
  exclude?: string[];
  failOn?: string;
  printProfile?: boolean;
  release?: string;
}

const FAIL_ON = ['changes', 'error', 'warning', 'info', 'baseline', 'restricted'] as const;
type FailOn = (typeof FAIL_ON)[number];

function version(): string {
  try {
    return JSON.parse(fs.readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')).version;
  } catch {
    return '0.0.0';
  }
}

/** Subcommands, dispatched on the first word (a path named `list` is given as `./list`). */
const SUBCOMMANDS: Record<string, (args: string[]) => Promise<number>> = {
  list: listCommand,
  explain: explainCommand,
};

export async function main(argv: string[]): Promise<number> {
  if (argv[0] === 'kustomize-plugin') return (await import('./kustomize-plugin.js')).kustomizePluginMain(argv.slice(1), version());
  const sub = SUBCOMMANDS[argv[0]];
  if (sub) {
    try {
      return await sub(argv.slice(1));
    } catch (e) {
      return reportError(e);
    }
  }
  const program = new Command();
  program
    .name('kharden')
    .description('Harden Kubernetes manifests with secure defaults; only the edited lines change.')
    .argument('[paths...]', 'files or directories (*.yaml, *.yml, *.json); "-" or nothing reads stdin')
    .option('-p, --profile <name|file>', 'profile: built-in name (restricted, baseline) or a profile file', 'restricted')
    .option('-o, --output <dir>', 'write hardened files to a mirrored tree under DIR')
    .option('-i, --in-place', 'rewrite the input files')
    .option('--check', 'write nothing; exit 1 if anything would change (see --fail-on)')
    .option('--diff', 'print a unified diff of what would change instead of the YAML')
    .option('--report <file>', 'write the change report (repeatable); format from the extension: .json, .sarif, .md, .html, .txt; "-" for stderr', (v: string, all: string[] = []) => [...all, v])
    .option('--report-format <format>', 'format for a --report path without a known extension: text, json, sarif, markdown, html')
    .option('--sarif-edits', 'SARIF report: also one note per applied edit, at its line in the hardened file')
    .option('--exclude <rule>', `exempt matching workloads or containers (repeatable): ${EXCLUDE_SYNTAX}`, (v: string, prev: string[] = []) => [...prev, v])
    .addOption(new Option('--fail-on <conditions>', `exit 1 when any holds (comma-separated): ${FAIL_ON.join(', ')} (changes: anything would change; error/warning/info: a finding at that severity or above; baseline/restricted: a workload stays below that Pod Security level); default with --check: changes`))
    .option('--release <name>', 'Helm release: generated kharden-… objects are named kharden-…-NAME so releases sharing a namespace do not claim the same ones (default: read from the app.kubernetes.io/instance labels of a Helm-rendered stream)')
    .option('--print-profile', 'print the resolved profile (every transform with its options) and exit')
    .option('-q, --quiet', 'no warnings or summary on stderr')
    .option('--no-progress', 'no progress bar on a terminal (never drawn when stderr is not one, or in CI)')
    .option('--no-color', 'no colours on stderr (also NO_COLOR=1; never when stderr is not a terminal)')
    .version(version())
    .addHelpText(
      'after',
      `
Exit codes: 0 done · 1 --check found changes, or a --fail-on condition held · 2 bad input or usage
            (file, document, line:col) · 3 internal error (nothing was written)
Annotations on a workload: kharden.dev/skip: "id,id" (or "all"), kharden.dev/skip.<container>,
  kharden.dev/run-as-user, kharden.dev/run-as-group, kharden.dev/writable-paths[.<container>]
Generated resources go after the input on stdout, or into ${GENERATED_FILE} (-o DIR: in DIR;
  --in-place: in the first directory given, or beside the first file).
Commands: kharden list (every transform) · kharden explain <id> (what one does, with an example)
Examples:
  kharden manifests/ > hardened.yaml
  kharden --check --fail-on error,restricted manifests/      # in CI
  helm install web ./chart --post-renderer kharden
  kharden --exclude 'kind=DaemonSet;namespace=kube-system' -
  kpt fn eval DIR --exec kharden          # a ResourceList on stdin is answered as a KRM function
  kharden kustomize-plugin --install      # for kubectl kustomize --enable-alpha-plugins`,
    )
    .exitOverride()
    .configureOutput({
      writeErr: (s) => process.stderr.write(s),
      writeOut: (s) => process.stdout.write(s),
      // Usage errors look like every other error: `kharden: error: unknown option '--bogus'`.
      outputError: (s, write) => write(`kharden: ${s}`),
    })
    .showHelpAfterError();
  try {
    program.parse(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT.ok : EXIT.bad;
    throw e;
  }
  const opts = program.opts<CliOptions>();
  try {
    return await run(program.args, opts);
  } catch (e) {
    return reportError(e);
  }
}

async function builtinProfileChains(): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const name of builtinProfiles()) out[name] = (await resolveProfile(name, loadProfileFile)).chain.map((l) => l.id);
  return out;
}

async function allTransforms() {
  const list = [];
  for (const id of Object.keys(BUILTIN_TRANSFORMS)) list.push((await loadTransform(id))!);
  return list;
}

function readExamples(): Record<string, TransformExample> {
  try {
    return JSON.parse(fs.readFileSync(path.join(packageRoot(), 'dist/examples.json'), 'utf8'));
  } catch {
    return {};
  }
}

async function listCommand(args: string[]): Promise<number> {
  if (args.length) throw new UsageError('kharden list takes no arguments');
  process.stdout.write(renderList(await allTransforms(), await builtinProfileChains()));
  return EXIT.ok;
}

async function explainCommand(args: string[]): Promise<number> {
  if (args.length !== 1) throw new UsageError('usage: kharden explain <transform id> (kharden list prints them)');
  const t = await loadTransform(args[0]);
  if (!t) throw new UsageError(`unknown transform "${args[0]}" (kharden list prints every one)`);
  process.stdout.write(renderExplain(t, readExamples()[t.id], await builtinProfileChains()));
  return EXIT.ok;
}

function reportError(e: unknown): number {
  if (e instanceof InputErrors) {
    for (const x of e.errors) reportError(x);
    return EXIT.bad;
  }
  if (e instanceof InputError || e instanceof UsageError) {
    process.stderr.write(`kharden: error: ${e.message}\n`);
    return EXIT.bad;
  }
  if (e instanceof TransformError) {
    process.stderr.write(`kharden: internal error: ${e.message}; nothing was written\n`);
    if (process.env.KHARDEN_DEBUG && e.cause instanceof Error) process.stderr.write(`${e.cause.stack}\n`);
    return EXIT.internal;
  }
  const message = e instanceof Error ? e.message : String(e);
  process.stderr.write(`kharden: internal error: ${message}${/nothing was written/.test(message) ? '' : '; nothing was written'}\n`);
  if (process.env.KHARDEN_DEBUG && e instanceof Error) process.stderr.write(`${e.stack}\n`);
  return EXIT.internal;
}

function parseFailOn(raw: string | undefined, check: boolean): FailOn[] {
  if (raw === undefined) return check ? ['changes'] : [];
  const list = raw.split(',').map((s) => s.trim()).filter(Boolean);
  for (const c of list) if (!FAIL_ON.includes(c as FailOn)) throw new UsageError(`--fail-on: unknown condition "${c}" (one or more of ${FAIL_ON.join(', ')})`);
  return list as FailOn[];
}

async function run(args: string[], opts: CliOptions): Promise<number> {
  if (opts.inPlace && opts.output) throw new UsageError('--in-place and --output cannot be used together');
  if (opts.check && (opts.inPlace || opts.output)) throw new UsageError('--check writes nothing: drop --in-place/--output (or drop --check to write)');
  if (opts.diff && (opts.inPlace || opts.output)) throw new UsageError('--diff prints what would change and writes nothing: drop --in-place/--output (or drop --diff to write)');
  const failOn = parseFailOn(opts.failOn, !!opts.check);
  const reports = planReports(opts.report ?? [], opts.reportFormat);
  const cliRules: ExcludeRule[] = (opts.exclude ?? []).map((r) => {
    try {
      return parseExcludeString(r, `--exclude ${r}`);
    } catch (e) {
      throw new UsageError(`--exclude ${JSON.stringify(r)}: ${(e as Error).message}`);
    }
  });

  const profile = await resolveProfile(opts.profile, loadProfileFile, { execTransform });
  if (opts.printProfile) {
    process.stdout.write(renderResolvedProfile(profile));
    return EXIT.ok;
  }
  const useStdin = args.length === 0 || (args.length === 1 && args[0] === '-');
  if (args.includes('-') && args.length > 1) throw new UsageError('"-" (stdin) cannot be mixed with paths');
  if (useStdin && args.length === 0 && process.stdin.isTTY) throw new UsageError('no input: give files or directories, or pipe YAML into stdin');
  if (useStdin && opts.inPlace) throw new UsageError('--in-place needs files, not stdin');
  const stdinText = useStdin ? decodeInput(await readStdin(), '<stdin>') : undefined;
  if (stdinText !== undefined && looksLikeResourceList(stdinText)) {
    if (opts.check || opts.diff || opts.output) throw new UsageError('a ResourceList on stdin (KRM function mode) is answered on stdout: --check, --diff and --output do not apply');
    return runKrm(stdinText, { profile: opts.profile, reports, version: version(), exclude: cliRules });
  }

  const quiet = !!opts.quiet;
  const color = !quiet && colorAllowed(process.stderr, process.env, opts);
  const warn = (msg: string) => {
    if (!quiet) process.stderr.write(`kharden: ${paint(color, 'warning', 'warning')}: ${msg}\n`);
  };

  let inputs: InputFile[];
  const texts = new Map<string, string>();
  if (useStdin) {
    inputs = [{ file: '<stdin>', relative: 'stdin.yaml' }];
    texts.set('<stdin>', stdinText!);
  } else {
    let exclude: string | undefined;
    if (opts.output) {
      const outAbs = path.resolve(opts.output);
      for (const a of args) {
        if (fs.existsSync(a) && fs.statSync(a).isDirectory() && isInside(outAbs, fs.realpathSync(a))) {
          throw new UsageError(`output directory ${opts.output} is inside input directory ${a}; choose a directory outside the inputs`);
        }
      }
      exclude = fs.existsSync(outAbs) ? fs.realpathSync(outAbs) : undefined;
    }
    const walked = collectInputs(args, { writing: !!(opts.inPlace || opts.output), inPlace: !!opts.inPlace, exclude });
    walked.warnings.forEach(warn);
    inputs = walked.files;
    for (const a of args) {
      if (fs.statSync(a).isDirectory() && !inputs.some((i) => isInside(path.resolve(i.file), path.resolve(a)))) warn(`${a}: no manifests (*.yaml, *.yml, *.json) in this directory`);
    }
  }

  // With --in-place, generated resources go into a file that may already exist from an earlier
  // run: it is read as an input, so what it holds is not generated twice.
  const generatedTarget = generatedPath(args, opts);
  if (opts.inPlace && generatedTarget && fs.existsSync(generatedTarget) && !inputs.some((i) => sameFile(i.file, generatedTarget))) {
    inputs.push({ file: generatedTarget, relative: GENERATED_FILE });
  }

  const progress = makeProgress(inputs.length, progressAllowed(process.stderr, process.env, opts) && inputs.length > 1);
  if (opts.release !== undefined && !isHelmReleaseName(opts.release)) throw new UsageError(`--release ${JSON.stringify(opts.release)}: a Helm release name is at most 53 lowercase letters, digits and "-", starting and ending with a letter or digit`);
  const hardenOptions: HardenOptions = { ...hardenOptionsOf(profile, cliRules), helmRelease: opts.release ?? { detect: true }, onInputDone: (f) => progress.tick(f) };
  const refused: InputError[] = [];
  const runInputs: RunInput[] = [];
  for (const input of inputs) {
    try {
      const text = texts.get(input.file) ?? decodeInput(readInput(input.file), input.file);
      runInputs.push({
        file: input.file,
        text,
        ...(input.kustomizePatchOf
          ? { passThrough: { code: 'kustomizePatch', message: `named as a patch by ${input.kustomizePatchOf}: a partial object, left untouched; harden the built output instead (kustomize build ${path.dirname(input.kustomizePatchOf)} | kharden)` } }
          : {}),
      });
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      refused.push(e);
    }
  }
  let result: RunResult | undefined;
  try {
    result = await hardenFiles(runInputs, withTestFailure(hardenOptions, runInputs.map((i) => i.file)));
  } catch (e) {
    if (e instanceof InputErrors) refused.push(...e.errors);
    else if (e instanceof InputError) refused.push(e);
    else {
      progress.done();
      throw e;
    }
  }
  progress.done();
  if (refused.length || !result) {
    refused.sort((a, b) => inputs.findIndex((i) => i.file === a.position.file) - inputs.findIndex((i) => i.file === b.position.file));
    for (const e of refused) reportError(e);
    if (inputs.length > 1) process.stderr.write(`kharden: ${refused.length} of ${inputs.length} file(s) refused; nothing was written\n`);
    return EXIT.bad;
  }
  const results = result.files;

  // Where each generated resource lands, for the writes and the report.
  const generatedText = result.generated.length
    ? printDocuments(result.generated.map((g) => ({ value: g.value, comment: `Generated by kharden (${g.transform}): ${g.reason}` })))
    : '';
  const generatedWhere = opts.output || opts.inPlace ? generatedTarget! : '<stdout>';

  const diff = reportsNeedDiffs(reports) ? (await import('../report/diff.js')).unifiedDiff : undefined;
  const report = buildReport(result, {
    version: version(),
    profile: profile.name,
    pss: await loadPss(),
    messages: messagesOf(profile),
    generatedFiles: result.generated.map(() => generatedWhere),
    transforms: chainInfo(profile.chain),
    diff,
  });
  const outputFiles = opts.inPlace || opts.output ? Object.fromEntries(inputs.map((i) => [i.file, opts.output ? path.join(opts.output, i.relative) : i.file])) : undefined;
  await writeReports(reports, report, { sarifEdits: opts.sarifEdits, outputFiles });

  const anyChange = results.some((r) => r.changed) || result.generated.length > 0;
  const summarize = (verb: string, where?: string) => {
    if (quiet) return;
    // Point at the report that lists everything: HTML or JSON first.
    const files = reports.filter((r) => r.target !== '-');
    const hint = (files.find((r) => r.format === 'html') ?? files.find((r) => r.format === 'json') ?? files[0])?.target;
    process.stderr.write(renderSummary(report, { verb, where, color, reportHint: hint ?? '--report FILE' }));
    if (opts.check) for (const r of results) if (r.changed) process.stderr.write(`  would change: ${r.file}\n`);
    if (opts.check && result!.generated.length) process.stderr.write(`  would generate: ${result!.generated.length} resource(s)\n`);
  };
  const failed = failOn.length > 0 && failConditionHolds(failOn, report, anyChange);

  if (opts.check) {
    summarize('would change');
    return failed ? EXIT.changes : EXIT.ok;
  }

  if (opts.diff) {
    const { createTwoFilesPatch } = await import('diff');
    for (const r of results) if (r.changed) process.stdout.write(createTwoFilesPatch(r.file, r.file, r.input, r.output, 'input', 'hardened'));
    if (generatedText) process.stdout.write(createTwoFilesPatch('/dev/null', GENERATED_FILE, '', generatedText, 'input', 'generated'));
    summarize('would change');
    return failed ? EXIT.changes : EXIT.ok;
  }

  if (opts.inPlace || opts.output) {
    const writes: (PlannedWrite & { unchanged?: boolean })[] = [];
    const targets = new Set<string>();
    inputs.forEach((input, i) => {
      const r = results[i];
      if (opts.inPlace) {
        // Write through a symbolic link (renaming over it would replace the link with a copy); links met in a
        // directory walk all point inside it (collectInputs skips the others), and each real file is written once.
        const real = fs.realpathSync(input.file);
        if (!targets.has(real)) writes.push({ target: real, text: r.output, mode: fs.statSync(real).mode & 0o7777, unchanged: !r.changed });
        targets.add(real);
        return;
      }
      const target = path.join(opts.output!, input.relative);
      if (targets.has(target)) throw new UsageError(`two inputs would be written to ${target}; give directories instead of files with the same name`);
      targets.add(target);
      writes.push({ target, text: r.output });
    });
    if (generatedText) {
      const target = opts.inPlace && fs.existsSync(generatedTarget!) ? fs.realpathSync(generatedTarget!) : generatedTarget!;
      const existing = writes.find((w) => w.target === target);
      if (existing) {
        existing.text = joinStream([existing.text, generatedText]);
        existing.unchanged = false;
      } else writes.push({ target, text: generatedText });
    }
    writeAllOrNothing(writes.filter((w) => !w.unchanged).map(({ target, text, mode }) => ({ target, text, ...(mode !== undefined ? { mode } : {}) })));
    summarize(opts.inPlace ? 'rewritten' : 'changed', opts.output);
    return failed ? EXIT.changes : EXIT.ok;
  }

  process.stdout.write(joinStream([...results.map((r) => r.output), generatedText]));
  summarize('changed');
  return failed ? EXIT.changes : EXIT.ok;
}

function sameFile(a: string, b: string): boolean {
  try {
    return fs.realpathSync(a) === fs.realpathSync(b);
  } catch {
    return path.resolve(a) === path.resolve(b);
  }
}

/** The file generated resources are written to with -o or --in-place. */
function generatedPath(args: string[], opts: CliOptions): string | undefined {
  if (opts.output) return path.join(opts.output, GENERATED_FILE);
  if (!opts.inPlace) return undefined;
  const dir = args.find((a) => fs.existsSync(a) && fs.statSync(a).isDirectory());
  return path.join(dir ?? path.dirname(args[0]), GENERATED_FILE);
}

const LEVELS = ['privileged', 'baseline', 'restricted'];

function failConditionHolds(conditions: FailOn[], report: Report, anyChange: boolean): boolean {
  const t = report.totals.findings;
  return conditions.some((c) => {
    switch (c) {
      case 'changes':
        return anyChange;
      case 'error':
        return t.error > 0;
      case 'warning':
        return t.error + t.warning > 0;
      case 'info':
        return t.error + t.warning + t.info > 0;
      default:
        return report.resources.some((r) => r.pss && LEVELS.indexOf(r.pss.after) < LEVELS.indexOf(c));
    }
  });
}

/**
 * TEST HOOK, used only by test/bad-input: with KHARDEN_TEST_FAIL_TRANSFORM=<transform-id>:<file-substring>
 * that transform throws whenever it runs on a file whose path contains the substring, to prove that
 * an internal failure exits 3, names the transform, file and document, and writes nothing.
 */
function withTestFailure(options: HardenOptions, files: string[]): HardenOptions {
  const hook = process.env.KHARDEN_TEST_FAIL_TRANSFORM;
  const at = hook ? hook.indexOf(':') : -1;
  if (!hook || at < 0) return options;
  const id = hook.slice(0, at);
  // The engine reads the inputs in order, running the leading transforms on each before the next.
  let done = 0;
  const run = (link: HardenOptions['chain'][number]) => (target: any, ctx: any) => {
    if ((files[done] ?? '').includes(hook.slice(at + 1))) throw new Error(`injected failure (KHARDEN_TEST_FAIL_TRANSFORM=${hook})`);
    return link.transform.run(target, ctx);
  };
  return {
    ...options,
    onInputDone: (f) => {
      done++;
      options.onInputDone?.(f);
    },
    chain: options.chain.map((link) => (link.id === id ? { ...link, transform: { ...link.transform, run: run(link) } } : link)),
  };
}

function makeProgress(total: number, enabled: boolean) {
  let n = 0;
  let last = 0;
  return {
    tick(file: string) {
      n++;
      if (!enabled) return;
      const now = Date.now();
      if (now - last < 50 && n < total) return;
      last = now;
      const width = 30;
      const filled = Math.round((n / total) * width);
      const name = file.length > 40 ? '…' + file.slice(-39) : file;
      process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${n}/${total} ${name.padEnd(40)}`);
    },
    done() {
      if (enabled) process.stderr.write('\r' + ' '.repeat(80) + '\r');
    },
  };
}

async function loadPss(): Promise<PssEvaluator> {
  return (await import('../report/pss-summary.js')).summarizePss;
}

export type { FileResult };
