/**
 * The pull-request comment, read back with a GFM parser (marked): totals equal the report's, one
 * row per workload with five cells whatever the names hold, nothing in the manifests becomes markup,
 * a mention or an issue link, and a run of 10,000 workloads stays a comment GitHub accepts.
 */
import * as path from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { marked } from 'marked';
import type { Tokens } from 'marked';
import { MARKDOWN_LIMITS, mdCode, mdText, renderMarkdown } from '../../src/report/markdown.js';
import type { Report, ReportResource } from '../../src/report/build.js';
import { CLEAN_PROJECTS, CORPUS, corpusPresent, manifestsOf, reportOf } from './helpers.js';

const tables = (md: string) => (marked.lexer(md, { gfm: true }).filter((t) => t.type === 'table') as Tokens.Table[]);
const html = (md: string) => marked.parse(md, { gfm: true, async: false }) as string;

function resource(i: number, over: Partial<ReportResource> = {}): ReportResource {
  return {
    file: `apps/app-${i}.yaml`,
    document: 0,
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    namespace: 'shop',
    name: `app-${i}`,
    path: '',
    edits: [{ transform: 'disallow-privilege-escalation', op: 'add', path: '/spec/template/spec/containers/0/securityContext/allowPrivilegeEscalation', value: false, reason: 'restricted forbids privilege escalation', line: 20 }],
    findings: [{ transform: 'set-memory-limits', code: 'memoryLimitDefaulted', severity: 'warning', message: 'container app had no memory limit: set limit 512Mi', path: '/spec/template/spec/containers/0/resources/limits/memory', line: 18 }],
    pss: { before: 'baseline', after: 'restricted', failing: [] },
    ...over,
  };
}

function reportWith(resources: ReportResource[]): Report {
  const files = [...new Set(resources.map((r) => r.file))];
  const findings = resources.flatMap((r) => r.findings);
  return {
    tool: 'kharden',
    version: '1.2.3',
    profile: 'restricted',
    files: files.map((file) => ({ file, changed: true, documents: 1 })),
    resources,
    findings: [],
    totals: {
      files: files.length,
      filesChanged: files.length,
      documents: resources.length,
      resourcesChanged: resources.filter((r) => r.edits.length).length,
      edits: resources.reduce((n, r) => n + r.edits.length, 0),
      findings: { error: findings.filter((f) => f.severity === 'error').length, warning: findings.filter((f) => f.severity === 'warning').length, info: findings.filter((f) => f.severity === 'info').length },
      byTransform: {},
    },
  };
}

describe('escaping', () => {
  const HOSTILE = 'a|b <script>alert(1)</script> **bold** _em_ `tick` [x](javascript:alert(1)) ~~gone~~ $x$ &amp; :smile: @octocat #12 <!-- c -->';

  test('text: shows as itself, no tags, no mention, no issue link', () => {
    const out = html(`Message: ${mdText(HOSTILE)}`);
    expect(out).not.toMatch(/<(script|strong|em|code|a|del|img)\b/);
    expect(out).not.toContain('<!--');
    const text = out.replace(/<[^>]+>/g, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
    expect(text.replace(/\u2060/g, '')).toContain(HOSTILE);
    expect(text).toContain('@\u2060octocat');
    expect(text).toContain('#\u206012');
  });

  test('code: any backticks, and pipes inside a table cell', () => {
    for (const s of ['plain', 'a`b', '``x``', '`edge`', 'a|b']) {
      const [table] = tables(`| h |\n| --- |\n| ${mdCode(s, true)} |\n`);
      expect(table.rows[0]).toHaveLength(1);
      const [cell] = table.rows[0];
      expect(cell.tokens[0].type).toBe('codespan');
      expect((cell.tokens[0] as Tokens.Codespan).text.replace(/\\\|/g, '|')).toBe(s);
    }
  });

  test('hostile names and messages keep every workload row at five cells', () => {
    const r = resource(1, { name: 'we|ird`name', namespace: 'n|s', file: 'dir|x/<b>.yaml', findings: [{ transform: 't', code: 'hostPortUnfixable', severity: 'error', message: HOSTILE, line: 3 }] });
    const md = renderMarkdown(reportWith([r]));
    const workloads = tables(md)[1];
    expect(workloads.header.map((h) => h.text)).toEqual(['file', 'workload', 'Pod Security', 'edits', 'findings']);
    expect(workloads.rows).toHaveLength(1);
    expect(workloads.rows[0]).toHaveLength(5);
    const out = html(md);
    // kharden's own markup (the bold severity word) is there; none from the message.
    expect(out).not.toMatch(/<script|<strong>bold|<em>em|<del>|<img|<a /);
    expect(out).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(out).not.toMatch(/@octocat/);
    expect(out).toContain('<summary><code>dir|x/&lt;b&gt;.yaml</code>');
  });
});

describe('content', () => {
  test('totals, needs-attention (errors first, then warnings, among them the defaults to confirm), workload rows, details', () => {
    const report = reportWith([
      resource(1),
      resource(2, { findings: [{ transform: 'report-unfixable', code: 'hostNetworkUnfixable', severity: 'error', message: 'hostNetwork: true puts the pod in the node network', path: '/spec/template/spec/hostNetwork', line: 9 }], pss: { before: 'privileged', after: 'privileged', failing: [{ check: 'hostNamespaces', detail: 'hostNetwork=true' }] } }),
      resource(3, { findings: [{ transform: 'read-only-root-filesystem', code: 'writablePathsAdded', severity: 'info', message: 'emptyDir at /tmp', line: 30 }], edits: [] }),
    ]);
    const md = renderMarkdown(report);
    const [totals, workloads] = tables(md);
    expect(totals.rows[0].map((c) => Number(c.text))).toEqual([3, 3, 3, 2, 2, 1, 1, 1]);
    const attention = md.slice(md.indexOf('### Needs your attention'), md.indexOf('### Workloads'));
    expect(attention).toContain('(2)');
    expect(attention.indexOf('hostNetworkUnfixable')).toBeLessThan(attention.indexOf('memoryLimitDefaulted'));
    expect(attention).not.toContain('writablePathsAdded');
    expect(workloads.rows.map((r) => r.map((c) => c.text.replace(/\\/g, '')))).toEqual([
      ['`apps/app-1.yaml`', 'Deployment `shop/app-1`', 'baseline → restricted', '1', '1 warning'],
      ['`apps/app-2.yaml`', 'Deployment `shop/app-2`', 'privileged', '1', '1 error'],
      ['`apps/app-3.yaml`', 'Deployment `shop/app-3`', 'baseline → restricted', '0', '1 info'],
    ]);
    expect(md).toContain('<details><summary><code>apps/app-2.yaml</code>: 1 edit, 1 error</summary>');
    expect(md).toContain('still fails restricted: `hostNamespaces`');
    expect(md).toContain('`/spec/template/spec/containers/0/securityContext/allowPrivilegeEscalation` (line 20): `set false`');
  });

  test('a finding about the whole run (no file) is listed, and declared titles are used', () => {
    const md = renderMarkdown({ ...reportWith([resource(1)]), findings: [{ code: 'exclusionUnused', severity: 'warning', message: 'exclude rule 1 matched nothing' }], messages: { memoryLimitDefaulted: { severity: 'warning', title: 'memory limit chosen by kharden' } } });
    expect(md).toContain('**warning** `exclusionUnused` (exclusionUnused): the whole run: exclude rule 1 matched nothing');
    expect(md).toContain('(memory limit chosen by kharden)');
  });

  test('nothing to say: the attention section says so', () => {
    const md = renderMarkdown(reportWith([resource(1, { findings: [] })]));
    expect(md).toMatch(/### Needs your attention\n\nNothing/);
  });

  test('resources kharden added and exemptions, when the report carries them', () => {
    const r = { ...resource(1), exemptions: ['kharden.dev/skip.app'] };
    const md = renderMarkdown({ ...reportWith([r]), generated: [{ file: 'apps/app-1.yaml', kind: 'NetworkPolicy', name: 'default-deny', namespace: 'shop', reason: 'deny by default', transform: 'add-network-policy' }] });
    expect(tables(md)[2].rows[0].map((c) => c.text.replace(/\\/g, ''))).toEqual(['`apps/app-1.yaml`', 'NetworkPolicy `shop/default-deny`', '`add-network-policy`', 'deny by default']);
    expect(md).toContain('exempted: `kharden.dev/skip.app`');
  });
});

describe('a long run stays readable', () => {
  const many = Array.from({ length: 10_000 }, (_, i) =>
    resource(i, { findings: [{ transform: 'run-as-non-root', code: i % 2 ? 'imageMayRequireRoot' : 'writablePathsUnknown', severity: 'warning', message: `container app-${i}: image not known`, line: 10 }] }),
  );
  const report = reportWith(many);

  test('capped lists that count what they left out and point to the full reports; under GitHub\'s limit', () => {
    const md = renderMarkdown(report, { links: { json: 'out/report.json', html: 'out/report.html' } });
    expect(md.length).toBeLessThan(65_536);
    expect(md.length).toBeLessThanOrEqual(MARKDOWN_LIMITS.characters);
    const [totals, workloads] = tables(md);
    expect(Number(totals.rows[0][0].text)).toBe(10_000);
    expect(workloads.rows).toHaveLength(MARKDOWN_LIMITS.workloads);
    expect(md).toContain(`_${10_000 - MARKDOWN_LIMITS.workloads} more workloads not shown: see the JSON report (\`out/report.json\`) or the HTML report (\`out/report.html\`)._`);
    // Warnings come first, so the cap shows warnings; the rest is counted by code, largest first.
    const half = 5000 - MARKDOWN_LIMITS.attention / 2;
    expect(md).toContain(`- … and ${10_000 - MARKDOWN_LIMITS.attention} more (${half} × \`writablePathsUnknown\`, ${half} × \`imageMayRequireRoot\`)`);
    const details = md.match(/<details>/g)!.length;
    expect(details).toBeLessThanOrEqual(MARKDOWN_LIMITS.files);
    expect(md).toContain(`_${10_000 - details} more files not shown here`);
    // Every <details> is closed: a cut never leaves the rest of the comment folded.
    expect(md.match(/<\/details>/g)!.length).toBe(details);
  });

  test('without other reports, it says how to get one', () => {
    expect(renderMarkdown(report)).toContain('run with `--report report.json` or `--report report.html` for all of them');
  });
});

describe.skipIf(!corpusPresent)(corpusPresent ? 'real manifests' : `SKIPPED: ${CORPUS} is absent`, () => {
  let report: Report;
  beforeAll(async () => {
    ({ report } = await reportOf(manifestsOf(CLEAN_PROJECTS.map((p) => path.join(CORPUS, p))), { cwd: CORPUS }));
  }, 180_000);

  test('totals equal the report\'s; one row per reviewed workload up to the cap', () => {
    const md = renderMarkdown(report);
    const [totals, workloads] = tables(md);
    const t = report.totals;
    expect(totals.rows[0].map((c) => Number(c.text))).toEqual([t.files, t.filesChanged, t.documents, t.resourcesChanged, t.edits, t.findings.error, t.findings.warning, t.findings.info]);
    const reviewed = report.resources.filter((r) => r.edits.length || r.findings.length || r.pss);
    expect(workloads.rows).toHaveLength(Math.min(reviewed.length, MARKDOWN_LIMITS.workloads));
    for (const row of workloads.rows) expect(row).toHaveLength(5);
    expect(md.length).toBeLessThan(65_536);
  });
});

describe('node agents', () => {
  test('the workload row and the details say it is a node agent that stays privileged, and why', () => {
    const agent = resource(1, {
      kind: 'DaemonSet',
      pss: { before: 'privileged', after: 'privileged', failing: [{ check: 'hostNamespaces', detail: 'hostNetwork=true' }] } as any,
      nodeAgent: { checks: [{ check: 'hostNamespaces', detail: 'hostNetwork=true' }] },
    });
    const md = renderMarkdown(reportWith([agent, resource(2)]));
    const table = tables(md).find((t) => t.header.some((h) => h.text === 'Pod Security'))!;
    const rows = table.rows.map((row) => row.map((c) => c.text));
    expect(rows[0][2]).toBe('privileged (node agent)');
    expect(rows[1][2]).toBe('baseline → restricted');
    expect(md).toContain('node agent: stays privileged whatever kharden does (hostNamespaces (hostNetwork=true)); it keeps the privileges it needs. Run it in a namespace that enforces privileged.');
  });
});
