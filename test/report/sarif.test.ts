/**
 * The SARIF report: valid for Microsoft's validator (no errors, no warnings), one rule per transform
 * and finding code, every result located at the line that shows what it names, fingerprints that
 * survive moved lines, edits at their output line only when the engine gave one.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import YAML from 'yaml';
import { artifactLocationOf, renderSarif, SARIF_SCHEMA } from '../../src/report/sarif.js';
import type { Report } from '../../src/report/build.js';
import type { FileResult } from '../../src/core/engine.js';
import { CLEAN_PROJECTS, CORPUS, corpusPresent, linesNotNaming, manifestsOf, noLineNames, reportOf, segmentsOf, validateSarif, withOutputLines } from './helpers.js';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kharden-sarif-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

const POD = `apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: shop
spec:
  hostNetwork: true
  containers:
    - name: app
      image: registry.example.com/app:1.0
      securityContext:
        allowPrivilegeEscalation: true
        capabilities:
          add: [NET_ADMIN]
`;

function write(rel: string, text: string): string {
  const full = path.join(work, rel);
  fs.mkdirSync(path.dirname(full), { recursive: true });
  fs.writeFileSync(full, text);
  return full;
}

describe('artifact locations', () => {
  test.each([
    ['a/b.yaml', '/w', { uri: 'a/b.yaml', uriBaseId: 'SRCROOT' }],
    ['./a/../b.yaml', '/w', { uri: 'b.yaml', uriBaseId: 'SRCROOT' }],
    ['/w/a/b.yaml', '/w', { uri: 'a/b.yaml', uriBaseId: 'SRCROOT' }],
    ['/w/a/b.yaml', '/w/', { uri: 'a/b.yaml', uriBaseId: 'SRCROOT' }],
    ['/elsewhere/b.yaml', '/w', { uri: 'file:///elsewhere/b.yaml' }],
    ['../up.yaml', '/w/x', { uri: 'file:///w/up.yaml' }],
    ['../up.yaml', '/w', { uri: 'file:///up.yaml' }],
    ['dir with space/#1 100%.yaml', '/w', { uri: 'dir%20with%20space/%231%20100%25.yaml', uriBaseId: 'SRCROOT' }],
    // A colon in the first segment would make the relative reference read as a scheme.
    ['c:odd.yaml', '/w', { uri: 'c%3Aodd.yaml', uriBaseId: 'SRCROOT' }],
    ['<stdin>', '/w', { uri: 'stdin' }],
  ])('%s under %s', (file, cwd, expected) => {
    expect(artifactLocationOf(file, cwd)).toEqual(expected);
  });
});

describe('one pod, every part of the log', () => {
  let sarif: any;
  let report: Report;
  let results: FileResult[];
  beforeAll(async () => {
    const file = write('app/pod.yaml', POD);
    ({ report, results } = await reportOf([file], { cwd: work }));
    sarif = JSON.parse(renderSarif(report, { cwd: work }));
  });

  test('tool, version, schema, rules for every transform of the chain and every finding code', () => {
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.$schema).toBe(SARIF_SCHEMA);
    const driver = sarif.runs[0].tool.driver;
    expect(driver).toMatchObject({ name: 'kharden', version: '0.0.0-test', informationUri: expect.stringMatching(/^https:\/\//) });
    const ids = driver.rules.map((r: any) => r.id);
    for (const t of report.transforms!) expect(ids).toContain(t.id);
    const codes = new Set(report.resources.flatMap((r) => r.findings.map((f) => f.code)));
    expect(codes.size).toBeGreaterThan(2);
    for (const c of codes) expect(ids).toContain(c);
    for (const rule of driver.rules) {
      expect(rule.shortDescription.text.length).toBeGreaterThan(5);
      expect(rule.fullDescription.text.length).toBeGreaterThan(5);
      expect(rule.helpUri).toMatch(/^https:\/\/kubernetes\.io\/docs\//);
      expect(rule.help.text).toContain(rule.helpUri);
      expect(['error', 'warning', 'note']).toContain(rule.defaultConfiguration.level);
    }
    const hostNetwork = driver.rules.find((r: any) => r.id === 'hostNetworkUnfixable');
    expect(hostNetwork.defaultConfiguration.level).toBe('error');
    expect(hostNetwork.shortDescription.text).toBe(`${report.messages.hostNetworkUnfixable.title}.`);
    expect(hostNetwork.properties['security-severity']).toBe('8.0');
  });

  test('one result per finding, with its level, rule index, message, file and input line', () => {
    const run = sarif.runs[0];
    const findings = report.resources.flatMap((r) => r.findings);
    expect(run.results).toHaveLength(findings.length);
    const levels: Record<string, string> = { error: 'error', warning: 'warning', info: 'note' };
    run.results.forEach((res: any, i: number) => {
      const f = findings[i];
      expect(res.ruleId).toBe(f.code);
      expect(run.tool.driver.rules[res.ruleIndex].id).toBe(f.code);
      expect(res.level).toBe(levels[f.severity]);
      expect(res.message.text).toContain(f.message);
      expect(res.message.text).toContain('Pod shop/web');
      const loc = res.locations[0].physicalLocation;
      expect(loc.artifactLocation).toMatchObject({ uri: 'app/pod.yaml', uriBaseId: 'SRCROOT' });
      expect(run.artifacts[loc.artifactLocation.index].location.uri).toBe('app/pod.yaml');
      expect(loc.region.startLine).toBe(f.line);
      expect(res.locations[0].logicalLocations[0].fullyQualifiedName).toBe('v1/Pod/shop/web');
    });
    const hostNetwork = run.results.find((r: any) => r.ruleId === 'hostNetworkUnfixable');
    expect(hostNetwork.locations[0].physicalLocation.region.startLine).toBe(7);
    expect(run.originalUriBaseIds.SRCROOT.uri).toBe(`file://${work.split(path.sep).map(encodeURIComponent).join('/')}/`);
  });

  test('no edit results unless asked; asked, none without the output line (the engine does not give it yet)', () => {
    expect(sarif.runs[0].results.every((r: any) => r.kind !== 'informational')).toBe(true);
    const asked = JSON.parse(renderSarif(report, { cwd: work, edits: true }));
    const edits = report.resources.flatMap((r) => r.edits);
    expect(edits.length).toBeGreaterThan(3);
    const withoutLines = edits.every((e: any) => e.outputLine === undefined);
    expect(asked.runs[0].results.length).toBe(sarif.runs[0].results.length + (withoutLines ? 0 : edits.length));
  });

  test('with output lines: one note per edit, at the line of the hardened file that holds it', async () => {
    const viewed = withOutputLines(report, results);
    const log = JSON.parse(renderSarif(viewed, { cwd: work, edits: true }));
    const notes = log.runs[0].results.filter((r: any) => r.kind === 'informational');
    expect(notes).toHaveLength(report.totals.edits);
    const hardened = results[0].output;
    for (const n of notes) {
      expect(n.level).toBe('note');
      const line = hardened.split('\n')[n.locations[0].physicalLocation.region.startLine - 1];
      const segs = segmentsOf(n.properties.path);
      expect([segs.at(-1), segs.at(-2)].some((k) => k && line.includes(`${k}:`)), `${n.properties.path} → ${line}`).toBe(true);
    }
    const ape = notes.find((n: any) => n.properties.path.endsWith('allowPrivilegeEscalation'));
    expect(ape.message.text).toContain('true → false');
    // -o DIR: the edit is located in the written file.
    const moved = JSON.parse(renderSarif(viewed, { cwd: work, edits: true, outputFiles: { 'app/pod.yaml': 'out/app/pod.yaml' } }));
    const movedNotes = moved.runs[0].results.filter((r: any) => r.kind === 'informational');
    expect(new Set(movedNotes.map((n: any) => n.locations[0].physicalLocation.artifactLocation.uri))).toEqual(new Set(['out/app/pod.yaml']));
    const art = moved.runs[0].artifacts.find((a: any) => a.location.uri === 'out/app/pod.yaml');
    expect(art.roles).toEqual(['modified']);
  });

  test('fingerprints: the same after lines move above a finding, different for different findings', async () => {
    const prints = (log: any) => log.runs[0].results.map((r: any) => Object.values(r.partialFingerprints)[0]);
    const before = prints(sarif);
    expect(new Set(before).size).toBe(before.length);
    const file = write('app/pod.yaml', `# a comment\n# another\n${POD}`);
    const moved = await reportOf([file], { cwd: work });
    const after = JSON.parse(renderSarif(moved.report, { cwd: work }));
    expect(after.runs[0].results.map((r: any) => r.locations[0].physicalLocation.region.startLine)).toEqual(
      sarif.runs[0].results.map((r: any) => r.locations[0].physicalLocation.region.startLine + 2),
    );
    expect(prints(after)).toEqual(before);
    for (const r of sarif.runs[0].results) for (const v of Object.values(r.partialFingerprints)) expect(v).toMatch(/^[0-9a-f]{64}$/);
    write('app/pod.yaml', POD);
  });

  test('declared messages name the rules; a finding about no file is a notification of the run, not a result', async () => {
    const withMessages = {
      ...report,
      messages: { hostNetworkUnfixable: { severity: 'error' as const, title: 'host network namespace', help: 'Use a Service.' } },
      findings: [...report.findings, { transform: 'exclude', code: 'exclusionUnused', severity: 'warning' as const, message: 'exclude rule 1 matched nothing' }],
    };
    const log = JSON.parse(renderSarif(withMessages, { cwd: work }));
    const rule = log.runs[0].tool.driver.rules.find((r: any) => r.id === 'hostNetworkUnfixable');
    expect(rule.shortDescription.text).toBe('host network namespace.');
    expect(rule.help.text).toMatch(/^Use a Service\. Kubernetes documentation: https:/);
    expect(log.runs[0].results).toHaveLength(sarif.runs[0].results.length);
    expect(log.runs[0].invocations[0].toolExecutionNotifications).toEqual([{ descriptor: { id: 'exclusionUnused' }, level: 'warning', message: { text: 'exclude rule 1 matched nothing.' }, properties: { transform: 'exclude' } }]);
    const file = path.join(work, 'notified.sarif');
    fs.writeFileSync(file, JSON.stringify(log));
    expect(await validateSarif(file)).toEqual([]);
  }, 240_000);

  test('the validator finds nothing wrong, stdin included', async () => {
    const file = path.join(work, 'pod.sarif');
    fs.writeFileSync(file, renderSarif(withOutputLines(report, results), { cwd: work, edits: true }));
    expect(await validateSarif(file)).toEqual([]);
    const stdin = { ...report, files: [{ file: '<stdin>', changed: true, documents: 1 }], resources: report.resources.map((r) => ({ ...r, file: '<stdin>' })) };
    const stdinFile = path.join(work, 'stdin.sarif');
    fs.writeFileSync(stdinFile, renderSarif(stdin, { cwd: work }));
    expect(JSON.parse(fs.readFileSync(stdinFile, 'utf8')).runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri).toBe('stdin');
    expect(await validateSarif(stdinFile)).toEqual([]);
  }, 240_000);
});

describe.skipIf(!corpusPresent)(corpusPresent ? 'real manifests' : `SKIPPED: ${CORPUS} is absent (../shared is not beside the project)`, () => {
  let report: Report;
  let results: FileResult[];
  let log: any;
  const root = CORPUS;
  beforeAll(async () => {
    ({ report, results } = await reportOf(manifestsOf(CLEAN_PROJECTS.map((p) => path.join(root, p))), { cwd: root }));
    log = JSON.parse(renderSarif(withOutputLines(report, results), { cwd: root, edits: true, outputFiles: Object.fromEntries(results.map((r) => [r.file, path.join(work, 'out', r.file)])) }));
    for (const r of results) {
      fs.mkdirSync(path.dirname(path.join(work, 'out', r.file)), { recursive: true });
      fs.writeFileSync(path.join(work, 'out', r.file), r.output);
    }
  }, 180_000);

  test('the validator: no errors, no warnings', async () => {
    const file = path.join(work, 'corpus.sarif');
    fs.writeFileSync(file, JSON.stringify(log));
    expect(report.totals.edits).toBeGreaterThan(100);
    expect(await validateSarif(file)).toEqual([]);
  }, 240_000);

  test('every result points at a line that names its key (or its parent): findings in the input, edits in the output', () => {
    const texts = new Map(results.map((r) => [r.file, r.input]));
    const read = (uri: string, base?: string) => (base ? texts.get(decodeURIComponent(uri))! : fs.readFileSync(decodeURIComponent(uri.replace(/^file:\/\//, '')), 'utf8'));
    const all = log.runs[0].results;
    expect(all.filter((r: any) => r.kind === 'informational')).toHaveLength(report.totals.edits);
    // Independently of how kharden finds lines: the deepest part of the path that exists in the
    // file's value (input for a finding, output for an edit) is what the line must show — its key,
    // or for a list item the item's dash.
    for (const res of all) {
      const loc = res.locations[0].physicalLocation;
      const text = read(loc.artifactLocation.uri, loc.artifactLocation.uriBaseId);
      const line = text.split(/\r?\n/)[loc.region.startLine - 1];
      const segs = segmentsOf(res.properties.path ?? '');
      let node: any = YAML.parseAllDocuments(text)[res.properties.document].toJS();
      let deepest = -1;
      for (let i = 0; i < segs.length && node !== null && typeof node === 'object' && segs[i] in node; i++) (node = node[segs[i]], (deepest = i));
      const anchor = segs[deepest];
      const what = `${res.ruleId} ${res.properties.path} → ${loc.artifactLocation.uri}:${loc.region.startLine} ${JSON.stringify(line)}`;
      if (anchor === undefined) continue;
      if (/^\d+$/.test(anchor)) expect(line, what).toMatch(/^\s*- /);
      else expect(line, what).toMatch(new RegExp(`(^|[\\s{,"'])${anchor.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}["']?\\s*:`));
    }
    // The lead's check, literally: the line holds the key of the last segment or of the parent.
    // It fails only for findings about a value the input does not have yet (an info finding that
    // explains what kharden added, e.g. a memory limit on a container without resources): no input
    // line names that, and those point at the nearest parent that exists.
    const bad = linesNotNaming(log, read);
    for (const b of bad) {
      const what = `${b.result.ruleId} ${b.path}`;
      expect(b.result.kind, what).not.toBe('informational');
      // A note, or a warning about a default kharden chose (a memory limit): never an error.
      expect(['note', 'warning'], what).toContain(b.result.level);
      expect(noLineNames(texts.get(decodeURIComponent(b.uri))!, b.result.properties.document, b.path), what).toBe(true);
    }
    expect(all.length - bad.length).toBeGreaterThan(all.length * 0.8);
  });

  test('rules: every code the corpus produced is declared (none falls back to the generic rule)', () => {
    const findingRules = log.runs[0].tool.driver.rules.filter((r: any) => !report.transforms!.some((t) => t.id === r.id));
    expect(findingRules.length).toBeGreaterThan(5);
    for (const r of findingRules) expect(report.messages[r.id], r.id).toBeDefined();
  });
});
