/**
 * The command line: the only place that maps errors to exit codes.
 *   0 success · 1 --check found changes · 2 bad input or usage · 3 internal error (a bug)
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command, CommanderError } from 'commander';
import { InputError, TransformError, UsageError } from '../core/errors.js';
import { hardenText } from '../core/engine.js';
import type { FileResult, HardenOptions } from '../core/engine.js';
import { decodeInput } from '../yaml/stream.js';
import { resolveProfile } from '../profiles/resolve.js';
import { loadProfileFile, packageRoot } from '../io/profiles.js';
import { collectInputs, isInside, readInput, readStdin, writeAllOrNothing } from '../io/files.js';
import type { InputFile, PlannedWrite } from '../io/files.js';
import { buildReport } from '../report/build.js';
import type { PssEvaluator } from '../report/build.js';
import { chainInfo, planReports, reportsNeedDiffs, writeReports } from './reports.js';
import { colorAllowed, paint, progressAllowed } from './terminal.js';

export const EXIT = { ok: 0, changes: 1, bad: 2, internal: 3 } as const;

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
}

function version(): string {
  try {
    return JSON.parse(fs.readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')).version;
  } catch {
    return '0.0.0';
  }
}

export async function main(argv: string[]): Promise<number> {
  const program = new Command();
  program
    .name('kharden')
    .description('Harden Kubernetes manifests with secure defaults; only the edited lines change.')
    .argument('[paths...]', 'files or directories (*.yaml, *.yml, *.json); "-" or nothing reads stdin')
    .option('-p, --profile <name|file>', 'profile: built-in name (restricted, baseline) or a profile file', 'restricted')
    .option('-o, --output <dir>', 'write hardened files to a mirrored tree under DIR')
    .option('-i, --in-place', 'rewrite the input files')
    .option('--check', 'write nothing; exit 1 if anything would change')
    .option('--diff', 'print a unified diff of what would change instead of the YAML')
    .option('--report <file>', 'write the change report (repeatable); format from the extension: .json, .sarif, .md, .html, .txt; "-" for stderr', (v: string, all: string[] = []) => [...all, v])
    .option('--report-format <format>', 'format for a --report path without a known extension: text, json, sarif, markdown, html')
    .option('--sarif-edits', 'SARIF report: also one note per applied edit, at its line in the hardened file')
    .option('-q, --quiet', 'no warnings or summary on stderr')
    .option('--no-progress', 'no progress bar on a terminal (never drawn when stderr is not one, or in CI)')
    .option('--no-color', 'no colours on stderr (also NO_COLOR=1; never when stderr is not a terminal)')
    .version(version())
    .addHelpText(
      'after',
      `
Exit codes: 0 done · 1 --check found changes · 2 bad input or usage (file, document, line:col)
            · 3 internal error (nothing was written)
Annotations on a workload: kharden.dev/skip: "id,id" (or "all"), kharden.dev/skip.<container>,
  kharden.dev/run-as-user, kharden.dev/run-as-group, kharden.dev/writable-paths[.<container>]
Examples:
  kharden manifests/ > hardened.yaml
  kharden --check manifests/                    # in CI
  helm install web ./chart --post-renderer kharden`,
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

function reportError(e: unknown): number {
  if (e instanceof InputError || e instanceof UsageError) {
    process.stderr.write(`kharden: error: ${e.message}\n`);
    return EXIT.bad;
  }
  if (e instanceof TransformError) {
    process.stderr.write(`kharden: internal error: ${e.message}; nothing was written\n`);
    return EXIT.internal;
  }
  process.stderr.write(`kharden: internal error: ${e instanceof Error ? e.message : String(e)}; nothing was written\n`);
  if (process.env.KHARDEN_DEBUG && e instanceof Error) process.stderr.write(`${e.stack}\n`);
  return EXIT.internal;
}

async function run(args: string[], opts: CliOptions): Promise<number> {
  if (opts.inPlace && opts.output) throw new UsageError('--in-place and --output cannot be used together');
  const useStdin = args.length === 0 || (args.length === 1 && args[0] === '-');
  if (args.includes('-') && args.length > 1) throw new UsageError('"-" (stdin) cannot be mixed with paths');
  if (useStdin && args.length === 0 && process.stdin.isTTY) throw new UsageError('no input: give files or directories, or pipe YAML into stdin');
  if (useStdin && opts.inPlace) throw new UsageError('--in-place needs files, not stdin');
  const reports = planReports(opts.report ?? [], opts.reportFormat);

  const profile = await resolveProfile(opts.profile, loadProfileFile);
  const hardenOptions: HardenOptions = { chain: profile.chain, podTemplateLocations: profile.podTemplateLocations };
  const warn = (msg: string) => {
    if (!opts.quiet) process.stderr.write(`kharden: ${paint(colorAllowed(process.stderr, process.env, opts), 'warning', 'warning')}: ${msg}\n`);
  };

  let inputs: InputFile[];
  const texts = new Map<string, string>();
  if (useStdin) {
    inputs = [{ file: '<stdin>', relative: 'stdin.yaml' }];
    texts.set('<stdin>', decodeInput(await readStdin(), '<stdin>'));
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
    const walked = collectInputs(args, { writing: !!(opts.inPlace || opts.output), exclude });
    walked.warnings.forEach(warn);
    inputs = walked.files;
  }

  const progress = makeProgress(inputs.length, progressAllowed(process.stderr, process.env, opts) && inputs.length > 1);
  const results: FileResult[] = [];
  // Every file is read before anything is refused, so one run names every bad file, not just the first.
  const refused: InputError[] = [];
  for (const input of inputs) {
    try {
      const text = texts.get(input.file) ?? decodeInput(readInput(input.file), input.file);
      results.push(hardenText(input.file, text, withTestFailure(hardenOptions, input.file)));
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      refused.push(e);
    }
    progress.tick(input.file);
  }
  progress.done();
  if (refused.length) {
    for (const e of refused) reportError(e);
    if (inputs.length > 1) process.stderr.write(`kharden: ${refused.length} of ${inputs.length} file(s) refused; nothing was written\n`);
    return EXIT.bad;
  }

  for (const r of results) for (const f of r.findings) if (!f.resource && f.severity === 'warning') warn(`${r.file}${f.line ? `:${f.line}` : ''} (document ${f.document}): ${f.message}`);

  const pss = await loadPss();
  const diff = reportsNeedDiffs(reports) ? (await import('../report/diff.js')).unifiedDiff : undefined;
  const report = buildReport(results, { version: version(), profile: profile.name, pss, transforms: chainInfo(profile.chain), diff });
  const outputFiles = opts.inPlace || opts.output ? Object.fromEntries(inputs.map((i) => [i.file, opts.output ? path.join(opts.output, i.relative) : i.file])) : undefined;
  await writeReports(reports, report, { sarifEdits: opts.sarifEdits, outputFiles });

  const anyChange = results.some((r) => r.changed);
  if (opts.diff) {
    const { createTwoFilesPatch } = await import('diff');
    const label = (f: string) => (path.isAbsolute(f) ? f : `${f}`);
    for (const r of results) if (r.changed) process.stdout.write(createTwoFilesPatch(label(r.file), label(r.file), r.input, r.output, 'input', 'hardened'));
  }

  if (opts.check) {
    if (!opts.quiet) summary(report, opts, results);
    return anyChange ? EXIT.changes : EXIT.ok;
  }

  if (opts.inPlace || opts.output) {
    const writes: PlannedWrite[] = [];
    const targets = new Set<string>();
    inputs.forEach((input, i) => {
      const r = results[i];
      if (opts.inPlace) {
        // Write through a symbolic link (renaming over it would replace the link with a copy); links met in a
        // directory walk all point inside it (collectInputs skips the others), and each real file is written once.
        const real = fs.realpathSync(input.file);
        if (r.changed && !targets.has(real)) writes.push({ target: real, text: r.output, mode: fs.statSync(real).mode & 0o7777 });
        targets.add(real);
        return;
      }
      const target = path.join(opts.output!, input.relative);
      if (targets.has(target)) throw new UsageError(`two inputs would be written to ${target}; give directories instead of files with the same name`);
      targets.add(target);
      writes.push({ target, text: r.output });
    });
    writeAllOrNothing(writes);
    if (!opts.quiet) summary(report, opts, results);
    return EXIT.ok;
  }

  if (!opts.diff) process.stdout.write(joinStream(results.map((r) => r.output)));
  return EXIT.ok;
}

/**
 * TEST HOOK, used only by test/bad-input: with KHARDEN_TEST_FAIL_TRANSFORM=<transform-id>:<file-substring>
 * that transform throws whenever it runs on a file whose path contains the substring, to prove that
 * an internal failure exits 3, names the transform, file and document, and writes nothing.
 */
function withTestFailure(options: HardenOptions, file: string): HardenOptions {
  const hook = process.env.KHARDEN_TEST_FAIL_TRANSFORM;
  const at = hook ? hook.indexOf(':') : -1;
  if (!hook || at < 0 || !file.includes(hook.slice(at + 1))) return options;
  const id = hook.slice(0, at);
  const fail = () => {
    throw new Error(`injected failure (KHARDEN_TEST_FAIL_TRANSFORM=${hook})`);
  };
  return { ...options, chain: options.chain.map((link) => (link.id === id ? { ...link, transform: { ...link.transform, run: fail } } : link)) };
}

/** Joins several files' streams into one, adding `---` between files and a newline where one is missing. */
export function joinStream(outputs: string[]): string {
  let out = '';
  for (const output of outputs) {
    // A byte-order mark belongs only at the start of the stream; after a `---` it would become part of the first key.
    const text = out === '' ? output : output.replace(/^\uFEFF/, '');
    if (text === '') continue;
    if (out !== '') {
      // Separators take the line ending of the file before them, so CRLF files stay CRLF throughout.
      const eol = out.endsWith('\r\n') || (!out.endsWith('\n') && out.includes('\r\n')) ? '\r\n' : '\n';
      if (!out.endsWith('\n')) out += eol;
      if (!/^(---|%)/.test(text.replace(/^(\s*#[^\n]*\n|\s*\n)*/, ''))) out += `---${eol}`;
    }
    out += text;
  }
  return out;
}

function summary(report: ReturnType<typeof buildReport>, opts: CliOptions, results: FileResult[]): void {
  const t = report.totals;
  const verb = opts.check ? 'would change' : opts.inPlace ? 'rewritten' : 'changed';
  const where = opts.output ? ` → ${opts.output}` : '';
  const color = colorAllowed(process.stderr, process.env, opts);
  const count = (s: 'error' | 'warning' | 'info') => (t.findings[s] ? paint(color, s, `${t.findings[s]} ${s}`) : `0 ${s}`);
  process.stderr.write(
    `kharden: ${t.files} file(s), ${t.filesChanged} ${verb}${where}; ${t.resourcesChanged} resource(s) hardened with ${t.edits} edit(s); findings: ${count('error')}, ${count('warning')}, ${count('info')}\n`,
  );
  if (opts.check) for (const r of results) if (r.changed) process.stderr.write(`  would change: ${r.file}\n`);
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
