/**
 * The CLI's modes, end to end through the real binary (`node bin/kharden.js`): stdout, stdin (the
 * Helm post-renderer contract), -o DIR, --in-place, --check, --diff, --report, --profile, usage errors.
 *
 * The built-in profiles grow as transforms are added, so these tests never pin the hardened bytes of
 * the default profile: they check what each mode promises (where output goes, exit codes, byte
 * identity of untouched input, order, idempotence, formats) against the CLI's own stdout mode.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { applyPatch, parsePatch } from 'diff';
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import YAML from 'yaml';
import { assertBuilt, kharden, ROOT, STACK_TRACE } from './spawn.js';
import type { RunOptions, RunResult } from './spawn.js';

// ---------------------------------------------------------------------------------------------
// Inputs.

const DEPLOYMENT = `# A web Deployment with no security context at all.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: app
          image: nginx:1.27   # trailing comment
          ports:
            - containerPort: 80
`;

const ESCALATING_POD = `apiVersion: v1
kind: Pod
metadata:
  name: escalating
spec:
  containers:
    - name: app
      image: registry.example.com/app:1.0
      securityContext:
        allowPrivilegeEscalation: true
        capabilities:
          add: [NET_BIND_SERVICE]
`;

/** Nothing here is a workload: every profile leaves it byte for byte. Odd styles on purpose. */
const CONFIGMAP = `# settings, hand-written
apiVersion: v1
kind: ConfigMap
metadata: { name: settings, annotations: {"note": 'single quoted'} }
data:
  script: |
    #!/bin/sh
    echo "hello"   
  flag: "yes"
  empty:
`;

const SERVICE = `apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 80}]`; // no trailing newline on purpose

const RENDERED_CHART = `---
# Source: web/templates/service.yaml
${SERVICE}
---
# Source: web/templates/deployment.yaml
${DEPLOYMENT}---
# Source: web/templates/configmap.yaml
${CONFIGMAP}`;

// ---------------------------------------------------------------------------------------------
// Helpers.

let work: string;
const dirs: string[] = [];

beforeAll(() => assertBuilt());
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function tree(files: Record<string, string>): string {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'kharden-cli-'));
  dirs.push(work);
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(work, rel)), { recursive: true });
    fs.writeFileSync(path.join(work, rel), text);
  }
  return work;
}

async function run(args: string[], o: Partial<RunOptions> = {}): Promise<RunResult & { out: string }> {
  const r = await kharden(args, { cwd: work, timeoutMs: 20_000, ...o });
  expect(r.timedOut, `kharden ${args.join(' ')} timed out`).toBe(false);
  expect(STACK_TRACE.test(r.stderr), `stack trace on stderr:\n${r.stderr}`).toBe(false);
  return { ...r, out: r.stdout.toString('utf8') };
}

const read = (rel: string) => fs.readFileSync(path.join(work, rel), 'utf8');

/** Every file under `dir`: relative path → bytes, mode and mtime. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (abs: string, rel: string) => {
    for (const n of fs.readdirSync(abs).sort()) {
      const st = fs.lstatSync(path.join(abs, n));
      const r = rel ? `${rel}/${n}` : n;
      if (st.isDirectory()) walk(path.join(abs, n), r);
      else out[r] = `${(st.mode & 0o7777).toString(8)} ${st.mtimeMs} ${fs.readFileSync(path.join(abs, n)).toString('base64')}`;
    }
  };
  walk(dir, '');
  return out;
}

function docs(text: string): any[] {
  const all = YAML.parseAllDocuments(text);
  for (const d of all) expect(d.errors, 'output must be valid YAML').toEqual([]);
  return all.map((d) => d.toJS());
}

const podSpecOf = (doc: any) => (doc.kind === 'Pod' ? doc.spec : doc.spec.template.spec);

function expectHardened(doc: any): void {
  for (const c of podSpecOf(doc).containers) {
    expect(c.securityContext?.allowPrivilegeEscalation, `${doc.kind} ${doc.metadata.name} ${c.name}`).toBe(false);
    expect(c.securityContext?.capabilities?.drop, `${doc.kind} ${doc.metadata.name} ${c.name}`).toContain('ALL');
  }
}

// ---------------------------------------------------------------------------------------------

describe('stdout mode', () => {
  test('a single file with nothing to change comes out byte-identical, with only the one-line summary on stderr (none with -q)', async () => {
    tree({ 'settings.yaml': CONFIGMAP, 'service.yaml': SERVICE });
    for (const f of ['settings.yaml', 'service.yaml']) {
      const r = await run([f]);
      expect(r.code).toBe(0);
      expect(r.out).toBe(read(f));
      expect(r.stderr).toBe('kharden: 1 file(s), 0 changed; 0 resource(s) hardened with 0 edit(s); findings: 0 error, 0 warning, 0 info\n');
      const q = await run(['-q', f]);
      expect(q.out).toBe(read(f));
      expect(q.stderr).toBe('');
    }
  });

  test('a file that needs edits is hardened on stdout; the file itself is not touched', async () => {
    tree({ 'web.yaml': DEPLOYMENT });
    const before = snapshot(work);
    const r = await run(['web.yaml']);
    expect(r.code).toBe(0);
    const [d] = docs(r.out);
    expectHardened(d);
    expect(r.out).toContain('image: nginx:1.27   # trailing comment');
    expect(r.out.startsWith('# A web Deployment with no security context at all.\napiVersion: apps/v1\n')).toBe(true);
    expect(snapshot(work)).toEqual(before);
  });

  test('hardened output is a fixed point: a second run prints it byte for byte', async () => {
    tree({ 'web.yaml': DEPLOYMENT, 'pod.yaml': ESCALATING_POD });
    for (const f of ['web.yaml', 'pod.yaml']) {
      const once = await run([f]);
      fs.writeFileSync(path.join(work, `hardened-${f}`), once.out);
      const twice = await run([`hardened-${f}`]);
      expect(twice.code).toBe(0);
      expect(twice.out).toBe(once.out);
    }
  });

  test('several files are joined into one stream with `---` where needed', async () => {
    const startsWithSeparator = `---\n${CONFIGMAP.replace('name: settings', 'name: third')}`;
    tree({ 'one.yaml': SERVICE, 'two.yaml': CONFIGMAP, 'three.yaml': startsWithSeparator });
    const r = await run(['one.yaml', 'two.yaml', 'three.yaml']);
    expect(r.code).toBe(0);
    // one.yaml lacks a final newline (added), two.yaml starts with a comment (gets `---`), three.yaml has its own `---`.
    expect(r.out).toBe(`${SERVICE}\n---\n${CONFIGMAP}${startsWithSeparator}`);
    expect(docs(r.out).map((d) => d.metadata.name)).toEqual(['web', 'settings', 'third']);
  });

  test('directories are read recursively in a sorted, stable order; other files are ignored', async () => {
    const cm = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n`;
    // Created out of order on purpose.
    const names = ['z.yaml', 'a.yml', 'B.yaml', 'a/y/deep.yaml', 'a-b.yaml', 'a/x.yaml', 'a.json'];
    const files: Record<string, string> = { 'notes.txt': 'not a manifest', 'README.md': '# no' };
    for (const n of names) files[`in/${n}`] = n.endsWith('.json') ? JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: n } }) + '\n' : cm(n);
    files['in/notes.txt'] = 'ignored';
    tree(files);
    const r = await run(['in']);
    expect(r.code).toBe(0);
    // Per directory, by UTF-16 code unit ("B" < "a"; a directory sorts by its own name).
    const order = ['B.yaml', 'a/x.yaml', 'a/y/deep.yaml', 'a-b.yaml', 'a.json', 'a.yml', 'z.yaml'];
    expect(docs(r.out).map((d) => d.metadata.name)).toEqual(order);
    const again = await run(['in']);
    expect(again.out).toBe(r.out);
    const report = await run(['--report', 'report.json', '-o', 'out', 'in']);
    expect(report.code).toBe(0);
    expect(JSON.parse(read('report.json')).files.map((f: any) => path.relative('in', f.file).split(path.sep).join('/'))).toEqual(order);
  });
});

describe('stdin (Helm post-renderer: `helm template … | kharden`)', () => {
  test('piped data with no arguments: hardened YAML on stdout and nothing else, exit 0', async () => {
    tree({ 'rendered.yaml': RENDERED_CHART });
    const fromFile = await run(['rendered.yaml']);
    const r = await run([], { stdin: RENDERED_CHART });
    expect(r.code).toBe(0);
    expect(r.out).toBe(fromFile.out);
    const out = docs(r.out).filter((d) => d !== null);
    expect(out.map((d) => d.kind)).toEqual(['Service', 'Deployment', 'ConfigMap']);
    expectHardened(out[1]);
    for (const c of ['# Source: web/templates/service.yaml', '# Source: web/templates/deployment.yaml', '# Source: web/templates/configmap.yaml']) expect(r.out).toContain(c);
    // The untouched documents keep their exact text.
    expect(r.out).toContain(SERVICE);
    expect(r.out).toContain(CONFIGMAP);
  });

  test('"-" reads stdin the same way', async () => {
    tree({});
    const bare = await run([], { stdin: DEPLOYMENT });
    const dash = await run(['-'], { stdin: DEPLOYMENT });
    expect(dash.code).toBe(0);
    expect(dash.out).toBe(bare.out);
    expectHardened(docs(dash.out)[0]);
    const unchanged = await run(['-'], { stdin: CONFIGMAP });
    expect(unchanged.out).toBe(CONFIGMAP);
  });

  test('"-" mixed with paths, and --in-place on stdin, are usage errors', async () => {
    tree({ 'a.yaml': CONFIGMAP });
    const mixed = await run(['-', 'a.yaml'], { stdin: CONFIGMAP });
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toMatch(/^kharden: error: "-" \(stdin\) cannot be mixed with paths/m);
    const inPlace = await run(['--in-place', '-'], { stdin: CONFIGMAP });
    expect(inPlace.code).toBe(2);
    expect(inPlace.stderr).toMatch(/^kharden: error: --in-place needs files/m);
    expect(mixed.out + inPlace.out).toBe('');
  });
});

describe('-o DIR', () => {
  test('writes a mirrored tree of every input (changed or not), creating directories; inputs untouched', async () => {
    tree({
      'in/web.yaml': DEPLOYMENT,
      'in/nested/settings.yml': CONFIGMAP,
      'in/nested/deeper/pod.json': JSON.stringify(YAML.parse(ESCALATING_POD), null, 2) + '\n',
      'in/nested/deeper/service.yaml': SERVICE,
      'in/notes.txt': 'not a manifest',
    });
    const before = snapshot(path.join(work, 'in'));
    const r = await run(['-o', 'out/hardened', 'in']);
    expect(r.code).toBe(0);
    expect(r.out).toBe('');
    expect(snapshot(path.join(work, 'in'))).toEqual(before);
    expect(Object.keys(snapshot(path.join(work, 'out/hardened'))).sort()).toEqual(['nested/deeper/pod.json', 'nested/deeper/service.yaml', 'nested/settings.yml', 'web.yaml']);
    expect(read('out/hardened/nested/settings.yml')).toBe(CONFIGMAP);
    expect(read('out/hardened/nested/deeper/service.yaml')).toBe(SERVICE);
    for (const f of ['web.yaml', 'nested/deeper/pod.json']) {
      const stdout = await run([`in/${f}`]);
      expect(read(`out/hardened/${f}`), f).toBe(stdout.out);
    }
    expectHardened(docs(read('out/hardened/nested/deeper/pod.json'))[0]);
    expect(r.stderr).toMatch(/^kharden: 4 file\(s\), 2 changed → out\/hardened;/m);
  });

  test('two file arguments with the same name would collide in DIR: exit 2, nothing written', async () => {
    tree({ 'a/web.yaml': DEPLOYMENT, 'b/web.yaml': DEPLOYMENT });
    const r = await run(['-o', 'out', 'a/web.yaml', 'b/web.yaml']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^kharden: error: two inputs would be written to out\/web\.yaml/m);
    expect(fs.existsSync(path.join(work, 'out'))).toBe(false);
  });
});

describe('--in-place', () => {
  test('rewrites only files that change, keeps their permissions, leaves no temp files; a second run touches nothing', async () => {
    tree({ 'in/web.yaml': DEPLOYMENT, 'in/sub/pod.yaml': ESCALATING_POD, 'in/settings.yaml': CONFIGMAP });
    fs.chmodSync(path.join(work, 'in/web.yaml'), 0o640);
    const expected = { web: (await run(['in/web.yaml'])).out, pod: (await run(['in/sub/pod.yaml'])).out };
    const before = snapshot(path.join(work, 'in'));
    const r = await run(['--in-place', 'in']);
    expect(r.code).toBe(0);
    expect(r.out).toBe('');
    expect(r.stderr).toMatch(/^kharden: 3 file\(s\), 2 rewritten;/m);
    const after = snapshot(path.join(work, 'in'));
    expect(Object.keys(after).sort()).toEqual(['settings.yaml', 'sub/pod.yaml', 'web.yaml']);
    expect(after['settings.yaml']).toBe(before['settings.yaml']);
    expect(read('in/web.yaml')).toBe(expected.web);
    expect(read('in/sub/pod.yaml')).toBe(expected.pod);
    expect(fs.statSync(path.join(work, 'in/web.yaml')).mode & 0o777).toBe(0o640);
    const again = await run(['--in-place', 'in']);
    expect(again.code).toBe(0);
    expect(snapshot(path.join(work, 'in'))).toEqual(after);
  });
});

describe('--check', () => {
  test('exit 1 when anything would change, naming the files; writes nothing, prints no YAML', async () => {
    tree({ 'in/web.yaml': DEPLOYMENT, 'in/settings.yaml': CONFIGMAP });
    const before = snapshot(work);
    const r = await run(['--check', 'in']);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.stderr).toContain(`would change: ${path.join('in', 'web.yaml')}`);
    expect(r.stderr).not.toContain('would change: in/settings.yaml');
    expect(snapshot(work)).toEqual(before);
  });

  test('--check and --diff write nothing, so --in-place and -o with them are refused (exit 2), not silently ignored', async () => {
    tree({ 'in/web.yaml': DEPLOYMENT });
    const before = snapshot(work);
    for (const mode of ['--check', '--diff']) {
      for (const extra of [['--in-place'], ['-o', 'out']]) {
        const r = await run([mode, ...extra, 'in']);
        expect(r.code, `${mode} ${extra.join(' ')}`).toBe(2);
        expect(r.stderr).toMatch(/writes nothing|prints what would change/);
        expect(r.out).toBe('');
        expect(snapshot(work)).toEqual(before);
      }
    }
  });

  test('exit 0 on already hardened output and on input with nothing to change', async () => {
    tree({ 'web.yaml': DEPLOYMENT, 'settings.yaml': CONFIGMAP });
    fs.writeFileSync(path.join(work, 'hardened.yaml'), (await run(['web.yaml'])).out);
    for (const f of ['hardened.yaml', 'settings.yaml']) {
      const r = await run(['--check', f]);
      expect(r.code, f).toBe(0);
      expect(r.out).toBe('');
    }
    const piped = await run(['--check', '-'], { stdin: read('hardened.yaml') });
    expect(piped.code).toBe(0);
  });
});

describe('--diff', () => {
  test('prints a unified diff per changed file that parsePatch reads and that applies to give the hardened file', async () => {
    tree({ 'web.yaml': DEPLOYMENT, 'pod.yaml': ESCALATING_POD, 'settings.yaml': CONFIGMAP });
    const r = await run(['--diff', 'pod.yaml', 'settings.yaml', 'web.yaml']);
    expect(r.code).toBe(0);
    const patches = parsePatch(r.out);
    expect(patches.map((p) => p.oldFileName)).toEqual(['pod.yaml', 'web.yaml']);
    for (const p of patches) {
      expect(p.newFileName).toBe(p.oldFileName);
      expect(p.hunks.length).toBeGreaterThan(0);
      const file = p.oldFileName!;
      const applied = applyPatch(read(file), p);
      expect(applied, `${file}: patch applies`).not.toBe(false);
      expect(applied).toBe((await run([file])).out);
    }
  });

  test('prints nothing when nothing changes; with --check it still exits 1 on changes', async () => {
    tree({ 'web.yaml': DEPLOYMENT, 'settings.yaml': CONFIGMAP });
    const none = await run(['--diff', 'settings.yaml']);
    expect(none.code).toBe(0);
    expect(none.out).toBe('');
    const check = await run(['--diff', '--check', 'web.yaml']);
    expect(check.code).toBe(1);
    expect(parsePatch(check.out)).toHaveLength(1);
  });
});

describe('--report', () => {
  test('FILE.json: valid JSON with every edit (transform, path, previous, value, reason) and totals', async () => {
    tree({ 'pod.yaml': ESCALATING_POD, 'web.yaml': DEPLOYMENT, 'settings.yaml': CONFIGMAP });
    const plain = await run(['pod.yaml', 'settings.yaml', 'web.yaml']);
    const r = await run(['--report', 'out/report.json', 'pod.yaml', 'settings.yaml', 'web.yaml']);
    expect(r.code).toBe(0);
    expect(r.out).toBe(plain.out);
    const report = JSON.parse(read('out/report.json'));
    expect(report.tool).toBe('kharden');
    expect(report.profile).toBe('restricted');
    expect(report.files).toEqual([
      { file: 'pod.yaml', changed: true, documents: 1 },
      { file: 'settings.yaml', changed: false, documents: 1 },
      { file: 'web.yaml', changed: true, documents: 1 },
    ]);
    const edited = report.resources.filter((res: any) => res.edits.length > 0);
    expect(edited.map((res: any) => `${res.file} ${res.kind} ${res.name}`)).toEqual(['pod.yaml Pod escalating', 'web.yaml Deployment web']);
    let count = 0;
    for (const res of report.resources) {
      for (const e of res.edits) {
        count++;
        expect(typeof e.transform).toBe('string');
        expect(e.path).toMatch(/^\//);
        expect(typeof e.reason).toBe('string');
        expect(e.reason.length).toBeGreaterThan(0);
        expect(e.line).toBeGreaterThan(0);
        if (e.op !== 'remove') expect(e).toHaveProperty('value');
        if (e.op === 'replace' || e.op === 'remove') expect(e).toHaveProperty('previous');
      }
    }
    const ape = report.resources[0].edits.find((e: any) => e.path === '/spec/containers/0/securityContext/allowPrivilegeEscalation');
    expect(ape).toMatchObject({ transform: 'disallow-privilege-escalation', op: 'replace', previous: true, value: false, line: 10 });
    expect(report.totals.files).toBe(3);
    expect(report.totals.filesChanged).toBe(2);
    expect(report.totals.edits).toBe(count);
    expect(report.totals.resourcesChanged).toBe(2);
    expect(Object.values(report.totals.byTransform as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(count);
  });

  test('"-" writes the text report on stderr; stdout stays exactly the YAML; other names get text', async () => {
    tree({ 'pod.yaml': ESCALATING_POD });
    const plain = await run(['pod.yaml']);
    const r = await run(['--report', '-', 'pod.yaml']);
    expect(r.code).toBe(0);
    expect(r.out).toBe(plain.out);
    expect(r.stderr).toMatch(/profile restricted/);
    expect(r.stderr).toContain('pod.yaml [document 0] Pod escalating');
    expect(r.stderr).toMatch(/\/spec\/containers\/0\/securityContext\/allowPrivilegeEscalation \(line 10\): true → false\s+\[disallow-privilege-escalation\]/);
    const txt = await run(['--report', 'report.txt', 'pod.yaml']);
    expect(txt.code).toBe(0);
    expect(read('report.txt')).toContain('pod.yaml [document 0] Pod escalating');
    expect(() => JSON.parse(read('report.txt'))).toThrow();
  });
});

describe('--profile', () => {
  test('baseline: its name in the report, and none of the restricted-only edits', async () => {
    tree({ 'web.yaml': DEPLOYMENT });
    const r = await run(['--profile', 'baseline', '--report', 'r.json', 'web.yaml']);
    expect(r.code).toBe(0);
    const report = JSON.parse(read('r.json'));
    expect(report.profile).toBe('baseline');
    const transforms = new Set(report.resources.flatMap((res: any) => res.edits.map((e: any) => e.transform)));
    expect(transforms.has('set-seccomp-runtime-default')).toBe(true);
    for (const restrictedOnly of ['drop-all-capabilities', 'run-as-non-root']) expect(transforms.has(restrictedOnly), restrictedOnly).toBe(false);
    const restricted = await run(['web.yaml']);
    expect(r.out).not.toBe(restricted.out);
  });

  test('./my-profile.yaml extending restricted with an option set', async () => {
    tree({
      'pod.yaml': ESCALATING_POD,
      'my-profile.yaml': `apiVersion: kharden.dev/v1alpha1
kind: Profile
name: my-team
extends: restricted
transforms:
  - id: drop-all-capabilities
    options:
      keep: []   # not even NET_BIND_SERVICE
`,
    });
    const restricted = await run(['--report', 'restricted.json', 'pod.yaml']);
    const mine = await run(['--profile', './my-profile.yaml', '--report', 'mine.json', 'pod.yaml']);
    expect(mine.code).toBe(0);
    const caps = (out: string) => docs(out)[0].spec.containers[0].securityContext.capabilities;
    expect(caps(restricted.out).add).toEqual(['NET_BIND_SERVICE']);
    expect(caps(mine.out).add).toBeUndefined();
    expect(caps(mine.out).drop).toEqual(['ALL']);
    expect(JSON.parse(read('mine.json')).profile).toBe('my-team');
    // Everything else restricted does still happens.
    expectHardened(docs(mine.out)[0]);
    const others = (f: string) => new Set(JSON.parse(read(f)).resources.flatMap((res: any) => res.edits.map((e: any) => e.transform)));
    expect(others('mine.json')).toEqual(others('restricted.json'));
  });

  test('a profile naming an unknown transform: exit 2, naming the profile file and line', async () => {
    tree({
      'web.yaml': DEPLOYMENT,
      'my-profile.yaml': `apiVersion: kharden.dev/v1alpha1
kind: Profile
name: broken
extends: restricted
transforms:
  - id: drop-all-capabilities
  - id: no-such-transform
`,
    });
    const r = await run(['--profile', './my-profile.yaml', 'web.yaml']);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.stderr).toMatch(/^kharden: error: profile my-profile\.yaml:7: unknown transform "no-such-transform"/m);
  });

  test('an unknown built-in profile name: exit 2', async () => {
    tree({ 'web.yaml': DEPLOYMENT });
    const r = await run(['--profile', 'strictest', 'web.yaml']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^kharden: error: unknown profile "strictest" \(built-in: .*baseline.*restricted/m);
  });
});

describe('usage', () => {
  test('an unknown flag: exit 2 with a kharden error, nothing on stdout', async () => {
    tree({ 'web.yaml': DEPLOYMENT });
    const r = await run(['--bogus', 'web.yaml']);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.stderr).toMatch(/^kharden: error: unknown option '--bogus'/m);
  });

  test('--in-place with -o, a missing path, a missing option value: exit 2', async () => {
    tree({ 'web.yaml': DEPLOYMENT });
    const before = snapshot(work);
    const cases: [string[], RegExp][] = [
      [['--in-place', '-o', 'out', 'web.yaml'], /^kharden: error: --in-place and --output cannot be used together/m],
      [['nope.yaml'], /^kharden: error: nope\.yaml: cannot read: no such file or directory/m],
      [['web.yaml', '--profile'], /^kharden: error: option '-p, --profile <name\|file>' argument missing/m],
    ];
    for (const [args, message] of cases) {
      const r = await run(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.out).toBe('');
    }
    expect(snapshot(work)).toEqual(before);
  });

  test('--version and --help exit 0 on stdout', async () => {
    tree({});
    const v = await run(['--version']);
    expect(v.code).toBe(0);
    expect(v.out.trim()).toBe(JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version);
    const h = await run(['--help']);
    expect(h.code).toBe(0);
    expect(h.out).toContain('Usage: kharden');
    // The exit codes and the annotation keys are in the help, not only in the README.
    expect(h.out).toMatch(/Exit codes: 0 done · 1 --check found changes, or a --fail-on condition held · 2 bad input or usage/);
    expect(h.out).toContain('kharden.dev/skip.<container>');
  });
});

describe('progress and summary on a terminal', () => {
  // A real pseudo-terminal, from util-linux `script`: the bar is drawn only when stderr is a TTY.
  const haveScript = fs.existsSync('/usr/bin/script');
  const onTerminal = (args: string[]) => {
    const command = [process.execPath, path.join(ROOT, 'bin/kharden.js'), ...args].map((a) => `'${a}'`).join(' ');
    // CI turns the bar off (test/report/cli-reports.test.ts checks that); this test is about a person's terminal.
    const { CI: _ci, ...env } = process.env;
    return execFileSync('/usr/bin/script', ['-qefc', command, '/dev/null'], { cwd: work, encoding: 'utf8', timeout: 20_000, env });
  };

  test.skipIf(!haveScript)(haveScript ? 'several files: a bar that reaches n/n, cleared before the summary line' : 'SKIPPED: /usr/bin/script (util-linux) is absent', async () => {
    tree({ 'in/a.yaml': DEPLOYMENT, 'in/b.yaml': ESCALATING_POD, 'in/c.yaml': CONFIGMAP });
    const screen = onTerminal(['-o', 'out', 'in']);
    expect(screen).toMatch(/\r\[#{30}\] 3\/3 in\/c\.yaml/);
    // The bar is wiped (spaces over it) before the one summary line.
    expect(screen).toMatch(/\r {80}\rkharden: 3 file\(s\), 2 changed → out; /);
    const quiet = onTerminal(['--no-progress', '-o', 'out2', 'in']);
    expect(quiet).not.toContain('[#');
    expect(quiet).toMatch(/^kharden: 3 file\(s\), 2 changed → out2; /m);
  });

  test('not a terminal: no bar, only the summary line', async () => {
    tree({ 'in/a.yaml': DEPLOYMENT, 'in/b.yaml': ESCALATING_POD, 'in/c.yaml': CONFIGMAP });
    const r = await run(['-o', 'out', 'in']);
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain('[#');
    expect(r.stderr).not.toContain('\r');
    expect(r.stderr).toMatch(/^kharden: 3 file\(s\), 2 changed → out; /m);
  });
});
