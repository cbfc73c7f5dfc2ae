/**
 * The package as users get it: `npm pack`, then a global install of the tarball (and `npx` of it)
 * gives a working `kharden`, and a second project imports the library, typed. The npm registry is
 * reached for the dependencies, as it is for a user.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { assertBuilt, kharden, ROOT } from '../cli/spawn.js';

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web # keep me
spec:
  template:
    spec:
      containers:
        - name: app
          image: nginx:1.27
`;

let tmp: string;
let tarball: string;

function npm(args: string[], cwd: string): string {
  // --ignore-scripts: dist/ is already built (npm test runs tsc first), and a rebuild here would
  // replace it under the other test files that run the CLI at the same time.
  return execFileSync('npm', [...args, '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], { cwd, encoding: 'utf8', timeout: 240_000 });
}

beforeAll(() => {
  assertBuilt();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kharden-pack-'));
  const packed = JSON.parse(npm(['pack', '--json', '--pack-destination', tmp], ROOT));
  tarball = path.join(tmp, packed[0].filename);
}, 300_000);

afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('npm pack', () => {
  test('the tarball holds what an installed kharden needs, and no tests or sources', () => {
    const files: string[] = JSON.parse(npm(['pack', '--dry-run', '--json'], ROOT))[0].files.map((f: { path: string }) => f.path);
    for (const needed of ['bin/kharden.js', 'dist/src/cli/main.js', 'dist/src/index.js', 'dist/src/index.d.ts', 'profiles/restricted.yaml', 'helm-plugin/plugin.yaml', 'helm-plugin/kharden-post-renderer.sh', 'README.md', 'package.json']) {
      expect(files, needed).toContain(needed);
    }
    expect(files.some((f) => f.startsWith('dist/transforms/') && f.endsWith('.js'))).toBe(true);
    expect(files.filter((f) => f.startsWith('test/') || f.startsWith('src/') || f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
  });
});

describe('installed from the tarball', () => {
  test('npm install -g --prefix gives a kharden on that PATH that hardens like the worktree CLI', async () => {
    const prefix = path.join(tmp, 'global');
    npm(['install', '-g', '--prefix', prefix, tarball], tmp);
    const bin = path.join(prefix, 'bin', 'kharden');
    expect(fs.existsSync(bin)).toBe(true);
    const installed = execFileSync(bin, ['--profile', 'restricted'], { input: DEPLOYMENT, encoding: 'utf8' });
    const here = await kharden(['--profile', 'restricted'], { cwd: ROOT, stdin: DEPLOYMENT });
    expect(here.code).toBe(0);
    expect(installed).toBe(here.stdout.toString('utf8'));
    expect(installed).toContain('name: web # keep me');
    expect(installed).toContain('allowPrivilegeEscalation: false');
    const version = execFileSync(bin, ['--version'], { encoding: 'utf8' }).trim();
    expect(version).toBe(JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version);
    // The Helm 4 plugin directory ships executable and runs the kharden it ships with.
    const script = path.join(prefix, 'lib', 'node_modules', 'kharden', 'helm-plugin', 'kharden-post-renderer.sh');
    const env = { ...process.env, KHARDEN_BIN: '', PATH: '/usr/bin:/bin:' + path.dirname(process.execPath) };
    expect(execFileSync(script, ['-q'], { input: DEPLOYMENT, encoding: 'utf8', env })).toBe(installed);
  }, 300_000);

  test('npx of the tarball runs kharden', () => {
    const out = execFileSync('npx', ['--yes', '--package', tarball, 'kharden', '-q'], { cwd: tmp, input: DEPLOYMENT, encoding: 'utf8', timeout: 240_000 });
    expect(out).toContain('runAsNonRoot: true');
  }, 300_000);

  test('a second project imports the library, runs harden() and type-checks against the shipped declarations', () => {
    const project = path.join(tmp, 'consumer');
    fs.mkdirSync(project);
    fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', type: 'module', private: true }));
    npm(['install', tarball], project);
    fs.writeFileSync(
      path.join(project, 'use.mjs'),
      `import { harden, loadProfile, InputError } from 'kharden';
const text = ${JSON.stringify(DEPLOYMENT)};
const a = await harden(text);
const b = await harden([{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } }], { profile: await loadProfile('baseline') });
let refused = '';
try { await harden('a: [', { file: 'broken.yaml' }); } catch (e) { refused = e instanceof InputError ? e.message : 'wrong error'; }
console.log(JSON.stringify({ changed: a.changed, output: a.output, edits: a.report.totals.edits, profile: b.report.profile, pod: b.documents[0], refused }));
`,
    );
    const got = JSON.parse(execFileSync(process.execPath, ['use.mjs'], { cwd: project, encoding: 'utf8' }));
    expect(got.changed).toBe(true);
    expect(got.output).toContain('name: web # keep me');
    expect(got.edits).toBeGreaterThan(0);
    expect(got.profile).toBe('baseline');
    expect(got.pod.spec.containers[0].securityContext).toBeDefined();
    expect(got.refused).toMatch(/^broken\.yaml:1:/);

    fs.writeFileSync(
      path.join(project, 'use.ts'),
      `import { harden } from 'kharden';
import type { HardenOutput, Report } from 'kharden';
export async function run(text: string): Promise<number> {
  const out: HardenOutput = await harden(text, { profile: 'restricted' });
  const report: Report = out.report;
  return report.totals.edits;
}
// @ts-expect-error: the profile option is a name or a resolved profile, not a number
harden('', { profile: 3 });
`,
    );
    fs.writeFileSync(path.join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', strict: true, noEmit: true, skipLibCheck: false, types: [] }, files: ['use.ts'] }));
    // The worktree's TypeScript, on the installed package: its .d.ts files must be complete.
    execFileSync(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], { cwd: project, encoding: 'utf8' });
  }, 300_000);
});
