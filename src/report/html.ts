/**
 * The report as one self-contained HTML page: totals, what needs a human, a workload table with
 * filters (namespace, kind, finding level, Pod Security level), and each changed file's diff with
 * added and removed lines highlighted. No network: CSS and JS are inline and a Content Security
 * Policy forbids every fetch, so the page works from a CI artifact or an air-gapped laptop.
 *
 * Everything from the manifests is HTML-escaped. The page is rendered here, complete, so it reads
 * without JavaScript; the script only hides rows.
 */
import type { Severity } from '../core/types.js';
import { describeFinding, needsAttention } from './catalog.js';
import { countsText, editChange, exemptionText, findingCounts, nodeAgentText, looseWhere, namespacedName, reviewedResources, SEVERITIES } from './view.js';
import type { ViewReport, ViewResource } from './view.js';

export const HTML_LIMITS = {
  /** Diff lines shown per file; the rest is counted. */
  diffLines: 3000,
  /**
   * Items in "needs your attention": each is also under its file, so past this many the list only
   * counts the rest by code (10,000 workloads made it 10 MB of the page otherwise).
   */
  attention: 200,
};

const NO_NAMESPACE = '(none)';
const NO_FINDINGS = 'none';

export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

const levelsOf = (r: ViewResource) => {
  const present = SEVERITIES.filter((s) => r.findings.some((f) => f.severity === s));
  return present.length ? present.join(' ') : NO_FINDINGS;
};

function filterAttributes(r: ViewResource): string {
  return `data-namespace="${esc(r.namespace ?? NO_NAMESPACE)}" data-kind="${esc(r.kind)}" data-levels="${levelsOf(r)}" data-pss="${esc(r.pss?.after ?? NO_FINDINGS)}"`;
}

function options(values: Iterable<string>, all: string): string {
  const sorted = [...new Set(values)].sort((a, b) => a.localeCompare(b));
  return [`<option value="">${esc(all)}</option>`, ...sorted.map((v) => `<option value="${esc(v)}">${esc(v)}</option>`)].join('');
}

export function renderHtml(report: ViewReport): string {
  const t = report.totals;
  const workloads = reviewedResources(report);
  const fileIds = new Map(report.files.map((f, i) => [f.file, `file-${i}`]));
  const body: string[] = [];

  body.push(`<header><h1>kharden report</h1><p>Profile <code>${esc(report.profile)}</code> · kharden ${esc(report.version)}</p></header>`);

  const totals: [string, string, number][] = [
    ['files', 'files', t.files],
    ['filesChanged', 'files changed', t.filesChanged],
    ['documents', 'documents', t.documents],
    ['resourcesChanged', 'resources changed', t.resourcesChanged],
    ['edits', 'edits', t.edits],
    ['error', 'errors', t.findings.error],
    ['warning', 'warnings', t.findings.warning],
    ['info', 'info', t.findings.info],
  ];
  body.push(
    `<section id="totals" aria-label="Totals">${totals.map(([key, label, n]) => `<div class="total ${key}" data-total="${key}"><span class="n">${n}</span><span class="label">${label}</span></div>`).join('')}</section>`,
  );

  body.push(attention(report));

  const generated = report.generated ?? [];
  if (generated.length) {
    body.push(
      `<section id="generated"><h2>Resources added (${generated.length})</h2><table><thead><tr><th>file</th><th>resource</th><th>transform</th><th>why</th></tr></thead><tbody>${generated
        .map((g) => `<tr><td><code>${esc(g.file ?? '')}</code></td><td>${esc(g.kind)} <code>${esc(namespacedName(g))}</code></td><td><code>${esc(g.transform)}</code></td><td>${esc(g.reason)}</td></tr>`)
        .join('')}</tbody></table></section>`,
    );
  }

  body.push(`<section id="workloads"><h2>Workloads (${workloads.length})</h2>`);
  body.push(
    `<form class="filters" id="filters" onsubmit="return false">` +
      `<label>Namespace <select id="filter-namespace">${options(workloads.map((r) => r.namespace ?? NO_NAMESPACE), 'all namespaces')}</select></label>` +
      `<label>Kind <select id="filter-kind">${options(workloads.map((r) => r.kind), 'all kinds')}</select></label>` +
      `<label>Finding level <select id="filter-level"><option value="">any</option>${[...SEVERITIES, NO_FINDINGS].map((s) => `<option value="${s}">${s === NO_FINDINGS ? 'no findings' : s}</option>`).join('')}</select></label>` +
      `<label>Pod Security after <select id="filter-pss">${options(workloads.map((r) => r.pss?.after ?? NO_FINDINGS), 'any')}</select></label>` +
      `<button type="button" id="filter-reset">Reset</button>` +
      `</form>`,
  );
  body.push(`<p class="shown">Showing <span id="shown-count">${workloads.length}</span> of <span id="total-count">${workloads.length}</span> workloads</p>`);
  body.push(`<table id="workload-table"><thead><tr><th>file</th><th>kind</th><th>namespace</th><th>name</th><th>Pod Security</th><th>edits</th><th>findings</th></tr></thead><tbody>`);
  for (const r of workloads) {
    const pss = (r.pss ? pssChange(r.pss) : '–') + (r.nodeAgent ? ' <span class="agent">node agent</span>' : '');
    const counts = findingCounts(r.findings);
    const findings = SEVERITIES.filter((s) => counts[s]).map((s) => `<span class="sev ${s}">${counts[s]} ${s}</span>`).join(' ') || '–';
    body.push(
      `<tr class="workload" ${filterAttributes(r)} data-file="${esc(r.file)}"><td><a href="#${fileIds.get(r.file) ?? ''}"><code>${esc(r.file)}</code></a></td><td>${esc(r.kind)}</td><td>${esc(r.namespace ?? '')}</td><td>${esc(r.name ?? '(unnamed)')}</td><td class="nowrap">${pss}</td><td class="num">${r.edits.length}</td><td class="nowrap">${findings}</td></tr>`,
    );
  }
  body.push(`</tbody></table></section>`);

  body.push(`<section id="files"><h2>Changes by file</h2>`);
  const resourcesByFile = new Map<string, ViewResource[]>();
  for (const r of workloads) {
    const list = resourcesByFile.get(r.file);
    if (list) list.push(r);
    else resourcesByFile.set(r.file, [r]);
  }
  const looseByFile = new Map<string, ViewReport['findings']>();
  for (const x of report.findings) {
    if (x.file === undefined) continue;
    const list = looseByFile.get(x.file);
    if (list) list.push(x);
    else looseByFile.set(x.file, [x]);
  }
  for (const f of report.files) {
    const resources = resourcesByFile.get(f.file) ?? [];
    const loose = looseByFile.get(f.file) ?? [];
    if (!f.changed && !resources.some((r) => r.findings.length) && !loose.length) continue;
    body.push(fileSection(f, fileIds.get(f.file)!, resources, loose));
  }
  body.push(`</section>`);

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>kharden report: ${t.resourcesChanged} resources hardened</title>
<style>${CSS}</style>
</head>
<body>
${body.join('\n')}
<script>${SCRIPT}</script>
</body>
</html>
`;
}

/** `baseline → restricted`, or one level when hardening did not change it. */
function pssChange(pss: { before: string; after: string }): string {
  const level = (l: string) => `<span class="pss ${esc(l)}">${esc(l)}</span>`;
  return pss.before === pss.after ? level(pss.after) : `${level(pss.before)} → ${level(pss.after)}`;
}

function attention(report: ViewReport): string {
  const items: { severity: Severity; code: string; html: string; attrs: string }[] = [];
  for (const r of report.resources) {
    for (const f of r.findings) {
      if (!needsAttention(f.code, f.severity)) continue;
      items.push({
        severity: f.severity,
        code: f.code,
        attrs: filterAttributes(r),
        html: `<span class="sev ${f.severity}">${f.severity === 'info' ? 'confirm' : f.severity}</span> <code>${esc(f.code)}</code> <span class="title">${esc(describeFinding(f.code, f.severity, undefined, report.messages?.[f.code]).title)}</span> — ${esc(r.kind)} <code>${esc(namespacedName(r))}</code> in <code>${esc(r.file)}</code>${f.line ? ` line ${f.line}` : ''}: ${esc(f.message)}`,
      });
    }
  }
  for (const f of report.findings) {
    if (!needsAttention(f.code, f.severity)) continue;
    items.push({ severity: f.severity, code: f.code, attrs: '', html: `<span class="sev ${f.severity}">${f.severity}</span> <code>${esc(f.code)}</code> — ${esc(looseWhere(f))}: ${esc(f.message)}` });
  }
  const rank = (s: Severity) => SEVERITIES.indexOf(s);
  items.sort((a, b) => rank(a.severity) - rank(b.severity));
  if (!items.length) return `<section id="attention"><h2>Needs your attention</h2><p>Nothing: no error or warning findings, and no default that needs confirming.</p></section>`;
  const shown = items.slice(0, HTML_LIMITS.attention);
  const rest = new Map<string, number>();
  for (const i of items.slice(HTML_LIMITS.attention)) rest.set(i.code, (rest.get(i.code) ?? 0) + 1);
  const more = rest.size
    ? `<p class="more">… and ${items.length - shown.length} more (${[...rest.entries()]
        .sort((a, b) => b[1] - a[1])
        .map(([code, n]) => `${n} × <code>${esc(code)}</code>`)
        .join(', ')}): each is listed under its file below; filter the workloads by finding level to find them.</p>`
    : '';
  return `<section id="attention"><h2>Needs your attention (${items.length})</h2><ul>${shown.map((i) => `<li class="finding" ${i.attrs}>${i.html}</li>`).join('')}</ul>${more}</section>`;
}

function fileSection(f: ViewReport['files'][number], id: string, resources: ViewResource[], loose: ViewReport['findings']): string {
  const edits = resources.reduce((n, r) => n + r.edits.length, 0);
  const counts = countsText(findingCounts([...resources.flatMap((r) => r.findings), ...loose]));
  const parts: string[] = [];
  parts.push(`<details class="file" id="${id}" data-file="${esc(f.file)}"><summary><code>${esc(f.file)}</code> — ${plural(edits, 'edit')}${counts ? `, ${counts}` : ''}</summary>`);
  for (const r of resources) {
    if (!r.edits.length && !r.findings.length) continue;
    parts.push(`<div class="resource" ${filterAttributes(r)}><h3>${esc(r.kind)} <code>${esc(namespacedName(r))}</code> <span class="doc">document ${r.document}</span>${r.pss ? ` ${pssChange(r.pss)}` : ''}</h3>`);
    if (r.edits.length) {
      parts.push(
        `<table class="edits"><thead><tr><th>line</th><th>path</th><th>change</th><th>transform</th><th>why</th></tr></thead><tbody>${r.edits
          .map((e) => `<tr><td class="num">${e.line}</td><td><code>${esc(e.path)}</code></td><td><code>${esc(editChange(e))}</code></td><td><code>${esc(e.transform)}</code></td><td>${esc(e.reason)}</td></tr>`)
          .join('')}</tbody></table>`,
      );
    }
    if (r.findings.length) {
      parts.push(
        `<ul class="findings">${r.findings
          .map((x) => `<li><span class="sev ${x.severity}">${x.severity}</span> <code>${esc(x.code)}</code>${x.pssCheck ? ` (${esc(x.pssCheck)})` : ''}${x.line ? ` line ${x.line}` : ''}: ${esc(x.message)}</li>`)
          .join('')}</ul>`,
      );
    }
    const exemptions = r.exemptions ?? [];
    if (exemptions.length) parts.push(`<p class="exemptions">Exempted: ${exemptions.map((x) => `<code>${esc(exemptionText(x))}</code>`).join(', ')}</p>`);
    if (r.nodeAgent) parts.push(`<p class="agent">Node agent: ${esc(nodeAgentText(r.nodeAgent))}</p>`);
    if (r.pss?.failing.length) parts.push(`<p class="failing">Still fails restricted: ${r.pss.failing.map((x) => `<code>${esc(x.check)}</code>`).join(', ')}</p>`);
    parts.push(`</div>`);
  }
  if (loose.length) parts.push(`<ul class="findings">${loose.map((x) => `<li><span class="sev ${x.severity}">${x.severity}</span> <code>${esc(x.code)}</code> document ${x.document}${x.line ? ` line ${x.line}` : ''}: ${esc(x.message)}</li>`).join('')}</ul>`);
  if (f.diff) parts.push(diffBlock(f.diff));
  else if (f.changed) parts.push(`<p class="nodiff">No diff in this report (it was built without diffs).</p>`);
  parts.push(`</details>`);
  return parts.join('\n');
}

/** A unified diff as lines, each classed by its first character: added, removed, hunk header or context. */
function diffBlock(diff: string): string {
  const lines = diff.replace(/\n$/, '').split('\n');
  // The first lines are `Index:`/`====` and the `---`/`+++` file headers: the summary already names the file.
  const start = lines.findIndex((l) => l.startsWith('@@'));
  const body = start < 0 ? [] : lines.slice(start);
  const shown = body.slice(0, HTML_LIMITS.diffLines).map((raw) => {
    const line = raw.replace(/\r$/, '');
    const cls = line.startsWith('@@') ? 'hunk' : line.startsWith('+') ? 'add' : line.startsWith('-') ? 'del' : line.startsWith('\\') ? 'meta' : 'ctx';
    return `<span class="${cls}">${esc(line) || ' '}</span>`;
  });
  const more = body.length > HTML_LIMITS.diffLines ? `<p class="more">${body.length - HTML_LIMITS.diffLines} more diff lines not shown.</p>` : '';
  // Each line is a block of its own: newlines between them would double the spacing.
  return `<pre class="diff">${shown.join('')}</pre>${more}`;
}

const CSS = `
:root{--fg:#1f2328;--muted:#59636e;--bg:#fff;--line:#d1d9e0;--add:#dafbe1;--add-fg:#116329;--del:#ffebe9;--del-fg:#82071e;--hunk:#ddf4ff;--err:#cf222e;--warn:#9a6700;--info:#0969da}
*{box-sizing:border-box}
body{font:14px/1.5 -apple-system,BlinkMacSystemFont,"Segoe UI",Helvetica,Arial,sans-serif;color:var(--fg);background:var(--bg);margin:0 auto;max-width:1280px;padding:16px 24px}
h1{font-size:24px;margin:0}h2{font-size:18px;border-bottom:1px solid var(--line);padding-bottom:4px;margin-top:28px}h3{font-size:14px;margin:12px 0 4px}
header p{color:var(--muted);margin:4px 0 0}
code{font:12px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:#f6f8fa;padding:1px 4px;border-radius:4px;word-break:break-all}
#totals{display:flex;flex-wrap:wrap;gap:8px;margin-top:16px}
.total{border:1px solid var(--line);border-radius:6px;padding:8px 14px;min-width:110px}
.total .n{display:block;font-size:22px;font-weight:600}.total .label{color:var(--muted);font-size:12px}
.total.error .n{color:var(--err)}.total.warning .n{color:var(--warn)}
table{border-collapse:collapse;width:100%;margin:6px 0}th,td{border:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}th{background:#f6f8fa}
td.num{text-align:right}td.nowrap{white-space:nowrap}
.sev{font-weight:600;font-size:12px;text-transform:uppercase}.sev.error{color:var(--err)}.sev.warning{color:var(--warn)}.sev.info{color:var(--info)}
.agent{font-size:.85em;border:1px solid currentColor;border-radius:3px;padding:0 .3em}.pss{font-weight:600}.pss.privileged{color:var(--err)}.pss.baseline{color:var(--warn)}.pss.restricted{color:var(--add-fg)}
.filters{display:flex;flex-wrap:wrap;gap:12px;align-items:center;margin:8px 0}.filters select{margin-left:4px}
.shown{color:var(--muted)}
#attention ul{padding-left:20px}#attention li{margin:4px 0}
details.file{border:1px solid var(--line);border-radius:6px;margin:8px 0;padding:4px 12px}details.file>summary{cursor:pointer;padding:4px 0}
.doc{color:var(--muted);font-weight:normal;font-size:12px}
pre.diff{font:12px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;overflow:auto;border:1px solid var(--line);border-radius:6px;padding:0;margin:8px 0}
pre.diff span{display:block;padding:0 8px;white-space:pre}
pre.diff .add{background:var(--add);color:var(--add-fg)}pre.diff .del{background:var(--del);color:var(--del-fg)}pre.diff .hunk{background:var(--hunk);color:var(--muted)}pre.diff .meta{color:var(--muted)}
[hidden]{display:none!important}
`;

// Plain ES2017 for any browser; reads the data-* attributes the rows carry.
const SCRIPT = `
(function () {
  var ids = ['namespace', 'kind', 'level', 'pss'];
  var selects = ids.map(function (id) { return document.getElementById('filter-' + id); });
  function matches(el, v) {
    if (v[0] && el.getAttribute('data-namespace') !== v[0]) return false;
    if (v[1] && el.getAttribute('data-kind') !== v[1]) return false;
    if (v[2] && (el.getAttribute('data-levels') || '').split(' ').indexOf(v[2]) < 0) return false;
    if (v[3] && el.getAttribute('data-pss') !== v[3]) return false;
    return true;
  }
  function apply() {
    var v = selects.map(function (s) { return s.value; });
    var any = v.some(function (x) { return x !== ''; });
    var rows = document.querySelectorAll('tr.workload');
    var shown = 0, files = {};
    rows.forEach(function (row) {
      var ok = matches(row, v);
      row.hidden = !ok;
      if (ok) { shown++; files[row.getAttribute('data-file')] = true; }
    });
    document.getElementById('shown-count').textContent = String(shown);
    document.querySelectorAll('#attention li.finding, div.resource').forEach(function (el) {
      el.hidden = !matches(el, v);
    });
    document.querySelectorAll('details.file').forEach(function (d) {
      d.hidden = any && !files[d.getAttribute('data-file')];
    });
  }
  selects.forEach(function (s) { s.addEventListener('change', apply); });
  document.getElementById('filter-reset').addEventListener('click', function () {
    selects.forEach(function (s) { s.value = ''; });
    apply();
  });
})();
`;
