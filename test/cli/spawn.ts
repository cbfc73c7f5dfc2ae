/**
 * Runs the real CLI (`node bin/kharden.js`, built into dist/) as a child process, with a hard
 * timeout, optional stdin (bytes, nothing, or a closed descriptor), and its peak memory measured.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = path.join(ROOT, 'bin/kharden.js');
const RSS_HOOK = pathToFileURL(path.join(ROOT, 'test/cli/rss-hook.mjs')).href;

export function assertBuilt(): void {
  if (!fs.existsSync(path.join(ROOT, 'dist/src/cli/main.js'))) throw new Error('dist/ is missing: run `npx tsc -p tsconfig.json` before these tests');
}

export interface RunOptions {
  cwd: string;
  /** Bytes to pipe in; 'closed' runs with descriptor 0 closed; undefined connects /dev/null. */
  stdin?: string | Buffer | 'closed';
  env?: Record<string, string>;
  timeoutMs?: number;
  uid?: number;
  gid?: number;
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: string;
  timedOut: boolean;
  ms: number;
  /** Peak resident set size of the CLI process, when it exited normally. */
  maxRssMB?: number;
}

let counter = 0;

export function kharden(args: string[], o: RunOptions): Promise<RunResult> {
  const rssFile = path.join(os.tmpdir(), `kharden-test-rss-${process.pid}-${counter++}`);
  const env: Record<string, string> = { ...(process.env as Record<string, string>), ...o.env, KHARDEN_TEST_RSS_FILE: rssFile };
  // The run must see exactly what a user sees: no debug stack traces, no leftover injected failure.
  delete env.KHARDEN_DEBUG;
  if (!o.env?.KHARDEN_TEST_FAIL_TRANSFORM) delete env.KHARDEN_TEST_FAIL_TRANSFORM;
  const nodeArgs = ['--import', RSS_HOOK, BIN, ...args];
  const [cmd, argv] = o.stdin === 'closed' ? ['/bin/sh', ['-c', 'exec "$0" "$@" <&-', process.execPath, ...nodeArgs]] : [process.execPath, nodeArgs];
  const piped = typeof o.stdin === 'string' && o.stdin !== 'closed' ? Buffer.from(o.stdin) : Buffer.isBuffer(o.stdin) ? o.stdin : undefined;
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { cwd: o.cwd, env, stdio: [piped ? 'pipe' : 'ignore', 'pipe', 'pipe'], uid: o.uid, gid: o.gid });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, o.timeoutMs ?? 20_000);
    child.stdout!.on('data', (b: Buffer) => out.push(b));
    child.stderr!.on('data', (b: Buffer) => err.push(b));
    if (piped) {
      // The CLI may stop reading early (an input over the limit): that is not the test's failure.
      child.stdin!.on('error', () => {});
      child.stdin!.end(piped);
    }
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      let maxRssMB: number | undefined;
      try {
        maxRssMB = Number(fs.readFileSync(rssFile, 'utf8')) / 1024;
        fs.rmSync(rssFile, { force: true });
      } catch {
        maxRssMB = undefined;
      }
      resolve({ code, signal, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8'), timedOut, ms: Date.now() - started, maxRssMB });
    });
  });
}

/** A stack trace line (`    at fn (file:1:2)`), which a user must never see. */
export const STACK_TRACE = /^\s+at\s+\S.*(\(.*:\d+:\d+\)|:\d+:\d+|\(native\)|\(<anonymous>\))\s*$/m;
