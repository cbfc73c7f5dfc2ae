/**
 * kharden as a kustomize legacy exec plugin under the real `kubectl kustomize
 * --enable-alpha-plugins` (kustomize v5.5 inside kubectl), through the example's run.sh: the same
 * hardened objects as the plain CLI with the same profile file on the stream kustomize hands the
 * plugin; plugin config errors fail the build with kharden's message; --install writes the plugin.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { assertBuilt, BIN, kharden, ROOT } from '../cli/spawn.js';
import { objectsOf, requireTool } from './objects.js';

const EXAMPLE = path.join(ROOT, 'examples/kustomize-plugin');
let tmp: string;

beforeAll(() => {
  assertBuilt();
  requireTool('kubectl', ['version', '--client']);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kharden-kustomize-'));
});

afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

function sh(cmd: string, args: string[], env: Record<string, string> = {}) {
  return spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 120_000 });
}

/** A copy of the example's base, optionally with its harden.yaml changed. */
function copyBase(name: string, edit?: (harden: string) => string): string {
  const dir = path.join(tmp, name);
  fs.cpSync(path.join(EXAMPLE, 'base'), dir, { recursive: true });
  if (edit) fs.writeFileSync(path.join(dir, 'harden.yaml'), edit(fs.readFileSync(path.join(dir, 'harden.yaml'), 'utf8')));
  return dir;
}

function installPlugin(): string {
  const home = path.join(tmp, 'plugins');
  if (!fs.existsSync(home)) {
    const r = sh(BIN, ['kustomize-plugin', '--install', home]);
    expect(r.status, r.stderr).toBe(0);
  }
  return home;
}

describe('kubectl kustomize --enable-alpha-plugins with the kharden plugin', () => {
  test('run.sh gives the objects the plain CLI gives on what kustomize hands the plugin', async () => {
    const r = sh(path.join(EXAMPLE, 'run.sh'), [], { KHARDEN: BIN });
    expect(r.status, r.stderr).toBe(0);
    const actual = objectsOf(r.stdout);

    // What kustomize gives the plugin: the same kustomization without the transformer.
    const plainDir = copyBase('plain');
    const k = path.join(plainDir, 'kustomization.yaml');
    fs.writeFileSync(k, fs.readFileSync(k, 'utf8').replace(/^transformers:\n(  - .*\n)+/m, ''));
    const built = sh('kubectl', ['kustomize', plainDir]);
    expect(built.status, built.stderr).toBe(0);
    const cli = await kharden(['-q', '--profile', path.join(EXAMPLE, 'base/harden.yaml')], { cwd: ROOT, stdin: built.stdout });
    expect(cli.code, cli.stderr).toBe(0);
    const expected = objectsOf(cli.stdout.toString('utf8'));

    expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [key, value] of expected) expect(actual.get(key), key).toEqual(value);
    // Hardened for real, with the profile's options: CHOWN kept, the redis opt-out honoured.
    const web = actual.get('apps/v1/Deployment/shop/web')!;
    expect(web.spec.template.spec.securityContext.runAsNonRoot).toBe(true);
    const redis = actual.get('apps/v1/StatefulSet/shop/redis')!;
    expect(redis.spec.template.spec.containers[0].resources).toBeUndefined();
    expect(redis.spec.template.spec.containers[0].securityContext.capabilities.drop).toEqual(['ALL']);
  });

  test('argsOneLiner in the plugin config passes kharden options (a report, relative to the kustomization)', () => {
    const dir = copyBase('report', (t) => t + 'argsOneLiner: --report hardening-report.json\n');
    const r = sh('kubectl', ['kustomize', '--enable-alpha-plugins', dir], { KUSTOMIZE_PLUGIN_HOME: installPlugin() });
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(fs.readFileSync(path.join(dir, 'hardening-report.json'), 'utf8'));
    expect(report.profile).toBe('harden');
    expect(report.totals.edits).toBeGreaterThan(0);
  });

  test('a bad plugin config fails the build with kharden\'s message', () => {
    const dir = copyBase('bad', (t) => t.replace('keep: [NET_BIND_SERVICE, CHOWN]', 'keep: NET_BIND_SERVICE'));
    const r = sh('kubectl', ['kustomize', '--enable-alpha-plugins', dir], { KUSTOMIZE_PLUGIN_HOME: installPlugin() });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('kharden: error: profile kustomize plugin config Profile/harden');
    expect(r.stderr).toContain('option keep: must be a list, found string');
    expect(r.stdout).toBe('');
  });

  test('bad resources fail the build naming the document and line', () => {
    const dir = copyBase('bad-resource');
    const web = path.join(dir, 'web.yaml');
    fs.writeFileSync(web, fs.readFileSync(web, 'utf8').replace('image: nginx:1.27', 'image: nginx:1.27\n          securityContext: "yes"'));
    const r = sh('kubectl', ['kustomize', '--enable-alpha-plugins', dir], { KUSTOMIZE_PLUGIN_HOME: installPlugin() });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/kharden: error: <stdin>:\d+:\d+ \(document \d\): \/spec\/template\/spec\/containers\/0\/securityContext must be a map/);
  });
});

describe('kharden kustomize-plugin --install', () => {
  test('writes an executable at <home>/kharden.dev/v1alpha1/profile/Profile that calls this kharden by absolute path', () => {
    const home = path.join(tmp, 'install-abs');
    const r = sh(BIN, ['kustomize-plugin', '--install', home]);
    expect(r.status, r.stderr).toBe(0);
    const plugin = path.join(home, 'kharden.dev/v1alpha1/profile/Profile');
    expect(r.stdout.split('\n')[0]).toBe(plugin);
    expect(fs.statSync(plugin).mode & 0o111).toBe(0o111);
    const script = fs.readFileSync(plugin, 'utf8');
    expect(script).toContain(`${process.execPath} ${path.join(ROOT, 'bin/kharden.js')} kustomize-plugin "$@"`);
  });

  test('--command makes it call a command from the PATH; without DIR it installs into $KUSTOMIZE_PLUGIN_HOME', () => {
    const home = path.join(tmp, 'install-env');
    const r = sh(BIN, ['kustomize-plugin', '--install', '--command', 'kharden'], { KUSTOMIZE_PLUGIN_HOME: home });
    expect(r.status, r.stderr).toBe(0);
    expect(fs.readFileSync(path.join(home, 'kharden.dev/v1alpha1/profile/Profile'), 'utf8')).toContain('\nexec kharden kustomize-plugin "$@"\n');
  });

  test('usage errors exit 2', () => {
    expect(sh(BIN, ['kustomize-plugin']).status).toBe(2);
    const r = sh(BIN, ['kustomize-plugin', '--install', '--bogus']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('unknown option --bogus');
    const missing = sh(BIN, ['kustomize-plugin', path.join(tmp, 'no-such-config.yaml')]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('cannot read the plugin config');
  });
});
