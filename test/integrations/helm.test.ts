/**
 * The Helm post-renderer contract, exactly as Helm drives it (Helm is not installable here):
 * Helm 3 runs an executable with the rendered stream on stdin and reads stdout; Helm 4 runs the
 * command of a `postrenderer/v1` plugin (runtime subprocess), with ${HELM_PLUGIN_DIR} expanded and
 * the --post-renderer-args appended. Inputs are real Helm-rendered charts from ../shared.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import YAML, { parseAllDocuments } from 'yaml';
import { assertBuilt, BIN, kharden, ROOT } from '../cli/spawn.js';

const PLUGIN_DIR = path.join(ROOT, 'helm-plugin');
const ADDONS = path.resolve(ROOT, '../shared/corpus/real/istio/samples/addons');
const haveCorpus = fs.existsSync(ADDONS);
if (!haveCorpus) console.warn(`skipping the Helm-rendered corpus checks: ${ADDONS} is absent (../shared is not part of the project)`);

/** Helm 4's plugin.yaml rules (internal/plugin: metadata_v1.go, metadata.go, subprocess_commands.go). */
const TOP_KEYS = ['apiVersion', 'name', 'type', 'runtime', 'version', 'sourceURL', 'config', 'runtimeConfig'];
const PLATFORM_COMMAND_KEYS = ['os', 'arch', 'command', 'args'];
const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$/;

let tmp: string;
beforeAll(() => {
  assertBuilt();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kharden-helm-'));
});
afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

/** What Helm 3 does: the post-renderer executable, stream on stdin, stdout read back. */
function helm3(stream: string, args: string[] = [], env: Record<string, string> = {}) {
  return spawnSync(BIN, args, { input: stream, encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 64 << 20 });
}

/** What Helm 4 does with a postrenderer/v1 subprocess plugin installed from helm-plugin/ (a symlink in HELM_PLUGINS). */
function helm4(stream: string, postRendererArgs: string[] = []) {
  const plugins = path.join(tmp, 'helm-plugins');
  const installed = path.join(plugins, 'kharden');
  if (!fs.existsSync(installed)) {
    fs.mkdirSync(plugins, { recursive: true });
    fs.symlinkSync(PLUGIN_DIR, installed);
  }
  const meta = YAML.parse(fs.readFileSync(path.join(installed, 'plugin.yaml'), 'utf8'));
  const env: Record<string, string> = { ...(process.env as Record<string, string>), HELM_PLUGIN_NAME: meta.name, HELM_PLUGIN_DIR: installed };
  const pc = meta.runtimeConfig.platformCommand.find((c: any) => (!c.os || c.os === process.platform) && !c.arch);
  const expand = (s: string) => s.replace(/\$\{(\w+)\}|\$(\w+)/g, (_m, a, b) => env[a ?? b] ?? '');
  const parts = pc.command.split(' ');
  const command = expand(parts[0]);
  const args = [...parts.slice(1).map(expand), ...(pc.args ?? []).map(expand), ...postRendererArgs];
  return spawnSync(command, args, { input: stream, encoding: 'utf8', env, maxBuffer: 64 << 20 });
}

function documents(text: string) {
  return parseAllDocuments(text, { version: '1.1' }).map((d) => {
    expect(d.errors).toEqual([]);
    return d.toJS();
  });
}

describe('Helm 4 plugin manifest (helm-plugin/plugin.yaml)', () => {
  const meta = YAML.parse(fs.readFileSync(path.join(PLUGIN_DIR, 'plugin.yaml'), 'utf8'));

  test('has the fields Helm 4 requires, with the values a postrenderer/v1 subprocess plugin needs', () => {
    expect(Object.keys(meta).filter((k) => !TOP_KEYS.includes(k))).toEqual([]);
    expect(meta.apiVersion).toBe('v1');
    expect(meta.name).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(meta.version).toMatch(SEMVER);
    expect(meta.version).toBe(JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version);
    expect(meta.type).toBe('postrenderer/v1');
    expect(meta.runtime).toBe('subprocess');
    expect(meta.config ?? {}).toEqual({});
    expect(Array.isArray(meta.runtimeConfig.platformCommand)).toBe(true);
    expect(meta.runtimeConfig.platformCommand.length).toBeGreaterThan(0);
    for (const pc of meta.runtimeConfig.platformCommand) {
      expect(Object.keys(pc).filter((k) => !PLATFORM_COMMAND_KEYS.includes(k))).toEqual([]);
      expect(typeof pc.command).toBe('string');
      // Helm splits the command on spaces and expands ${VAR}: the script must be where it says, executable.
      const script = pc.command.split(' ')[0].replace('${HELM_PLUGIN_DIR}', PLUGIN_DIR);
      expect(fs.statSync(script).mode & 0o111).toBe(0o111);
    }
  });
});

describe.skipIf(!haveCorpus)('real Helm-rendered charts (istio addons)', () => {
  const files = haveCorpus ? fs.readdirSync(ADDONS).filter((f) => f.endsWith('.yaml')).sort() : [];

  test.each(files)('%s: Helm 3 and Helm 4 get the same hardened manifests on stdout and nothing else', async (file) => {
    const stream = fs.readFileSync(path.join(ADDONS, file), 'utf8');
    const three = helm3(stream);
    expect(three.status, three.stderr).toBe(0);
    // The same bytes as the CLI on the file: the post-renderer is the CLI, not a variant of it.
    const cli = await kharden([path.join(ADDONS, file)], { cwd: ROOT });
    expect(three.stdout).toBe(cli.stdout.toString('utf8'));
    const four = helm4(stream);
    expect(four.status, four.stderr).toBe(0);
    expect(four.stdout).toBe(three.stdout);
    // Only manifests: every document of the input is there, in order, each # Source comment kept.
    const inDocs = documents(stream);
    const outDocs = documents(three.stdout);
    inDocs.forEach((d: any, i) => expect((outDocs[i] as any)?.kind).toBe(d?.kind));
    // After them, only what kharden generated (default-deny NetworkPolicies, a LimitRange for the
    // release's namespace), each marked as kharden's so a later run or a reviewer can tell.
    const generated = outDocs.slice(inDocs.length) as any[];
    expect(generated.length).toBeGreaterThan(0);
    for (const g of generated) {
      expect(['NetworkPolicy', 'LimitRange', 'ServiceAccount']).toContain(g.kind);
      expect(g.metadata.labels['app.kubernetes.io/managed-by']).toBe('kharden');
    }
    for (const source of stream.match(/^# Source: .*$/gm) ?? []) expect(three.stdout).toContain(source);
    // stderr: the run's summary only (Helm shows it); never an error.
    expect(three.stderr).toMatch(/^kharden: 1 file\(s\), \d+ changed; /);
    expect(three.stderr).not.toMatch(/kharden: (error|internal error)/);
    // Idempotent: Helm re-running the post-renderer on its own output changes nothing.
    expect(helm3(three.stdout).stdout).toBe(three.stdout);
  });

  test('releases sharing a namespace (the five addons all go to istio-system) each generate objects of their own, named for the release', () => {
    const owner = new Map<string, string>();
    for (const file of files) {
      const stream = fs.readFileSync(path.join(ADDONS, file), 'utf8');
      // jaeger.yaml carries no instance label: its objects keep kharden's plain names (pass --release for such charts).
      const instance = /app\.kubernetes\.io\/instance: (\S+)/.exec(stream)?.[1];
      const out = helm3(stream);
      const generated = documents(out.stdout).slice(documents(stream).length) as any[];
      expect(generated.length).toBeGreaterThan(0);
      for (const g of generated) {
        const key = `${g.kind}/${g.metadata.namespace ?? ''}/${g.metadata.name}`;
        // Helm refuses to install an object another release owns: no two releases may generate the same one.
        expect(owner.get(key), `${key} generated by ${file} and ${owner.get(key)}`).toBeUndefined();
        owner.set(key, file);
        if (g.metadata.name.startsWith('kharden-') && instance) expect(g.metadata.name.endsWith(`-${instance}`), g.metadata.name).toBe(true);
      }
      expect(out.stderr).not.toMatch(/kharden: (error|internal error)/);
    }
    expect(owner.size).toBeGreaterThan(files.length);
    // With the release given, a chart without instance labels gets release names too.
    const jaeger = helm3(fs.readFileSync(path.join(ADDONS, 'jaeger.yaml'), 'utf8'), ['--release=tracing']);
    expect(jaeger.stdout).toContain('name: kharden-default-deny-tracing\n');
  });

  test('a report is written only when asked: to a file, or as text on stderr; stdout is the same', () => {
    const stream = fs.readFileSync(path.join(ADDONS, 'prometheus.yaml'), 'utf8');
    const plain = helm3(stream);
    // Without --report: the short summary on stderr, no report.
    expect(plain.stderr).toMatch(/^kharden: 1 file\(s\)/);
    expect(plain.stderr).not.toContain('— profile restricted');
    const reportFile = path.join(tmp, 'report.json');
    const withFile = helm4(stream, [`--report=${reportFile}`]);
    expect(withFile.status, withFile.stderr).toBe(0);
    expect(withFile.stdout).toBe(plain.stdout);
    expect(JSON.parse(fs.readFileSync(reportFile, 'utf8')).totals.edits).toBeGreaterThan(0);
    const toStderr = helm3(stream, ['--report', '-']);
    expect(toStderr.stdout).toBe(plain.stdout);
    expect(toStderr.stderr).toMatch(/^kharden .* — profile restricted/);
  });
});

describe('options and errors as Helm passes them', () => {
  const RENDERED = `---
# Source: web/templates/serviceaccount.yaml
apiVersion: v1
kind: ServiceAccount
metadata:
  name: web
  annotations:
    postrenderer.helm.sh/postrender-filename: web/templates/serviceaccount.yaml
---
# Source: web/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  annotations:
    postrenderer.helm.sh/postrender-filename: web/templates/deployment.yaml
spec:
  template:
    spec:
      containers:
        - name: web
          image: "nginx:1.27"
          securityContext:
            privileged: true
---
# Source: web/templates/tests/empty.yaml
`;

  test('--post-renderer-args reach kharden (Helm 4 appends them to the plugin command; Helm 3 to the executable)', () => {
    for (const r of [helm4(RENDERED, ['--profile', 'baseline']), helm3(RENDERED, ['--profile=baseline'])]) {
      expect(r.status, r.stderr).toBe(0);
      const deploy = documents(r.stdout)[1] as any;
      expect(deploy.spec.template.spec.containers[0].securityContext.privileged).toBe(false);
      // baseline stops there: no restricted-only fields.
      expect(deploy.spec.template.spec.securityContext?.runAsNonRoot).toBeUndefined();
      // Helm 4's bookkeeping annotation survives, so Helm can split the stream back into files.
      expect(deploy.metadata.annotations['postrenderer.helm.sh/postrender-filename']).toBe('web/templates/deployment.yaml');
      expect(r.stdout).toContain('# Source: web/templates/tests/empty.yaml');
    }
  });

  test('invalid input: exit 2, nothing on stdout, a message naming the line on stderr (Helm 3 shows it)', () => {
    for (const r of [helm3(RENDERED.replace('privileged: true', 'privileged: true\n            privileged: false')), helm4('apiVersion: v1\nkind: Pod\nmetadata: {name: [}\n')]) {
      expect(r.status).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/^kharden: error: <stdin>:\d+:\d+ \(document \d\): /);
    }
  });

  test('the plugin script finds kharden through $KHARDEN_BIN, else the package it ships in', () => {
    const fake = path.join(tmp, 'fake-kharden');
    fs.writeFileSync(fake, '#!/bin/sh\necho "fake $*"\n', { mode: 0o755 });
    const viaEnv = spawnSync(path.join(PLUGIN_DIR, 'kharden-post-renderer.sh'), ['--profile', 'x'], { input: '', encoding: 'utf8', env: { ...process.env, KHARDEN_BIN: fake } });
    expect(viaEnv.stdout).toBe('fake --profile x\n');
    const version = spawnSync(path.join(PLUGIN_DIR, 'kharden-post-renderer.sh'), ['--version'], { encoding: 'utf8', env: { ...process.env, KHARDEN_BIN: '' } });
    expect(version.stdout.trim()).toBe(JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version);
  });
});
