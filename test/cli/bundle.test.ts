/**
 * The bundled CLI (dist/bundle, what bin/kharden.js runs) against the modules tsc wrote (dist/src):
 * the bin takes the bundle, and both give the same bytes and exit codes, exec plugins in the
 * chain included. A bundling mistake (a built-in shared between a lazy and an eager importer left
 * execa's named imports undefined) failed only the exec-plugin runs.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { assertBuilt, BIN, ROOT } from './spawn.js';
import { execPluginProfile } from '../helpers/exec-profile.js';

const run = promisify(execFile);
const WEB = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web # kept
  namespace: shop
spec:
  template:
    spec:
      containers:
        - name: app
          image: example.com/web:1
`;

let work: string;
beforeAll(() => {
  assertBuilt();
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'kharden-bundle-'));
  fs.writeFileSync(path.join(work, 'web.yaml'), WEB);
  fs.writeFileSync(path.join(work, 'profile.yaml'), execPluginProfile('add-label.mjs'));
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

async function cli(args: string[], bundle: '0' | '1'): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...process.env, KHARDEN_BUNDLE: bundle, KHARDEN_DEBUG: '1', KHARDEN_TEST_FAIL_TRANSFORM: '' };
  try {
    const r = await run(process.execPath, [BIN, ...args], { cwd: work, env, timeout: 60_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe('bundled CLI', () => {
  test('the build made a bundle no older than dist/src, so the bin runs it', () => {
    const bundled = fs.statSync(path.join(ROOT, 'dist/bundle/main.cjs')).mtimeMs;
    expect(bundled).toBeGreaterThanOrEqual(fs.statSync(path.join(ROOT, 'dist/src/cli/main.js')).mtimeMs);
  });

  test('the code cache written by the build is accepted by this Node', async () => {
    const probe = `const fs = require('node:fs'); const vm = require('node:vm'); const f = ${JSON.stringify(path.join(ROOT, 'dist/bundle/main.cjs'))};
      const s = new vm.Script(require('node:module').wrap(fs.readFileSync(f, 'utf8')), { filename: f, cachedData: fs.readFileSync(f + '.cache') });
      process.stdout.write(String(s.cachedDataRejected));`;
    expect((await run(process.execPath, ['-e', probe], { timeout: 60_000 })).stdout).toBe('false');
  });

  test('the bin loads the bundle by default and dist/src with KHARDEN_BUNDLE=0 (stack of an internal error)', async () => {
    const fail = async (bundle: '0' | '1') => {
      const env = { ...process.env, KHARDEN_BUNDLE: bundle, KHARDEN_DEBUG: '1', KHARDEN_TEST_FAIL_TRANSFORM: 'run-as-non-root:web.yaml' };
      return run(process.execPath, [BIN, 'web.yaml'], { cwd: work, env, timeout: 60_000 }).then(
        () => '',
        (e: { stderr: string }) => e.stderr,
      );
    };
    expect(await fail('1')).toMatch(/dist[\\/]bundle[\\/]/);
    expect(await fail('0')).toMatch(/dist[\\/]src[\\/]/);
  });

  for (const [name, args, code, shows] of [
    ['restricted profile on a file', ['web.yaml'], 0, /runAsNonRoot: true/],
    ['an exec plugin in the chain', ['--profile', 'profile.yaml', 'web.yaml'], 0, /team: web/],
    ['a usage error', ['--no-such-flag'], 2, /unknown option/],
  ] as const) {
    test(`same bytes and exit code from the bundle and dist/src: ${name}`, async () => {
      const [bundled, modules] = await Promise.all([cli([...args], '1'), cli([...args], '0')]);
      expect(modules.code, modules.stderr).toBe(code);
      expect(bundled.code, bundled.stderr).toBe(code);
      expect(bundled.stdout).toBe(modules.stdout);
      expect(bundled.stderr).toBe(modules.stderr);
      expect(code === 0 ? bundled.stdout : bundled.stderr).toMatch(shows);
    });
  }
});
