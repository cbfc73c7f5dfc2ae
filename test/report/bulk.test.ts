/**
 * End to end through the real CLI, as a platform team runs it in CI: one bulk run over real
 * projects writing four reports at once (`--report r.sarif --report r.md --report r.html --report
 * r.json`). The SARIF passes Microsoft's validator and its lines show what they name; the Markdown
 * and HTML totals are the JSON's; the HTML page, opened in headless Chromium, shows them, finds a
 * known workload and filters; stdout stays exactly the manifests; stderr has no bar and no colour.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { marked } from 'marked';
import type { Tokens } from 'marked';
import Ajv2020 from 'ajv/dist/2020.js';
import { assertBuilt, kharden, ROOT } from '../cli/spawn.js';
import type { RunResult } from '../cli/spawn.js';
import { CLEAN_PROJECTS, CORPUS, corpusPresent, linesNotNaming, noLineNames, validateSarif } from './helpers.js';
import { browserTest, openPage } from './browser.js';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kharden-bulk-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

describe.skipIf(!corpusPresent)(corpusPresent ? 'bulk run over real projects with four reports' : `SKIPPED: ${CORPUS} is absent (../shared is not beside the project)`, () => {
  let withReports: RunResult;
  let plain: RunResult;
  let json: any;
  const read = (f: string) => fs.readFileSync(path.join(work, f), 'utf8');

  beforeAll(async () => {
    assertBuilt();
    // The projects are copied so the paths in the reports are short and relative to the run's directory.
    for (const p of CLEAN_PROJECTS) fs.cpSync(path.join(CORPUS, p), path.join(work, p), { recursive: true });
    fs.mkdirSync(path.join(work, 'out'));
    [withReports, plain] = await Promise.all([
      kharden(['--report', 'out/r.sarif', '--report', 'out/r.md', '--report', 'out/r.html', '--report', 'out/r.json', ...CLEAN_PROJECTS], { cwd: work, timeoutMs: 120_000 }),
      kharden(CLEAN_PROJECTS, { cwd: work, timeoutMs: 120_000 }),
    ]);
    // The same summary, which points at the full report when there is one.
    expect(withReports.stderr.replace('see out/r.html', 'see --report FILE')).toBe(plain.stderr);
    expect(withReports.code).toBe(0);
    json = JSON.parse(read('out/r.json'));
  }, 240_000);

  test('stdout is the manifests only, byte for byte what a run without reports prints', () => {
    expect(withReports.stdout.length).toBeGreaterThan(100_000);
    expect(withReports.stdout.equals(plain.stdout)).toBe(true);
  });

  test('stderr (not a terminal): no progress bar, no colour codes', () => {
    expect(withReports.stderr).not.toContain('\r');
    expect(withReports.stderr).not.toContain('\u001b[');
    expect(withReports.stderr).not.toContain('[#');
  });

  test('JSON: valid against the shipped schema, with each changed file\'s diff (an HTML report was asked for)', () => {
    const validate = new Ajv2020({ strict: true, allErrors: true }).compile(JSON.parse(fs.readFileSync(path.join(ROOT, 'schema/report.schema.json'), 'utf8')));
    expect(validate(json), JSON.stringify(validate.errors?.slice(0, 5))).toBe(true);
    expect(json.totals.files).toBeGreaterThan(100);
    const changed = json.files.filter((f: any) => f.changed);
    expect(changed.length).toBeGreaterThan(20);
    for (const f of changed) expect(f.diff).toContain('@@');
  });

  test('SARIF: Microsoft\'s validator finds nothing; one result per finding; lines show what they name', async () => {
    expect(await validateSarif(path.join(work, 'out/r.sarif'))).toEqual([]);
    const log = JSON.parse(read('out/r.sarif'));
    const run = log.runs[0];
    // Findings about a file are results; findings about the run (a namespace, a generated resource) are notifications.
    const aboutFiles = json.findings.filter((f: any) => f.file !== undefined).length;
    const findings = json.resources.reduce((n: number, r: any) => n + r.findings.length, 0) + aboutFiles;
    expect(run.results).toHaveLength(findings);
    expect(run.invocations[0].toolExecutionNotifications?.length ?? 0).toBe(json.findings.length - aboutFiles);
    expect(run.tool.driver.version).toBe(json.version);
    expect(run.originalUriBaseIds.SRCROOT.uri).toBe(`file://${fs.realpathSync(work)}/`.replace(/ /g, '%20'));
    for (const r of run.results) {
      const loc = r.locations[0].physicalLocation.artifactLocation;
      expect(loc.uriBaseId).toBe('SRCROOT');
      expect(fs.existsSync(path.join(work, decodeURIComponent(loc.uri))), loc.uri).toBe(true);
    }
    // The literal check: the line holds the key of the path's last segment or of its parent. It can
    // only fail for a finding about a value the input does not have, not even its parent (an info
    // note explaining a memory limit kharden added to a container without resources): no input line
    // names it, so it points at the nearest part of the path that exists (see sarif.test.ts).
    const text = (uri: string) => fs.readFileSync(path.join(work, decodeURIComponent(uri)), 'utf8');
    const bad = linesNotNaming(log, text);
    for (const b of bad) {
      const what = `${b.result.ruleId} ${b.path} → ${b.uri}:${b.startLine} ${JSON.stringify(b.line)}`;
      // A note, or a warning about a default kharden chose (a memory limit it added): never an error.
      expect(['note', 'warning'], what).toContain(b.result.level);
      expect(noLineNames(text(b.uri), b.result.properties.document, b.path), what).toBe(true);
    }
    expect(run.results.length - bad.length).toBeGreaterThan(run.results.length / 2);
  }, 240_000);

  test('Markdown: the totals row is the JSON totals; it points to the JSON and HTML reports when it cuts', () => {
    const md = read('out/r.md');
    const [totals] = marked.lexer(md, { gfm: true }).filter((t) => t.type === 'table') as Tokens.Table[];
    const t = json.totals;
    expect(totals.rows[0].map((c) => Number(c.text))).toEqual([t.files, t.filesChanged, t.documents, t.resourcesChanged, t.edits, t.findings.error, t.findings.warning, t.findings.info]);
    expect(md).toMatch(/see the JSON report \(`out\/r\.json`\) or the HTML report \(`out\/r\.html`\)/);
  });

  test('HTML: self-contained (no URL it could fetch), totals in the markup equal the JSON totals', () => {
    const html = read('out/r.html');
    expect(html).not.toMatch(/<(link|img|iframe|object|embed)\b|\bsrc=|url\(|@import|https?:\/\/[^"' ]*\.(js|css)/i);
    expect(html).toContain(`Content-Security-Policy" content="default-src 'none'`);
    const shown = Object.fromEntries([...html.matchAll(/data-total="(\w+)"><span class="n">(\d+)</g)].map((m) => [m[1], Number(m[2])]));
    const t = json.totals;
    expect(shown).toEqual({ files: t.files, filesChanged: t.filesChanged, documents: t.documents, resourcesChanged: t.resourcesChanged, edits: t.edits, error: t.findings.error, warning: t.findings.warning, info: t.findings.info });
  });

  const chromium = browserTest('HTML in headless Chromium: totals shown, a known workload row, filters by namespace, kind and level, no network');
  test.runIf(chromium.run)(chromium.name, async () => {
    const { page, requests, close } = await openPage(path.join(work, 'out/r.html'));
    try {
      const t = json.totals;
      const totals = await page.$$eval('#totals .total', (els) => Object.fromEntries(els.map((e) => [e.getAttribute('data-total'), Number(e.querySelector('.n')!.textContent)])));
      expect(totals).toEqual({ files: t.files, filesChanged: t.filesChanged, documents: t.documents, resourcesChanged: t.resourcesChanged, edits: t.edits, error: t.findings.error, warning: t.findings.warning, info: t.findings.info });
      expect(await page.isVisible('#totals')).toBe(true);

      const reviewed = json.resources.filter((r: any) => r.edits.length || r.findings.length || r.pss);
      const visibleRows = () => page.$$eval('tr.workload', (rows) => rows.filter((r) => (r as HTMLElement).offsetParent !== null).map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent!.trim())));
      expect(await visibleRows()).toHaveLength(reviewed.length);

      // A workload everyone knows: online-boutique's frontend, hardened from baseline to restricted.
      const frontend = json.resources.find((r: any) => r.file === 'online-boutique/kubernetes-manifests/frontend.yaml' && r.kind === 'Deployment');
      expect(frontend.pss).toMatchObject({ before: 'baseline', after: 'restricted' });
      const row = (await visibleRows()).find((cells) => cells[0] === frontend.file && cells[3] === 'frontend');
      expect(row).toEqual([frontend.file, 'Deployment', '', 'frontend', 'baseline → restricted', String(frontend.edits.length), expect.any(String)]);

      // Filters: each narrows to exactly the workloads the JSON says match, and the counter follows.
      const check = async (select: string, value: string, expected: any[]) => {
        await page.selectOption(select, value);
        const rows = await visibleRows();
        expect(rows.map((c) => `${c[0]} ${c[1]} ${c[3]}`).sort(), `${select}=${value}`).toEqual(expected.map((r) => `${r.file} ${r.kind} ${r.name}`).sort());
        expect(await page.textContent('#shown-count')).toBe(String(expected.length));
        await page.click('#filter-reset');
      };
      const monitoring = reviewed.filter((r: any) => r.namespace === 'monitoring');
      expect(monitoring.length).toBeGreaterThan(3);
      await check('#filter-namespace', 'monitoring', monitoring);
      const daemonSets = reviewed.filter((r: any) => r.kind === 'DaemonSet');
      expect(daemonSets.length).toBeGreaterThan(0);
      await check('#filter-kind', 'DaemonSet', daemonSets);
      const withErrors = reviewed.filter((r: any) => r.findings.some((f: any) => f.severity === 'error'));
      expect(withErrors.length).toBeGreaterThan(0);
      await check('#filter-level', 'error', withErrors);
      await check('#filter-level', 'none', reviewed.filter((r: any) => r.findings.length === 0));
      // Two filters at once.
      await page.selectOption('#filter-namespace', 'monitoring');
      await page.selectOption('#filter-kind', 'DaemonSet');
      expect((await visibleRows()).length).toBe(reviewed.filter((r: any) => r.namespace === 'monitoring' && r.kind === 'DaemonSet').length);
      // Only the files of the rows shown keep their diff section.
      const visibleFiles = await page.$$eval('details.file', (ds) => ds.filter((d) => !(d as HTMLElement).hidden).map((d) => d.getAttribute('data-file')));
      expect(new Set(visibleFiles)).toEqual(new Set(reviewed.filter((r: any) => r.namespace === 'monitoring' && r.kind === 'DaemonSet').map((r: any) => r.file)));
      await page.click('#filter-reset');
      expect(await visibleRows()).toHaveLength(reviewed.length);

      // A changed file's diff, opened: its added lines are highlighted.
      const details = page.locator('details.file', { hasText: frontend.file }).first();
      await details.locator('summary').click();
      const added = details.locator('pre.diff span.add');
      expect(await added.count()).toBe(frontend.edits.length > 0 ? (json.files.find((f: any) => f.file === frontend.file).diff.match(/^\+(?!\+\+)/gm) ?? []).length : 0);
      expect(await added.first().evaluate((el) => getComputedStyle(el).backgroundColor)).not.toBe('rgba(0, 0, 0, 0)');

      expect(requests.filter((u) => !u.startsWith('file:'))).toEqual([]);
    } finally {
      await close();
    }
  }, 180_000);
});
