/**
 * Exec plugins in the chain, through the real CLI: a profile lists an external program among the
 * built-in transforms; it runs in chain order with the KRM protocol, its changes are edits
 * attributed to it in the report, what it adds is generated like any generated resource, and a
 * plugin that fails, hangs, drops a resource or prints garbage stops the run with nothing written.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import YAML from 'yaml';
import { assertBuilt, kharden } from '../cli/spawn.js';
import { EXEC_PLUGINS, execPluginProfile } from '../helpers/exec-profile.js';

const PLUGINS = EXEC_PLUGINS;
const WEB = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: app
          image: example.com/web:1
`;

let work: string;
beforeAll(() => assertBuilt());
afterEach(() => fs.rmSync(work, { recursive: true, force: true }));

function setup(plugin: string, more = ''): void {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'kharden-exec-'));
  fs.mkdirSync(path.join(work, 'in'));
  fs.writeFileSync(path.join(work, 'in/web.yaml'), WEB);
  fs.writeFileSync(path.join(work, 'profile.yaml'), execPluginProfile(plugin, more));
}

describe('exec plugins in the chain', () => {
  test('a plugin that adds a label: its edits are attributed to it in the report, its results are findings, what it adds is generated', async () => {
    setup('add-label.mjs', '      args: [--add-policy]\n');
    const r = await kharden(['--profile', 'profile.yaml', '--report', 'r.json', '-o', 'out', 'in'], { cwd: work, timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    const out = YAML.parseAllDocuments(fs.readFileSync(path.join(work, 'out/web.yaml'), 'utf8')).map((d) => d.toJS());
    expect(out[0].metadata.labels).toEqual({ team: 'web' });
    expect(out[0].spec.template.spec.securityContext.runAsNonRoot).toBe(true); // the built-in transforms ran too
    const report = JSON.parse(fs.readFileSync(path.join(work, 'r.json'), 'utf8'));
    const web = report.resources.find((x: any) => x.kind === 'Deployment');
    expect(web.edits.filter((e: any) => e.transform === 'team-label').map((e: any) => [e.op, e.path, e.value])).toEqual([['add', '/metadata/labels', { team: 'web' }]]);
    // The plugin runs after the built-in stream transforms: it is handed the Deployment and what they
    // generated for namespace shop (default-deny NetworkPolicies, a LimitRange, the Deployment's own ServiceAccount), and adds its own.
    const builtIn = report.generated.filter((g: any) => g.transform !== 'team-label');
    expect(builtIn.map((g: any) => g.kind).sort()).toEqual(['LimitRange', 'NetworkPolicy', 'NetworkPolicy', 'NetworkPolicy', 'ServiceAccount']);
    const execResults = report.findings.filter((f: any) => f.transform === 'team-label' && f.code === 'execResult').map((f: any) => f.message);
    expect(execResults).toEqual([`labelled ${1 + builtIn.length + 1} item(s)`]);
    expect(report.generated.filter((g: any) => g.transform === 'team-label')).toEqual([expect.objectContaining({ kind: 'NetworkPolicy', name: 'default-deny', transform: 'team-label', file: path.join('out', 'kharden-generated.yaml') })]);
    const generated = YAML.parseAllDocuments(fs.readFileSync(path.join(work, 'out/kharden-generated.yaml'), 'utf8')).map((d) => d.toJS());
    expect(generated.find((g: any) => g.metadata.name === 'default-deny').metadata.labels).toEqual({ 'app.kubernetes.io/managed-by': 'kharden' });
    // What the built-in transforms generated went through the plugin too: it carries the plugin's label.
    for (const g of generated.filter((x: any) => x.metadata.name !== 'default-deny')) expect(g.metadata.labels).toEqual({ 'app.kubernetes.io/managed-by': 'kharden', team: 'web' });
  });

  test.each([
    ['exit-1.mjs', '', /exec plugin team-label \(profile profile\.yaml:\d+\): exited with code 1/],
    ['hang.mjs', '      timeoutSeconds: 1\n', /exec plugin team-label .*did not finish within 1s/],
    ['drop.mjs', '', /exec plugin team-label .*dropped 1 resource\(s\) it was given: Deployment shop\/web/],
    ['garbage.mjs', '', /exec plugin team-label .*not a ResourceList/],
  ])('%s stops the run with exit 2 and writes nothing', async (plugin, more, message) => {
    setup(plugin, more);
    const before = fs.readFileSync(path.join(work, 'in/web.yaml'), 'utf8');
    for (const mode of [['-o', 'out'], ['--in-place']]) {
      const r = await kharden(['--profile', 'profile.yaml', ...mode, 'in'], { cwd: work, timeoutMs: 60_000 });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toContain('nothing was written');
      expect(fs.existsSync(path.join(work, 'out'))).toBe(false);
      expect(fs.readFileSync(path.join(work, 'in/web.yaml'), 'utf8')).toBe(before);
    }
  });

  test('exec entries come only from the profile the user passes, never from annotations in the manifests', async () => {
    setup('add-label.mjs');
    const annotated = WEB.replace('  namespace: shop\n', `  namespace: shop\n  annotations:\n    config.kubernetes.io/function: |\n      exec: {path: ${path.join(PLUGINS, 'exit-1.mjs')}}\n`);
    fs.writeFileSync(path.join(work, 'in/web.yaml'), annotated);
    const r = await kharden(['-q', 'in'], { cwd: work, timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    const docs = YAML.parseAllDocuments(r.stdout.toString()).map((d) => d.toJS());
    expect(docs[0].kind).toBe('Deployment');
    expect(docs[0].metadata.labels).toBeUndefined();
  });
});
