/**
 * What a platform team meets running kharden every day, through the real binary: exclusions from
 * outside the manifest (profile and --exclude, also in post-renderer mode), checked annotations,
 * kustomize patch files left alone, a summary on stderr in every mode, --fail-on, empty input,
 * symbolic links counted once, node agents kept privileged.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import YAML from 'yaml';
import { assertBuilt, kharden, STACK_TRACE } from './spawn.js';
import type { RunOptions } from './spawn.js';

const PRIVILEGED_DS = `apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: csi-node
  namespace: storage
spec:
  selector:
    matchLabels: {app: csi-node}
  template:
    metadata:
      labels: {app: csi-node}
    spec:
      containers:
        - name: driver
          image: example.com/csi/driver:1.0
          securityContext:
            privileged: true
`;

const WEB = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  labels: {app: web, team: shop}
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: app
          image: example.com/web:2.1
`;

const CALICO = `apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: calico-node
  namespace: kube-system
spec:
  selector:
    matchLabels: {k8s-app: calico-node}
  template:
    metadata:
      labels: {k8s-app: calico-node}
    spec:
      hostNetwork: true
      containers:
        - name: calico-node
          image: docker.io/calico/node:v3.28.0
          securityContext:
            privileged: true
            capabilities:
              add: [NET_ADMIN]
          volumeMounts:
            - {name: lib-modules, mountPath: /lib/modules, readOnly: true}
      volumes:
        - name: lib-modules
          hostPath: {path: /lib/modules}
`;

let work: string;
const dirs: string[] = [];
beforeAll(() => assertBuilt());
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function tree(files: Record<string, string>): string {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'kharden-ops-'));
  dirs.push(work);
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(work, rel)), { recursive: true });
    fs.writeFileSync(path.join(work, rel), text);
  }
  return work;
}

async function run(args: string[], o: Partial<RunOptions> = {}) {
  const r = await kharden(args, { cwd: work, timeoutMs: 30_000, ...o });
  expect(r.timedOut).toBe(false);
  expect(STACK_TRACE.test(r.stderr), r.stderr).toBe(false);
  return { ...r, out: r.stdout.toString('utf8') };
}

const docs = (text: string) => YAML.parseAllDocuments(text).map((d) => d.toJS());

describe('every run says what it did', () => {
  test('a stdin run (the Helm post-renderer) over a privileged DaemonSet prints its findings on stderr; stdout is only YAML', async () => {
    tree({});
    const r = await run([], { stdin: PRIVILEGED_DS });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^kharden: 1 file\(s\), 1 changed; 1 resource\(s\) hardened/m);
    expect(r.stderr).toMatch(/warning <stdin>:\d+ DaemonSet storage\/csi-node: container driver set privileged: true; changed to false .*\[privilegedRemoved\]/);
    // The advice is given once per code, after the findings.
    expect(r.stderr.match(/privilegedRemoved: If the app needs host access/g)?.length).toBe(1);
    expect(() => docs(r.out)).not.toThrow();
    expect(docs(r.out)[0].spec.template.spec.containers[0].securityContext.privileged).toBe(false);
    const quiet = await run(['-q'], { stdin: PRIVILEGED_DS });
    expect(quiet.stderr).toBe('');
    expect(quiet.out).toBe(r.out);
  });

  test('--diff prints the summary too; the diff stays on stdout', async () => {
    tree({ 'web.yaml': WEB });
    const r = await run(['--diff', 'web.yaml']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Index: web\.yaml|^=+\n--- web\.yaml/m);
    expect(r.stderr).toMatch(/^kharden: 1 file\(s\), 1 would change/m);
  });

  test('the findings list is capped, pointing at --report for the rest', async () => {
    const many = Array.from({ length: 30 }, (_, i) => PRIVILEGED_DS.replace('name: csi-node\n', `name: csi-node-${i}\n`)).join('---\n');
    tree({ 'many.yaml': many });
    const r = await run(['many.yaml']);
    const lines = r.stderr.split('\n').filter((l) => /^\s+warning /.test(l));
    expect(lines.length).toBe(20);
    expect(r.stderr).toMatch(/… and \d+ more, see --report FILE/);
  });

  test('empty input gets a warning: an empty file, a comment-only file, stdin, a directory without manifests', async () => {
    tree({ 'empty.yaml': '', 'comments.yaml': '# nothing here\n', 'nothing/README.md': 'no manifests\n' });
    for (const f of ['empty.yaml', 'comments.yaml']) {
      const r = await run([f]);
      expect(r.code).toBe(0);
      expect(r.stderr).toMatch(new RegExp(`warning ${f}:1 \\(document 0\\): no YAML documents in this input`));
    }
    const s = await run([], { stdin: '' });
    expect(s.stderr).toContain('no YAML documents in this input');
    const d = await run(['nothing']);
    expect(d.code).toBe(0);
    expect(d.stderr).toContain('nothing: no manifests (*.yaml, *.yml, *.json) in this directory');
  });

  test('--in-place on a symbolic link and its target counts and writes one file', async () => {
    tree({ 'in/web.yaml': WEB });
    fs.symlinkSync('web.yaml', path.join(work, 'in/link.yaml'));
    const r = await run(['--in-place', 'in/web.yaml', 'in/link.yaml']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^kharden: 1 file\(s\), 1 rewritten/m);
    expect(fs.lstatSync(path.join(work, 'in/link.yaml')).isSymbolicLink()).toBe(true);
    expect(fs.readFileSync(path.join(work, 'in/web.yaml'), 'utf8')).toContain('runAsNonRoot: true');
  });
});

describe('--fail-on', () => {
  test('gates --check on what matters: a finding severity or a Pod Security level, besides changes', async () => {
    tree({ 'ds.yaml': PRIVILEGED_DS, 'calico.yaml': CALICO });
    // Already hardened output: nothing would change.
    const hardened = (await run(['-q', 'ds.yaml'])).out;
    fs.writeFileSync(path.join(work, 'hardened.yaml'), hardened);
    expect((await run(['--check', 'hardened.yaml'])).code).toBe(0);
    // The node agent stays privileged: a level condition catches it, and its error findings too.
    const calicoOut = (await run(['-q', 'calico.yaml'])).out;
    fs.writeFileSync(path.join(work, 'calico-hardened.yaml'), calicoOut);
    expect((await run(['--check', 'calico-hardened.yaml'])).code).toBe(0);
    expect((await run(['--check', '--fail-on', 'baseline', 'calico-hardened.yaml'])).code).toBe(1);
    expect((await run(['--check', '--fail-on', 'error', 'calico-hardened.yaml'])).code).toBe(1);
    expect((await run(['--check', '--fail-on', 'restricted', 'hardened.yaml'])).code).toBe(0);
    // Without --check, --fail-on still sets the exit code (after writing what was asked).
    const plain = await run(['--fail-on', 'warning', 'ds.yaml']);
    expect(plain.code).toBe(1);
    expect(plain.out).toContain('privileged: false');
    const bad = await run(['--check', '--fail-on', 'nope', 'ds.yaml']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--fail-on: unknown condition "nope"');
  });
});

describe('exemptions from outside the manifest', () => {
  test('--exclude spares a workload in post-renderer mode, and the report says so', async () => {
    tree({});
    const stream = `${WEB}---\n${PRIVILEGED_DS}`;
    const r = await run(['--exclude', 'kind=DaemonSet;namespace=storage;reason=CSI driver needs the host', '--report', 'report.json'], { stdin: stream });
    expect(r.code).toBe(0);
    const [web, ds] = docs(r.out);
    expect(ds.spec.template.spec.containers[0].securityContext).toEqual({ privileged: true });
    expect(web.spec.template.spec.securityContext.runAsNonRoot).toBe(true);
    const report = JSON.parse(fs.readFileSync(path.join(work, 'report.json'), 'utf8'));
    const res = report.resources.find((x: any) => x.kind === 'DaemonSet');
    expect(res.exemptions).toEqual([{ transform: 'all', by: 'exclude', where: '--exclude kind=DaemonSet;namespace=storage;reason=CSI driver needs the host', reason: 'CSI driver needs the host' }]);
    expect(res.findings.some((f: any) => f.code === 'skipped' && /exclude rule/.test(f.message))).toBe(true);
  });

  test('--exclude by image and transform exempts only that container from those transforms', async () => {
    tree({ 'web.yaml': WEB });
    const r = await run(['-q', '--exclude', 'image=example.com/web:*;transforms=read-only-root-filesystem', 'web.yaml']);
    const [web] = docs(r.out);
    const sc = web.spec.template.spec.containers[0].securityContext;
    expect(sc.readOnlyRootFilesystem).toBeUndefined();
    expect(sc.allowPrivilegeEscalation).toBe(false);
  });

  test('a profile exclude rule (map and one-line forms), with labels', async () => {
    tree({
      'web.yaml': WEB,
      'team.yaml': 'apiVersion: kharden.dev/v1alpha1\nkind: Profile\nname: team\nextends: restricted\nexclude:\n  - {labels: "team=shop", transforms: [run-as-non-root], reason: legacy image runs as root}\n  - "kind=CronJob;name=backup-*"\n',
    });
    const r = await run(['-q', '--profile', 'team.yaml', 'web.yaml']);
    const [web] = docs(r.out);
    expect(web.spec.template.spec.securityContext?.runAsNonRoot).toBeUndefined();
    expect(web.spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation).toBe(false);
  });

  test('bad exclude rules are usage errors naming the rule, the profile file and line', async () => {
    tree({ 'web.yaml': WEB, 'bad.yaml': 'apiVersion: kharden.dev/v1alpha1\nkind: Profile\nextends: restricted\nexclude:\n  - {kinds: [Deployment], transforms: [no-such-transform]}\n', 'bad2.yaml': 'extends: restricted\nexclude:\n  - {colour: red}\n' });
    const cli = await run(['--exclude', 'colour=red', 'web.yaml']);
    expect(cli.code).toBe(2);
    expect(cli.stderr).toContain('--exclude "colour=red": unknown field "colour"');
    const p = await run(['--profile', 'bad.yaml', 'web.yaml']);
    expect(p.code).toBe(2);
    expect(p.stderr).toContain('profile bad.yaml:5: exclude: unknown transform "no-such-transform"');
    const p2 = await run(['--profile', 'bad2.yaml', 'web.yaml']);
    expect(p2.code).toBe(2);
    expect(p2.stderr).toMatch(/profile bad2\.yaml:3:\d+: exclude: unknown key "colour"/);
  });

  test('a misspelt kharden.dev/ annotation, an unknown transform id and an unknown container name are warned about', async () => {
    const annotated = WEB.replace(
      '  labels: {app: web, team: shop}\n',
      '  labels: {app: web, team: shop}\n  annotations:\n    kharden.dev/skp: run-as-non-root\n    kharden.dev/skip: run-as-nonroot\n    kharden.dev/skip.sidecar: drop-all-capabilities\n',
    );
    tree({ 'web.yaml': annotated });
    const r = await run(['web.yaml']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('annotation kharden.dev/skp is not one kharden reads (a typo?); it has no effect [unknownAnnotation]');
    expect(r.stderr).toContain('annotation kharden.dev/skip names "run-as-nonroot", which is not a transform id (a typo?); it has no effect [unknownTransformId]');
    expect(r.stderr).toContain('annotation kharden.dev/skip.sidecar names container sidecar, which this pod does not have (containers: app); it has no effect [unknownAnnotationContainer]');
    // Typos do not exempt: the workload is hardened as if they were absent.
    expect(docs(r.out)[0].spec.template.spec.securityContext.runAsNonRoot).toBe(true);
  });
});

describe('node agents', () => {
  test('a CNI DaemonSet keeps privileged, its capabilities and its root user; the report says why', async () => {
    tree({ 'calico.yaml': CALICO });
    const r = await run(['--report', 'r.json', 'calico.yaml']);
    expect(r.code).toBe(0);
    const [ds] = docs(r.out);
    const c = ds.spec.template.spec.containers[0];
    expect(c.securityContext).toEqual({ privileged: true, capabilities: { add: ['NET_ADMIN'] } });
    expect(ds.spec.template.spec.securityContext).toBeUndefined();
    expect(c.resources.limits.memory).toBeDefined(); // an edit that cannot break it still applies
    expect(r.stderr).toMatch(/node agent: stays at Pod Security level privileged because of hostNamespaces \(hostNetwork=true\); hostPathVolumes/);
    const report = JSON.parse(fs.readFileSync(path.join(work, 'r.json'), 'utf8'));
    const res = report.resources.find((x: any) => x.kind === 'DaemonSet');
    expect(res.nodeAgent.checks.map((x: any) => x.check)).toEqual(['hostNamespaces', 'hostPathVolumes']);
    expect(res.pss).toMatchObject({ before: 'privileged', after: 'privileged' });
    // The advice names the exemption that exempts: a namespace that enforces privileged.
    expect(r.stderr).toContain('run it in a namespace labelled pod-security.kubernetes.io/enforce: privileged');
    expect(r.stderr).not.toContain('kharden.dev/skip: report-unfixable');
  });

  test('a profile with nodeAgents: harden restores the full edits', async () => {
    tree({ 'calico.yaml': CALICO, 'p.yaml': 'extends: restricted\nnodeAgents: harden\n' });
    const r = await run(['-q', '--profile', 'p.yaml', 'calico.yaml']);
    const c = docs(r.out)[0].spec.template.spec.containers[0];
    expect(c.securityContext.privileged).toBe(false);
    expect(c.securityContext.capabilities.drop).toEqual(['ALL']);
  });
});

describe('kustomize sources', () => {
  const KUSTOMIZATION = `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - deployment.yaml
patches:
  - path: patch-resources.yaml
patchesStrategicMerge:
  - patch-replicas.yaml
patchesJson6902:
  - target: {group: apps, version: v1, kind: Deployment, name: web}
    path: patch-json.yaml
`;
  const PATCH = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
        - name: app
          resources:
            limits: {cpu: 500m}
`;
  test('the files a kustomization names as patches are left untouched by --in-place, said once per file', async () => {
    tree({
      'base/kustomization.yaml': KUSTOMIZATION,
      'base/deployment.yaml': WEB,
      'base/patch-resources.yaml': PATCH,
      'base/patch-replicas.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec: {replicas: 3}\n',
      'base/patch-json.yaml': '- op: replace\n  path: /spec/replicas\n  value: 2\n',
    });
    const before = (f: string) => fs.readFileSync(path.join(work, 'base', f), 'utf8');
    const patches = ['patch-resources.yaml', 'patch-replicas.yaml', 'patch-json.yaml'].map((f) => [f, before(f)] as const);
    const r = await run(['--in-place', 'base']);
    expect(r.code).toBe(0);
    for (const [f, text] of patches) {
      expect(before(f), f).toBe(text);
      expect(r.stderr.split(`base/${f}:1`).length - 1, `${f} is named once`).toBe(1);
    }
    expect(r.stderr).toContain('named as a patch by base/kustomization.yaml: a partial object, left untouched; harden the built output instead (kustomize build base | kharden)');
    // The base itself is hardened.
    expect(before('deployment.yaml')).toContain('runAsNonRoot: true');
  });
});
