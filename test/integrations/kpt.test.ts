/**
 * kharden under the real kpt (on the PATH of these machines), through the example package's
 * run.sh: `kpt fn render` with an exec mutator in the Kptfile, `kpt fn eval DIR --exec` and
 * `kpt fn eval - --exec`. Each must give the same hardened objects as the plain CLI with the same
 * profile file, and kpt must receive kharden's results.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import YAML from 'yaml';
import { assertBuilt, BIN, kharden, ROOT } from '../cli/spawn.js';
import { keyOf, objectsOf, requireTool } from './objects.js';

const PKG = path.join(ROOT, 'examples/kpt-package');
const RUN = path.join(PKG, 'run.sh');
let tmp: string;
let expected: Map<string, Record<string, any>>;
let cliReport: any;

function run(mode: string, extra: string[] = []) {
  const r = spawnSync(RUN, [mode, ...extra], { encoding: 'utf8', env: { ...process.env, KHARDEN: BIN }, timeout: 120_000 });
  if (r.status !== 0) throw new Error(`run.sh ${mode} exited ${r.status}: ${r.stderr}`);
  return r;
}

beforeAll(async () => {
  assertBuilt();
  requireTool('kpt', ['version']);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kharden-kpt-'));
  // The plain CLI, same files, same profile file.
  const files = ['app.yaml', 'worker.yaml', 'harden.yaml'].map((f) => path.join(PKG, f));
  const report = path.join(tmp, 'cli-report.json');
  const cli = await kharden(['--profile', path.join(PKG, 'harden.yaml'), '--report', report, ...files], { cwd: ROOT });
  expect(cli.code, cli.stderr).toBe(0);
  expected = objectsOf(cli.stdout.toString('utf8'));
  cliReport = JSON.parse(fs.readFileSync(report, 'utf8'));
});

afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

function expectSameObjects(actual: Map<string, Record<string, any>>, ignore: string[] = []) {
  for (const k of ignore) actual.delete(k);
  expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
  for (const [k, v] of expected) expect(actual.get(k), k).toEqual(v);
}

describe('kpt fn render (Kptfile pipeline: mutators: - exec: kharden)', () => {
  test('gives the objects the CLI gives, and kpt records kharden\'s results', () => {
    const resultsDir = path.join(tmp, 'render-results');
    const r = run('render', ['--results-dir', resultsDir]);
    expect(r.stderr).toContain('[PASS] "kharden"');
    const objects = objectsOf(r.stdout);
    const kptfile = [...objects.keys()].find((k) => k.startsWith('kpt.dev/v1/Kptfile/'))!;
    expect(kptfile).toBeDefined();
    expectSameObjects(objects, [kptfile]);
    // Something was hardened (the comparison is not between two untouched copies).
    expect(objects.get('apps/v1/Deployment/shop/api')!.spec.template.spec.securityContext.runAsNonRoot).toBe(true);

    const results = YAML.parse(fs.readFileSync(path.join(resultsDir, 'results.yaml'), 'utf8'));
    const ours = results.items.find((i: any) => i.exec === 'kharden');
    expect(ours.exitCode).toBe(0);
    const edits = ours.results.filter((x: any) => x.tags?.op && x.tags.op !== 'generate');
    // One info result per edit the CLI reports, each pointing at resource, field and file; one per
    // resource it generated.
    expect(edits.length).toBe(cliReport.totals.edits);
    expect(cliReport.totals.generated).toBeGreaterThan(0);
    expect(ours.results.filter((x: any) => x.tags?.op === 'generate').length).toBe(cliReport.totals.generated);
    const privileged = edits.find((x: any) => x.tags.transform === 'disallow-privileged');
    expect(privileged).toMatchObject({
      severity: 'info',
      resourceRef: { apiVersion: 'batch/v1', kind: 'CronJob', name: 'cleanup', namespace: 'shop' },
      field: { path: 'spec.jobTemplate.spec.template.spec.containers[0].securityContext.privileged' },
      file: { path: 'worker.yaml' },
    });
    const findings = ours.results.filter((x: any) => x.tags?.code);
    const cliFindings = cliReport.resources.flatMap((res: any) => res.findings).length + cliReport.findings.length;
    expect(findings.length).toBe(cliFindings);
    expect(ours.results.some((x: any) => x.tags?.summary === 'true' && /profile harden/.test(x.message))).toBe(true);
  });
});

describe('kpt fn eval --exec kharden', () => {
  test('directory form: the package files are rewritten with the objects the CLI gives', () => {
    const r = run('eval');
    expect(r.stderr).toContain('[PASS] "kharden"');
    expectSameObjects(objectsOf(r.stdout));
  });

  test('directory form keeps the files\' comments that kpt itself keeps', () => {
    const r = run('eval');
    expect(r.stdout).toContain('# The API of a small shop: a Deployment and its Service.');
    expect(r.stdout).toContain('# nobody remembers why');
  });

  test('stdin form: a resource stream in, the hardened stream out', () => {
    const r = run('eval-stdin');
    const objects = objectsOf(r.stdout);
    // The stdin form gets the two resource files only, not the profile.
    expected.delete('kharden.dev/v1alpha1/Profile//harden');
    try {
      expectSameObjects(objects);
    } finally {
      expected.set('kharden.dev/v1alpha1/Profile//harden', objectsOf(fs.readFileSync(path.join(PKG, 'harden.yaml'), 'utf8')).values().next().value!);
    }
  });

  test('kpt -- key=value arguments reach kharden as a ConfigMap functionConfig', () => {
    const dir = path.join(tmp, 'configmap');
    fs.cpSync(PKG, dir, { recursive: true });
    const shimDir = path.join(tmp, 'bin');
    fs.mkdirSync(shimDir, { recursive: true });
    fs.writeFileSync(path.join(shimDir, 'kharden'), `#!/bin/sh\nexec ${JSON.stringify(BIN)} "$@"\n`, { mode: 0o755 });
    const resultsDir = path.join(tmp, 'configmap-results');
    const r = spawnSync('kpt', ['fn', 'eval', dir, '--exec', 'kharden', '--results-dir', resultsDir, '--', 'profile=baseline', 'disable=disallow-privileged'], {
      encoding: 'utf8',
      env: { ...process.env, PATH: `${shimDir}:${process.env.PATH}` },
    });
    expect(r.status, r.stderr).toBe(0);
    const worker = YAML.parse(fs.readFileSync(path.join(dir, 'worker.yaml'), 'utf8'));
    // baseline without disallow-privileged: the privileged container stays privileged.
    expect(worker.spec.jobTemplate.spec.template.spec.containers[0].securityContext.privileged).toBe(true);
    // The summary comes first, so kpt's truncated listing still shows it.
    expect(r.stderr).toMatch(/Results:\n\s+\[info\]:? kharden \(profile baseline \(functionConfig ConfigMap\/function-input\)\)/);
    expect(fs.readFileSync(path.join(resultsDir, 'results.yaml'), 'utf8')).not.toContain('disallow-privileged');
  });

  test('kpt fn render: a relative extends: in the functionConfig is relative to the config file, whatever the working directory', () => {
    const dir = path.join(tmp, 'relative');
    fs.cpSync(PKG, dir, { recursive: true });
    fs.mkdirSync(path.join(dir, 'profiles'));
    fs.writeFileSync(path.join(dir, 'profiles', 'team.yaml'), 'apiVersion: kharden.dev/v1alpha1\nkind: Profile\nmetadata:\n  name: team\n  annotations:\n    config.kubernetes.io/local-config: "true"\nextends: baseline\n');
    fs.writeFileSync(path.join(dir, 'harden.yaml'), fs.readFileSync(path.join(PKG, 'harden.yaml'), 'utf8').replace('extends: restricted', 'extends: profiles/team.yaml'));
    const r = spawnSync(RUN.replace(PKG, dir), ['render'], { encoding: 'utf8', cwd: os.tmpdir(), env: { ...process.env, KHARDEN: BIN } });
    expect(r.status, r.stderr).toBe(0);
    const deploy = objectsOf(r.stdout).get('apps/v1/Deployment/shop/api')!;
    // baseline underneath: no restricted-only runAsNonRoot, but the config's own memory limit.
    expect(deploy.spec.template.spec.securityContext?.runAsNonRoot).toBeUndefined();
    expect(deploy.spec.template.spec.containers[0].resources.limits.memory).toBe('256Mi');
  });

  test('a fatal error reaches kpt as an error result and a failed function', () => {
    const dir = path.join(tmp, 'broken');
    fs.cpSync(PKG, dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'harden.yaml'), fs.readFileSync(path.join(PKG, 'harden.yaml'), 'utf8').replace('id: set-memory-limits', 'id: set-memory-limitz'));
    const before = fs.readFileSync(path.join(dir, 'app.yaml'), 'utf8');
    const r = spawnSync(RUN.replace(PKG, dir), ['render'], { encoding: 'utf8', env: { ...process.env, KHARDEN: BIN } });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('[FAIL] "kharden"');
    expect(r.stderr).toContain('unknown transform "set-memory-limitz"');
    expect(fs.readFileSync(path.join(dir, 'app.yaml'), 'utf8')).toBe(before);
  });
});

test('the keys of objects are what kpt and the CLI both name', () => {
  expect(keyOf({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'api', namespace: 'shop' } })).toBe('v1/Service/shop/api');
  expect(execFileSync('bash', ['-n', RUN]).toString()).toBe('');
});
