/**
 * "Bad input gets a clear error, and nothing is lost": one loop over test/bad-input/cases/<name>/.
 *
 * A case directory holds `case.yaml` (the expectation, see {@link Case}), usually `in/` (the input
 * tree, copied to a fresh temp dir for every run) and, for valid input that gets edits, `expected/`
 * (the hardened tree, byte for byte) and `expected.stdout` (what stdout mode prints). Inputs that
 * cannot live in git (huge, sparse, symlinks, FIFOs, unreadable) are made by the named `setup` in
 * SETUPS below.
 *
 * Every case runs the real CLI in each of its modes (default: stdout, --in-place, -o DIR) and checks:
 * the exit code; every stderr pattern; no stack trace ever; a failing run prints nothing on stdout
 * and leaves the whole temp dir exactly as it was (bytes, modes, mtimes, symlinks; no output dir, no
 * temp files); a passing run writes exactly the expected bytes and never touches what it must not.
 * Each run has a hard timeout and a peak-memory bound (measured inside the CLI process).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import YAML from 'yaml';
import { MAX_DOCUMENT_BYTES } from '../../src/yaml/stream.js';
import { assertBuilt, BIN, kharden, STACK_TRACE } from '../cli/spawn.js';
import type { RunResult } from '../cli/spawn.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const LOADED_MACHINE_FACTOR = 3;
const CASES = path.join(HERE, 'cases');
const MANIFEST = /\.(ya?ml|json)$/i;

type Mode = 'stdout' | 'in-place' | 'output' | 'stdin';

interface Case {
  description: string;
  /** Name of a SETUPS entry that adds generated or special inputs to the temp dir. */
  setup?: string;
  /** Paths given to the CLI, relative to the temp dir (default: ["in"]; none in stdin mode). */
  inputs?: string[];
  /** Extra arguments; `{here}` is test/bad-input. */
  args?: string[];
  env?: Record<string, string>;
  /** Default: stdout, in-place, output. */
  modes?: Mode[];
  /** stdin mode: a file under the temp dir to pipe in, "" for empty input, "closed" for a closed descriptor. */
  stdin?: string;
  /** -o target relative to the temp dir (default "out"). */
  outputDir?: string;
  exit: number;
  /** Every one must occur in stderr: a substring, or /regex/flags. */
  stderr?: string[];
  /** None may occur in stderr. */
  stderrNot?: string[];
  /** Valid input that needs no edits: every output is byte-identical to its input, and --in-place touches nothing. */
  unchanged?: boolean;
  /** Every output (stdout, or the written tree) contains each of these. */
  outputContains?: string[];
  /** output mode: exactly these files are written (default: every expected file). */
  outputFiles?: string[];
  /** Every line of every output ends with this. */
  lineEndings?: 'crlf' | 'lf';
  /** Per run (default 20 s). */
  timeoutMs?: number;
  /** Peak resident memory of the CLI process (default 400 MiB). */
  maxRssMB?: number;
}

interface SetupResult {
  uid?: number;
  gid?: number;
  skip?: string;
}

// ---------------------------------------------------------------------------------------------
// Generated and special inputs.

const DEPLOYMENT = (name: string) =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\nspec:\n  selector:\n    matchLabels: {app: ${name}}\n  template:\n    metadata:\n      labels: {app: ${name}}\n    spec:\n      containers:\n        - name: app\n          image: nginx:1.27\n`;
const CONFIGMAP = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  mode: production\n`;

function write(file: string, text: string | Buffer): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
}

/**
 * Writes `head`, then `line(i)` for i = 0, 1, … until at least `bytes` are written, then `tail`:
 * in chunks of 1,000 lines, so that writing tens of MiB hands the event loop back between them.
 */
async function writeLines(file: string, head: string, line: (i: number) => string, bytes: number, tail = ''): Promise<void> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const out = await fs.promises.open(file, 'w');
  try {
    await out.write(head);
    let n = head.length;
    for (let i = 0; n < bytes; ) {
      const chunk: string[] = [];
      for (let k = 0; k < 1000 && n < bytes; k++, i++) {
        const l = line(i);
        chunk.push(l);
        n += l.length;
      }
      await out.write(chunk.join(''));
    }
    await out.write(tail);
  } finally {
    await out.close();
  }
}

/** A ConfigMap of `bytes` bytes made of many 1 KiB lines (what a big generated manifest looks like). */
function writeBigConfigMap(file: string, bytes: number): Promise<void> {
  const head = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n';
  return writeLines(file, head, (i) => `  key-${i}: ${'x'.repeat(1000)}\n`, bytes);
}

/** Runs the CLI as `nobody` when the tests run as root, so a mode-000 file really cannot be read. */
function unreadableAs(work: string, locked: string): SetupResult {
  if (process.getuid?.() !== 0) {
    fs.chmodSync(locked, 0o000);
    return {};
  }
  const nobody = 65534;
  // Everything else open to nobody (read, write, traverse), so only the locked path can make the run fail.
  const open = (p: string) => {
    const st = fs.lstatSync(p);
    if (st.isSymbolicLink()) return;
    fs.chmodSync(p, st.isDirectory() ? 0o777 : 0o666);
    if (st.isDirectory()) for (const n of fs.readdirSync(p)) open(path.join(p, n));
  };
  open(work);
  fs.chmodSync(locked, 0o000);
  const probe = spawnSync(process.execPath, ['-e', `require('fs').accessSync(${JSON.stringify(BIN)}, require('fs').constants.R_OK)`], { uid: nobody, gid: nobody, cwd: work });
  if (probe.status !== 0) return { skip: `running as root and cannot run the CLI as nobody (${probe.error?.message ?? probe.stderr}): chmod 000 would not block reads` };
  return { uid: nobody, gid: nobody };
}

const SETUPS: Record<string, (work: string) => SetupResult | void | Promise<void>> = {
  'over-limit': (work) => writeBigConfigMap(path.join(work, 'in/big.yaml'), MAX_DOCUMENT_BYTES + 1024 * 1024),
  'stdin-over-limit': (work) => writeBigConfigMap(path.join(work, 'big.yaml'), MAX_DOCUMENT_BYTES + 1024 * 1024),
  'sparse-1gib': (work) => {
    // 1 GiB of holes: costs no disk, and must be refused before it is read.
    fs.mkdirSync(path.join(work, 'in'), { recursive: true });
    const fd = fs.openSync(path.join(work, 'in/huge.yaml'), 'w');
    fs.ftruncateSync(fd, 1024 * 1024 * 1024);
    fs.closeSync(fd);
  },
  'large-valid': (work) => {
    // ~30 MiB, under the limit: a Deployment carrying a big embedded document (a dashboard, a script).
    const line = `      ${'x'.repeat(120)}\n`;
    const lines = Math.ceil((30 * 1024 * 1024) / line.length);
    const head = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: big\n  annotations:\n    example.com/dashboard: |\n';
    const tail = 'spec:\n  template:\n    spec:\n      containers:\n        - name: app\n          image: app:1\n';
    return writeLines(path.join(work, 'in/big.yaml'), head, () => line, head.length + lines * line.length, tail);
  },
  'many-keys': (work) => {
    // One map with 100,000 keys (1.2 MB): duplicate-key detection must not be quadratic.
    const lines = ['apiVersion: v1', 'kind: ConfigMap', 'metadata:', '  name: many', 'data:'];
    for (let i = 0; i < 100_000; i++) lines.push(`  k${i}: v${i}`);
    write(path.join(work, 'in/many.yaml'), lines.join('\n') + '\n');
  },
  'unreadable-file': (work) => {
    write(path.join(work, 'in/a.yaml'), DEPLOYMENT('a'));
    write(path.join(work, 'in/b.yaml'), DEPLOYMENT('b'));
    write(path.join(work, 'in/c.yaml'), DEPLOYMENT('c'));
    return unreadableAs(work, path.join(work, 'in/b.yaml'));
  },
  'unreadable-directory': (work) => {
    write(path.join(work, 'in/a.yaml'), DEPLOYMENT('a'));
    write(path.join(work, 'in/locked/b.yaml'), DEPLOYMENT('b'));
    return unreadableAs(work, path.join(work, 'in/locked'));
  },
  'symlink-loop': (work) => {
    write(path.join(work, 'in/settings.yaml'), CONFIGMAP('settings'));
    write(path.join(work, 'in/sub/more.yaml'), CONFIGMAP('more'));
    fs.symlinkSync('.', path.join(work, 'in/self'));
    fs.symlinkSync('..', path.join(work, 'in/sub/up'));
    fs.symlinkSync('../sub', path.join(work, 'in/sub/again'));
  },
  'symlink-outside': (work) => {
    write(path.join(work, 'outside/deployment.yaml'), DEPLOYMENT('outside'));
    write(path.join(work, 'in/settings.yaml'), CONFIGMAP('settings'));
    fs.symlinkSync('../outside/deployment.yaml', path.join(work, 'in/escape.yaml'));
    fs.symlinkSync('../outside', path.join(work, 'in/escape-dir'));
  },
  'symlink-inside': (work) => {
    write(path.join(work, 'in/deployment.yaml'), DEPLOYMENT('web'));
    fs.symlinkSync('deployment.yaml', path.join(work, 'in/alias.yaml'));
  },
  fifo: (work) => {
    write(path.join(work, 'in/settings.yaml'), CONFIGMAP('settings'));
    const r = spawnSync('mkfifo', [path.join(work, 'in/pipe.yaml')]);
    if (r.status !== 0) return { skip: 'mkfifo is not available' };
  },
  'many-files': (work) => {
    for (let i = 0; i < 30; i++) {
      const name = `f${String(i).padStart(2, '0')}`;
      write(path.join(work, `in/${i % 3 === 0 ? 'team-a/' : ''}${name}.yaml`), i === 13 ? `${CONFIGMAP(name)}---\n${DEPLOYMENT(name)}` : DEPLOYMENT(name));
    }
  },
};

// ---------------------------------------------------------------------------------------------
// Snapshots: everything about a tree that "nothing is lost" cares about.

interface Entry {
  type: 'file' | 'dir' | 'link' | 'fifo' | 'other';
  mode: number;
  size: number;
  mtimeMs: number;
  hash?: string;
  target?: string;
}

async function snapshot(root: string): Promise<Map<string, Entry>> {
  const out = new Map<string, Entry>();
  const visit = async (abs: string, rel: string) => {
    const st = fs.lstatSync(abs);
    const type = st.isSymbolicLink() ? 'link' : st.isDirectory() ? 'dir' : st.isFile() ? 'file' : st.isFIFO() ? 'fifo' : 'other';
    const e: Entry = { type, mode: st.mode & 0o7777, size: type === 'dir' ? 0 : st.size, mtimeMs: st.mtimeMs };
    if (type === 'link') e.target = fs.readlinkSync(abs);
    if (type === 'file') e.hash = st.size > 256 * 1024 * 1024 ? 'not hashed (huge)' : await hashFile(abs);
    if (rel) out.set(rel, e);
    if (type === 'dir') {
      let names: string[] = [];
      try {
        names = fs.readdirSync(abs).sort();
      } catch {
        e.hash = 'unreadable';
      }
      for (const n of names) await visit(path.join(abs, n), rel ? `${rel}/${n}` : n);
    }
  };
  await visit(root, '');
  return out;
}

/** Read as a stream: a file of tens of MiB is hashed chunk by chunk, with the event loop free between. */
async function hashFile(file: string): Promise<string> {
  try {
    const hash = createHash('sha256');
    for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
    return hash.digest('hex');
  } catch {
    return 'unreadable';
  }
}

const rows = (s: Map<string, Entry>, keep: (rel: string) => boolean = () => true) =>
  [...s].filter(([rel]) => keep(rel)).map(([rel, e]) => `${rel} ${e.type} ${e.mode.toString(8)} ${e.size} ${e.mtimeMs} ${e.hash ?? ''} ${e.target ?? ''}`);

/** Manifest files under `dir`, in the order kharden walks them (per directory, by code unit; links not followed). */
function manifests(dir: string): string[] {
  const out: string[] = [];
  const walk = (abs: string, rel: string) => {
    for (const n of fs.readdirSync(abs).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
      const st = fs.lstatSync(path.join(abs, n));
      const r = rel ? `${rel}/${n}` : n;
      if (st.isDirectory()) walk(path.join(abs, n), r);
      else if (st.isFile() && MANIFEST.test(n)) out.push(r);
    }
  };
  if (fs.existsSync(dir)) walk(dir, '');
  return out;
}

function matches(text: string, pattern: string): boolean {
  const re = /^\/(.*)\/([a-z]*)$/s.exec(pattern);
  return re ? new RegExp(re[1], re[2]).test(text) : text.includes(pattern);
}

function checkLineEndings(label: string, text: string, eol: 'crlf' | 'lf'): void {
  const lines = text.split('\n').slice(0, -1);
  const bad = lines.findIndex((l) => (eol === 'crlf' ? !l.endsWith('\r') : l.endsWith('\r')));
  expect(bad, `${label}: line ${bad + 1} does not end with ${eol.toUpperCase()}: ${JSON.stringify(lines[bad])}`).toBe(-1);
  if (eol === 'crlf') expect(text.endsWith('\r\n') || text === '', `${label}: last line`).toBe(true);
}

// ---------------------------------------------------------------------------------------------
// The loop.

const caseNames = fs.readdirSync(CASES).filter((n) => fs.existsSync(path.join(CASES, n, 'case.yaml'))).sort();

describe('bad input gets a clear error, and nothing is lost', () => {
  test('cases are well-formed', () => {
    assertBuilt();
    expect(caseNames.length).toBeGreaterThanOrEqual(40);
    for (const name of caseNames) {
      const c = loadCase(name);
      expect(typeof c.description, `${name}: description`).toBe('string');
      expect(typeof c.exit, `${name}: exit`).toBe('number');
      if (c.exit !== 0) expect(c.stderr?.length, `${name}: a failing case states the message it expects`).toBeGreaterThan(0);
      if (c.setup) expect(SETUPS[c.setup], `${name}: setup ${c.setup}`).toBeDefined();
      const known = new Set(['description', 'setup', 'inputs', 'args', 'env', 'modes', 'stdin', 'outputDir', 'exit', 'stderr', 'stderrNot', 'unchanged', 'outputContains', 'outputFiles', 'lineEndings', 'timeoutMs', 'maxRssMB']);
      for (const k of Object.keys(c)) expect(known.has(k), `${name}: unknown key ${k}`).toBe(true);
    }
  });

  for (const name of caseNames) {
    const c = loadCase(name);
    const modes: Mode[] = c.modes ?? ['stdout', 'in-place', 'output'];
    // A case's timeoutMs is a hang guard set on an idle machine; CI may be a loaded two-core one,
    // several times slower. Still far below what a real hang or quadratic work takes (100,000 keys
    // checked pairwise: minutes). Speed itself is measured by `npm run bench`.
    const perRun = (c.timeoutMs ?? 20_000) * LOADED_MACHINE_FACTOR;
    test(`${name} (${modes.join(', ')}): ${c.description}`, { timeout: modes.length * (perRun + 30_000) }, async (ctx) => {
      for (const mode of modes) {
        const skipped = await runCase(name, c, mode, perRun);
        if (skipped) {
          ctx.skip(skipped);
          return;
        }
      }
    });
  }
});

function loadCase(name: string): Case {
  return YAML.parse(fs.readFileSync(path.join(CASES, name, 'case.yaml'), 'utf8')) as Case;
}

async function runCase(name: string, c: Case, mode: Mode, timeoutMs: number): Promise<string | undefined> {
  const caseDir = path.join(CASES, name);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), `kharden-bad-${name}-`));
  try {
    if (fs.existsSync(path.join(caseDir, 'in'))) fs.cpSync(path.join(caseDir, 'in'), path.join(work, 'in'), { recursive: true });
    const setup: SetupResult = (c.setup ? await SETUPS[c.setup](work) : undefined) ?? {};
    if (setup.skip) return setup.skip;

    const outputDir = c.outputDir ?? 'out';
    const inputs = c.inputs ?? (mode === 'stdin' ? [] : ['in']);
    const extra = (c.args ?? []).map((a) => a.replace(/\{here\}/g, HERE));
    const args =
      mode === 'in-place' ? ['--in-place', ...extra, ...inputs] : mode === 'output' ? ['-o', outputDir, ...extra, ...inputs] : [...extra, ...inputs];
    let stdin: string | Buffer | 'closed' | undefined;
    if (mode === 'stdin') stdin = c.stdin === 'closed' ? 'closed' : c.stdin ? fs.readFileSync(path.join(work, c.stdin)) : '';

    // What a passing run must produce, file by file (relative to in/).
    const expectedDir = path.join(caseDir, 'expected');
    const expected = new Map<string, Buffer>();
    if (fs.existsSync(expectedDir)) for (const rel of manifests(expectedDir)) expected.set(rel, fs.readFileSync(path.join(expectedDir, rel)));
    else if (c.unchanged) for (const rel of manifests(path.join(work, 'in'))) expected.set(rel, fs.readFileSync(path.join(work, 'in', rel)));
    // stdout: `expected.stdout` when the case has one, else the single expected file.
    const stdoutFile = path.join(caseDir, 'expected.stdout');
    const expectedStdout = fs.existsSync(stdoutFile) ? fs.readFileSync(stdoutFile, 'utf8') : expected.size === 1 ? [...expected.values()][0].toString('utf8') : undefined;

    const before = await snapshot(work);
    const r = await kharden(args, { cwd: work, stdin, env: c.env, timeoutMs, uid: setup.uid, gid: setup.gid });
    const label = `${name} [${mode}] kharden ${args.join(' ')}\n--- stderr ---\n${r.stderr.slice(0, 4000)}\n`;
    const after = await snapshot(work);

    expect(r.timedOut, `${label}timed out after ${timeoutMs} ms`).toBe(false);
    expect(r.code, label).toBe(c.exit);
    for (const p of c.stderr ?? []) expect(matches(r.stderr, p), `${label}stderr lacks ${p}`).toBe(true);
    for (const p of c.stderrNot ?? []) expect(matches(r.stderr, p), `${label}stderr has ${p}`).toBe(false);
    expect(STACK_TRACE.test(r.stderr), `${label}a stack trace was printed`).toBe(false);
    if (r.maxRssMB !== undefined) expect(r.maxRssMB, `${label}peak memory (MiB)`).toBeLessThan(c.maxRssMB ?? 400);
    if (c.exit === 2) expect(r.stderr, label).toMatch(/^kharden: error: \S/m);
    if (c.exit === 3) expect(r.stderr, label).toMatch(/^kharden: internal error: .*nothing was written$/m);

    if (c.exit !== 0) {
      expect(r.stdout.toString('utf8'), `${label}a failing run prints nothing on stdout`).toBe('');
      expect(rows(after), `${label}a failing run must leave everything as it was`).toEqual(rows(before));
      return undefined;
    }
    checkPassingRun({ label, c, mode, r, work, before, after, expected, outputDir, stdinText: Buffer.isBuffer(stdin) ? stdin.toString('utf8') : '', expectedStdout });
    return undefined;
  } finally {
    fs.rmSync(work, { recursive: true, force: true, maxRetries: 3 });
  }
}

interface Passing {
  label: string;
  c: Case;
  mode: Mode;
  r: RunResult;
  work: string;
  before: Map<string, Entry>;
  after: Map<string, Entry>;
  expected: Map<string, Buffer>;
  outputDir: string;
  stdinText: string;
  expectedStdout?: string;
}

function checkPassingRun({ label, c, mode, r, work, before, after, expected, outputDir, stdinText, expectedStdout }: Passing): void {
  const inTree = (rel: string) => rel === 'in' || rel.startsWith('in/');
  const inOut = (rel: string) => rel === outputDir || rel.startsWith(`${outputDir}/`);
  // Symbolic links are never replaced, in any mode.
  const links = (s: Map<string, Entry>) => rows(s, (rel) => s.get(rel)!.type === 'link');
  expect(links(after), `${label}symbolic links`).toEqual(links(before));
  // Only --in-place writes inputs; only -o writes the output dir; nothing else is ever written.
  const untouched = (rel: string) => !(mode === 'in-place' && inTree(rel)) && !(mode === 'output' && inOut(rel));
  expect(rows(after, untouched), `${label}only the target may change`).toEqual(rows(before, untouched));
  expect([...after.keys()].filter((k) => /\.kharden-.*\.tmp$/.test(k)), `${label}temp files left`).toEqual([]);

  const outputs: { label: string; text: string }[] = [];
  if (mode === 'stdout' || mode === 'stdin') {
    const text = r.stdout.toString('utf8');
    outputs.push({ label: 'stdout', text });
    if (mode === 'stdin' && c.unchanged) expect(text, `${label}stdout is the input, byte for byte`).toBe(stdinText);
    if (mode === 'stdout' && expectedStdout !== undefined) expect(text, `${label}stdout`).toBe(expectedStdout);
    else if (mode === 'stdout' && expected.size > 0) {
      // Several files: each one's text, in walk order (a byte-order mark only at the very start).
      let at = 0;
      for (const [rel, bytes] of expected) {
        const part = bytes.toString('utf8').replace(at === 0 ? /^$/ : /^\uFEFF/, '');
        const found = text.indexOf(part, at);
        expect(found, `${label}stdout lacks ${rel} (in order)`).toBeGreaterThanOrEqual(0);
        at = found + part.length;
      }
    }
  } else {
    const root = mode === 'in-place' ? 'in' : outputDir;
    const written = [...after.keys()].filter((k) => k.startsWith(`${root}/`) && after.get(k)!.type === 'file' && MANIFEST.test(k)).map((k) => k.slice(root.length + 1));
    if (mode === 'output') expect(written.sort(), `${label}files written to ${outputDir}`).toEqual((c.outputFiles ?? [...expected.keys()]).slice().sort());
    for (const [rel, bytes] of expected) {
      expect(after.get(`${root}/${rel}`)?.hash, `${label}${root}/${rel} bytes`).toBe(createHash('sha256').update(bytes).digest('hex'));
    }
    if (mode === 'in-place' && c.unchanged) expect(rows(after), `${label}--in-place with nothing to change touches nothing`).toEqual(rows(before));
    for (const rel of written) outputs.push({ label: `${root}/${rel}`, text: fs.readFileSync(path.join(work, root, rel), 'utf8') });
  }
  if (c.lineEndings) for (const o of outputs) checkLineEndings(`${label}${o.label}`, o.text, c.lineEndings);
  const all = outputs.map((o) => o.text).join('\n');
  for (const p of c.outputContains ?? []) expect(matches(all, p), `${label}output lacks ${p}`).toBe(true);
}
