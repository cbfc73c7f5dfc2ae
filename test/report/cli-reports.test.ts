/**
 * The terminal side of reports, through the real binary: --report repeated, formats from the
 * extension or --report-format, refusals (exit 2, nothing written), --sarif-edits; and what stderr
 * shows: a progress bar and colours only on a terminal, never in CI, with NO_COLOR or --no-color.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { assertBuilt, kharden, ROOT } from '../cli/spawn.js';
import { formatFromPath, parseFormat } from '../../src/report/render.js';
import { planReports } from '../../src/cli/reports.js';
import { colorAllowed, inCi, paint, progressAllowed } from '../../src/cli/terminal.js';
import { UsageError } from '../../src/lib/errors.js';

const POD = `apiVersion: v1
kind: Pod
metadata:
  name: escalating
spec:
  hostNetwork: true
  containers:
    - name: app
      image: registry.example.com/app:1.0
      securityContext:
        allowPrivilegeEscalation: true
`;
const CM = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  a: b\n';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kharden-cli-reports-'));
beforeAll(() => {
  assertBuilt();
  fs.mkdirSync(path.join(work, 'in'));
  fs.writeFileSync(path.join(work, 'in/pod.yaml'), POD);
  fs.writeFileSync(path.join(work, 'in/cm.yaml'), CM);
  fs.writeFileSync(path.join(work, 'in/z.yaml'), POD.replace('escalating', 'other'));
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

const run = (args: string[], env: Record<string, string> = {}) => kharden(args, { cwd: work, env, timeoutMs: 30_000 });
const read = (f: string) => fs.readFileSync(path.join(work, f), 'utf8');

describe('formats', () => {
  test.each([
    ['r.json', 'json'],
    ['r.sarif', 'sarif'],
    ['results.sarif.json', 'sarif'],
    ['R.SARIF', 'sarif'],
    ['comment.md', 'markdown'],
    ['comment.markdown', 'markdown'],
    ['report.html', 'html'],
    ['report.htm', 'html'],
    ['report.txt', 'text'],
    ['report', undefined],
    ['report.log', undefined],
    ['-', undefined],
  ])('%s → %s', (file, format) => expect(formatFromPath(file)).toBe(format));

  test('--report-format names', () => {
    expect(['text', 'json', 'sarif', 'markdown', 'md', 'html', 'HTML'].map(parseFormat)).toEqual(['text', 'json', 'sarif', 'markdown', 'markdown', 'html', 'html']);
    expect(parseFormat('xml')).toBeUndefined();
  });

  test('plan: extension first, then --report-format, then text; contradictions and repeats refused', () => {
    expect(planReports(['a.json', 'b', '-'], 'sarif')).toEqual([
      { target: 'a.json', format: 'json' },
      { target: 'b', format: 'sarif' },
      { target: '-', format: 'sarif' },
    ]);
    expect(planReports(['b', 'c.log'])).toEqual([
      { target: 'b', format: 'text' },
      { target: 'c.log', format: 'text' },
    ]);
    expect(planReports([], undefined)).toEqual([]);
    expect(() => planReports(['a.json'], 'html')).toThrow(/extension says json, but --report-format says html, and no other --report path lacks a known extension/);
    expect(() => planReports(['a.html', 'b.json'], 'html')).toThrow(/--report b\.json: its extension says json/);
    expect(planReports(['a.html'], 'html')).toEqual([{ target: 'a.html', format: 'html' }]);
    expect(() => planReports(['a'], 'yaml')).toThrow(/not a report format; use one of text, json, sarif, markdown, html/);
    expect(() => planReports(['x/a.md', 'x/../x/a.md'])).toThrow(UsageError);
    expect(() => planReports([], 'json')).toThrow(/--report-format needs --report FILE/);
  });
});

describe('--report, repeated', () => {
  test('five reports of one run, each in its format, from the same report; stdout unchanged', async () => {
    const plain = await run(['in']);
    const r = await run(['--report', 'o/r.json', '--report', 'o/r.sarif', '--report', 'o/r.md', '--report', 'o/r.html', '--report', 'o/comment', '--report-format', 'markdown', 'in']);
    expect(r.code).toBe(0);
    expect(r.stdout.equals(plain.stdout)).toBe(true);
    const json = JSON.parse(read('o/r.json'));
    const sarif = JSON.parse(read('o/r.sarif'));
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.runs[0].results).toHaveLength(json.resources.reduce((n: number, res: any) => n + res.findings.length, 0));
    expect(read('o/r.md')).toMatch(/^## kharden: 2 resources hardened in 2 files/);
    expect(read('o/comment')).toBe(read('o/r.md'));
    expect(read('o/r.html')).toMatch(/^<!doctype html>/);
    expect(json.transforms.map((t: any) => t.id)).toContain('disallow-privilege-escalation');
    // JSON carries diffs because an HTML report was written in the same run; alone, it does not.
    expect(json.files.find((f: any) => f.file === 'in/pod.yaml').diff).toContain('+');
    await run(['--report', 'o/alone.json', 'in']);
    expect(JSON.parse(read('o/alone.json')).files.every((f: any) => f.diff === undefined)).toBe(true);
  });

  test('"-" with --report-format: that format on stderr, the YAML alone on stdout', async () => {
    const r = await run(['--report', '-', '--report-format', 'sarif', 'in/pod.yaml']);
    expect(r.code).toBe(0);
    // The report first, then the run's summary.
    const summary = r.stderr.lastIndexOf('\nkharden: ');
    expect(JSON.parse(r.stderr.slice(0, summary)).runs[0].tool.driver.name).toBe('kharden');
    expect(r.stderr.slice(summary + 1)).toMatch(/^kharden: 1 file\(s\)/);
    expect(r.stdout.toString()).toMatch(/^apiVersion: v1\nkind: Pod/);
  });

  test.each([
    [['--report', 'o/x.json', '--report-format', 'html'], /--report o\/x\.json: its extension says json, but --report-format says html/],
    [['--report', 'o/x', '--report-format', 'pdf'], /--report-format "pdf" is not a report format/],
    [['--report', 'o/x.md', '--report', './o/x.md'], /--report \.\/o\/x\.md is given twice/],
    [['--report-format', 'json'], /--report-format needs --report FILE/],
  ])('refused before any work, nothing written: %s', async (args, message) => {
    fs.rmSync(path.join(work, 'o'), { recursive: true, force: true });
    const r = await run([...args, 'in']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout.length).toBe(0);
    expect(fs.existsSync(path.join(work, 'o'))).toBe(false);
  });

  test('a report that cannot be written: exit 2, and none of the others is written either', async () => {
    fs.rmSync(path.join(work, 'o'), { recursive: true, force: true });
    fs.mkdirSync(path.join(work, 'o'));
    fs.writeFileSync(path.join(work, 'o/file'), 'not a directory');
    const r = await run(['--report', 'o/a.json', '--report', 'o/b.sarif', '--report', 'o/file/c.html', '--report', 'o/d.md', 'in']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot write output: .*; nothing was written/);
    expect(fs.readdirSync(path.join(work, 'o'))).toEqual(['file']);
  });

  test('--sarif-edits with -o: notes point into the written files when the engine gives output lines, else there are none', async () => {
    fs.rmSync(path.join(work, 'out'), { recursive: true, force: true });
    const r = await run(['--sarif-edits', '-o', 'out', '--report', 'o/e.sarif', '--report', 'o/e.json', 'in']);
    expect(r.code).toBe(0);
    const json = JSON.parse(read('o/e.json'));
    const sarif = JSON.parse(read('o/e.sarif'));
    const edits = json.resources.flatMap((res: any) => res.edits);
    const notes = sarif.runs[0].results.filter((x: any) => x.kind === 'informational');
    expect(notes).toHaveLength(edits.filter((e: any) => e.outputLine !== undefined).length);
    for (const n of notes) expect(n.locations[0].physicalLocation.artifactLocation.uri).toMatch(/^out\/(pod|z)\.yaml$/);
    const modified = sarif.runs[0].artifacts.filter((a: any) => a.roles.includes('modified')).map((a: any) => a.location.uri);
    // A directory's files are mirrored under -o relative to that directory.
    expect(modified.sort()).toEqual(['out/pod.yaml', 'out/z.yaml']);
  });
});

describe('stderr: bar and colours for a person at a terminal only', () => {
  test('rules', () => {
    expect([undefined, '', 'false', '0', 'true', '1', 'woodpecker'].map((v) => inCi({ CI: v }))).toEqual([false, false, false, false, true, true, true]);
    const tty = { isTTY: true };
    expect(progressAllowed(tty, {}, {})).toBe(true);
    expect(progressAllowed(tty, { CI: 'true' }, {})).toBe(false);
    expect(progressAllowed(tty, {}, { quiet: true })).toBe(false);
    expect(progressAllowed(tty, {}, { progress: false })).toBe(false);
    expect(progressAllowed({ isTTY: false }, {}, {})).toBe(false);
    expect(colorAllowed(tty, {}, {})).toBe(true);
    expect(colorAllowed(tty, { NO_COLOR: '1' }, {})).toBe(false);
    // no-color.org: an empty NO_COLOR does not count.
    expect(colorAllowed(tty, { NO_COLOR: '' }, {})).toBe(true);
    expect(colorAllowed(tty, {}, { color: false })).toBe(false);
    expect(colorAllowed({}, {}, {})).toBe(false);
    expect(paint(true, 'error', '1 error')).toBe('\u001b[1;31m1 error\u001b[0m');
    expect(paint(false, 'error', '1 error')).toBe('1 error');
  });

  const haveScript = fs.existsSync('/usr/bin/script');
  /** Runs the CLI on a real pseudo-terminal (util-linux `script`) and returns what the terminal got. */
  const onTerminal = (args: string[], env: Record<string, string | undefined>) => {
    const command = [process.execPath, path.join(ROOT, 'bin/kharden.js'), ...args].map((a) => `'${a}'`).join(' ');
    const { CI: _ci, NO_COLOR: _nc, ...base } = process.env;
    const merged = Object.fromEntries(Object.entries({ ...base, ...env }).filter(([, v]) => v !== undefined)) as Record<string, string>;
    // --check exits 1 when something would change, and `script -e` passes that on: read the screen anyway.
    const r = spawnSync('/usr/bin/script', ['-qefc', command, '/dev/null'], { cwd: work, encoding: 'utf8', timeout: 30_000, env: merged });
    if (r.error) throw r.error;
    return r.stdout;
  };
  const ESC = '\u001b[';

  test.skipIf(!haveScript)(haveScript ? 'a terminal: a bar and coloured severity words; with CI set, no bar' : 'SKIPPED: /usr/bin/script (util-linux) is absent', () => {
    const screen = onTerminal(['--check', 'in'], {});
    expect(screen).toContain('[#');
    expect(screen).toMatch(/findings: \u001b\[1;31m2 error\u001b\[0m, \u001b\[33m\d+ warning\u001b\[0m, /);
    const ci = onTerminal(['--check', 'in'], { CI: 'true' });
    expect(ci).not.toContain('[#');
    expect(ci).toMatch(/^kharden: 3 file\(s\), 2 would change; /m);
  });

  test.skipIf(!haveScript)(haveScript ? 'NO_COLOR and --no-color: no escape codes at all on the terminal' : 'SKIPPED: /usr/bin/script (util-linux) is absent', () => {
    for (const [args, env] of [
      [['--check', '--no-progress', 'in'], { NO_COLOR: '1' }],
      [['--check', '--no-progress', '--no-color', 'in'], {}],
    ] as const) {
      const screen = onTerminal([...args], env);
      expect(screen).toMatch(/findings: 2 error, \d+ warning, \d+ info/);
      expect(screen).not.toContain(ESC);
    }
  });

  test('not a terminal: no bar, no colour, whatever the environment', async () => {
    for (const env of [{}, { CI: 'true' }, { FORCE_COLOR: '1' }]) {
      const r = await run(['--check', 'in'], env);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/findings: 2 error, \d+ warning, \d+ info/);
      expect(r.stderr).not.toContain(ESC);
      expect(r.stderr).not.toContain('\r');
    }
  });
});
