/**
 * The HTML page without a browser: everything from the manifests is escaped (text and attributes),
 * nothing can be fetched, each changed file's diff is there with its lines classed, and a report
 * built without diffs says so instead of showing an empty diff. The browser test is in bulk.test.ts.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, test } from 'vitest';
import { esc, HTML_LIMITS, renderHtml } from '../../src/report/html.js';
import type { Report, ReportResource } from '../../src/report/build.js';
import { reportOf } from './helpers.js';
import { browserTest, openPage } from './browser.js';

const EVIL = `"><script>alert(1)</script><img src=x onerror=alert(2)>'`;

function report(resources: ReportResource[], files: Report['files']): Report {
  return {
    tool: 'kharden',
    version: '9.9.9',
    profile: `p${EVIL}`,
    files,
    resources,
    findings: [{ file: files[0].file, document: 1, code: 'notKubernetesObject', severity: 'warning', message: `not an object ${EVIL}`, line: 4 }],
    totals: { files: files.length, filesChanged: 1, documents: 2, resourcesChanged: 1, edits: 1, findings: { error: 1, warning: 1, info: 0 }, byTransform: { t: 1 } },
  };
}

const evilResource: ReportResource = {
  file: `dir/${EVIL}.yaml`,
  document: 0,
  apiVersion: 'v1',
  kind: `Pod${EVIL}`,
  namespace: `ns${EVIL}`,
  name: `name${EVIL}`,
  path: '',
  edits: [{ transform: `t${EVIL}`, op: 'replace', path: `/metadata/annotations/a${EVIL}`, previous: EVIL, value: 'x', reason: `because ${EVIL}`, line: 3 }],
  findings: [{ transform: 't', code: 'hostPortUnfixable', severity: 'error', message: `bad ${EVIL}`, path: '/spec', line: 5 }],
  pss: { before: 'baseline', after: 'restricted', failing: [{ check: `c${EVIL}`, detail: 'd' }] },
};

describe('html', () => {
  test('esc: the five characters that matter in text and in quoted attributes', () => {
    expect(esc(`<a href="x" title='y'>&amp;</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;');
  });

  test('every manifest-provided string is escaped, in text and in data-* attributes', () => {
    const html = renderHtml(report([evilResource], [{ file: evilResource.file, changed: true, documents: 2, diff: `Index: x\n===\n--- x\n+++ x\n@@ -1,1 +1,1 @@\n-${EVIL}\n+safe\n` }]));
    // The only <script> is the page's own, and no attribute was broken out of.
    expect(html.match(/<script/g)).toHaveLength(1);
    expect(html).not.toContain('<img');
    // Every attribute is a name with a double-quoted value: an injected quote would leave a bare one.
    for (const [, attrs] of html.matchAll(/<[a-z][a-z0-9]*((?:\s[^<>]*)?)>/g)) expect(attrs.replace(/\s[a-z-]+="[^"]*"/g, '').trim()).toBe('');
    expect(html).toContain(`data-namespace="ns${esc(EVIL)}"`);
    expect(html).toContain(`data-kind="Pod${esc(EVIL)}"`);
    expect(html).toContain(`<span class="del">-${esc(EVIL)}</span>`);
    expect(html).toContain(`<code>p${esc(EVIL)}</code>`);
    expect(html).toContain(`not an object ${esc(EVIL)}`);
  });

  test('no fetch possible: no external URL, inline style and script only, a CSP that forbids the rest', () => {
    const html = renderHtml(report([evilResource], [{ file: evilResource.file, changed: true, documents: 1 }]));
    expect(html).not.toMatch(/<(link|img|iframe|object|embed|base)\b|\b(src|href)=["']?(https?:|\/\/)|url\(|@import/i);
    expect(html).toMatch(/<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">/);
    expect(html).toContain('No diff in this report');
  });

  test('a real file: its diff with added, removed and hunk lines classed; totals as data', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kharden-html-'));
    try {
      fs.writeFileSync(path.join(dir, 'pod.yaml'), 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: app\n      image: nginx:1.27\n      securityContext:\n        privileged: true\n');
      const { report: r, results } = await reportOf([path.join(dir, 'pod.yaml')], { cwd: dir, diffs: true });
      const html = renderHtml(r);
      const diff = r.files[0].diff!;
      const added = diff.split('\n').filter((l) => l.startsWith('+') && !l.startsWith('+++')).length;
      const removed = diff.split('\n').filter((l) => l.startsWith('-') && !l.startsWith('---')).length;
      expect(added).toBeGreaterThan(3);
      expect(html.match(/<span class="add">/g)).toHaveLength(added);
      expect(html.match(/<span class="del">/g)).toHaveLength(removed);
      expect(html).toContain('<span class="del">-        privileged: true</span>');
      expect(html).toContain(`data-total="edits"><span class="n">${r.totals.edits}</span>`);
      expect(results[0].changed).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a long attention list is capped and counts the rest by code', () => {
    const many = Array.from({ length: HTML_LIMITS.attention + 100 }, (_, i) => ({ ...evilResource, name: `n${i}`, findings: [{ transform: 't', code: i % 2 ? 'hostPortUnfixable' : 'privilegedRemoved', severity: i % 2 ? ('error' as const) : ('warning' as const), message: 'm', line: 1 }] }));
    const html = renderHtml(report(many, [{ file: evilResource.file, changed: true, documents: 1 }]));
    const section = html.slice(html.indexOf('<section id="attention">'), html.indexOf('</section>', html.indexOf('<section id="attention">')));
    expect(section).toContain(`Needs your attention (${HTML_LIMITS.attention + 101})`);
    expect(section.match(/<li class="finding"/g)).toHaveLength(HTML_LIMITS.attention);
    // Errors first: the 150 errors are all shown, then warnings up to the cap; the rest are warnings (and the loose one).
    expect(section).toContain(`… and 101 more (100 × <code>privilegedRemoved</code>, 1 × <code>notKubernetesObject</code>)`);
  });

  const chromium = browserTest('in Chromium: the hostile strings render as text, no script of theirs runs');
  test.runIf(chromium.run)(chromium.name, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kharden-html-'));
    const file = path.join(dir, 'evil.html');
    fs.writeFileSync(file, renderHtml(report([evilResource], [{ file: evilResource.file, changed: true, documents: 2 }])));
    const { page, requests, close } = await openPage(file);
    try {
      expect(await page.evaluate(() => document.querySelectorAll('img').length)).toBe(0);
      expect(await page.evaluate(() => document.scripts.length)).toBe(1);
      expect(await page.textContent('tr.workload td:nth-child(4)')).toBe(`name${EVIL}`);
      await page.selectOption('#filter-namespace', `ns${EVIL}`);
      expect(await page.textContent('#shown-count')).toBe('1');
      expect(requests.filter((u) => !u.startsWith('file:'))).toEqual([]);
    } finally {
      await close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('node agents in the page', () => {
  test('the workload row is marked and its section says it stays privileged, and why (escaped)', () => {
    const agent: ReportResource = { ...evilResource, pss: { before: 'privileged', after: 'privileged', failing: [] }, nodeAgent: { checks: [{ check: 'hostNamespaces', detail: `hostNetwork=true${EVIL}` }] } };
    const page = renderHtml(report([agent, { ...evilResource, name: 'plain' }], [{ file: evilResource.file, changed: true, documents: 2 }]));
    expect(page.match(/<span class="agent">node agent<\/span>/g)).toHaveLength(1);
    expect(page).toContain('<p class="agent">Node agent: stays privileged whatever kharden does (hostNamespaces (hostNetwork=true&quot;&gt;&lt;script&gt;');
    expect(page).not.toContain(`hostNetwork=true${EVIL}`);
  });
});
