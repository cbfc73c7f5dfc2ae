/**
 * The report as a pull-request comment (GitHub-flavoured Markdown): totals, what needs a human,
 * one row per workload, and each file's changes folded in <details>. A long run stays a comment a
 * person can read: every list is capped, says how many it left out and where the rest is, and the
 * whole text stays under GitHub's comment limit.
 *
 * Everything that comes from the manifests (paths, names, values, messages) is escaped, so a name
 * like `a|b` or `<script>` cannot break a table or inject markup.
 */
import type { Severity } from '../core/types.js';
import { describeFinding, needsAttention } from './catalog.js';
import { countsText, editChange, exemptionText, findingCounts, nodeAgentText, looseWhere, namespacedName, reviewedResources } from './view.js';
import type { ViewReport, ViewResource } from './view.js';

export interface MarkdownOptions {
  /** Where the complete reports of the same run are, to point to them when a list is cut. */
  links?: { json?: string; html?: string; sarif?: string };
  /** Caps (defaults in {@link MARKDOWN_LIMITS}). */
  limits?: Partial<typeof MARKDOWN_LIMITS>;
}

export const MARKDOWN_LIMITS = {
  /** Workload rows in the table. */
  workloads: 50,
  /** Items in "needs your attention". */
  attention: 20,
  /** Files folded in <details>. */
  files: 25,
  /** Edit and finding lines inside one file's <details>. */
  linesPerFile: 40,
  /** Characters in the whole comment: GitHub refuses comments over 65,536. */
  characters: 60_000,
};

const MARK: Record<Severity, string> = { error: '❌', warning: '⚠️', info: 'ℹ️' };

/**
 * Text in Markdown: the punctuation that can start markup in running text (emphasis, code, links,
 * HTML, headings, tables, strikethrough, math, entities) is backslash-escaped, so it shows as
 * itself; `@` and `#` get a word joiner so `@user` and `#12` do not notify or link (GitHub turns
 * them into mentions and issue links even when escaped). Text here never starts a line, so list
 * and block markers (`-`, `+`, `1.`, `>`) cannot apply.
 */
export function mdText(s: string): string {
  return s
    .replace(/\r?\n|\r/g, ' ')
    .replace(/[\\`*_{}[\]<>#|~&$]/g, (c) => `\\${c}`)
    // A colon before a word could open an emoji shortcode (`:x:`); other colons are left readable.
    .replace(/:(?=\w)/g, '\\:')
    .replace(/@/g, '@\u2060')
    .replace(/\\#(?=\d)/g, '#\u2060');
}

/** Inline code: shows the text verbatim (no markup, no mentions). `inTable` escapes `|`, which GFM reads as a cell border even in code. */
export function mdCode(s: string, inTable = false): string {
  let text = s.replace(/\r?\n|\r/g, ' ');
  if (inTable) text = text.replace(/\|/g, '\\|');
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((m) => m.length));
  const fence = '`'.repeat(longest + 1);
  const pad = text.startsWith('`') || text.endsWith('`') || /^ .* $/.test(text) ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

/** Text inside raw HTML (<summary>). */
const html = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/@/g, '@\u2060');

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function seeAlso(options: MarkdownOptions): string {
  const where = [options.links?.json && `the JSON report (${mdCode(options.links.json)})`, options.links?.html && `the HTML report (${mdCode(options.links.html)})`].filter(Boolean);
  return where.length ? `see ${where.join(' or ')}` : 'run with `--report report.json` or `--report report.html` for all of them';
}

export function renderMarkdown(report: ViewReport, options: MarkdownOptions = {}): string {
  const limits = { ...MARKDOWN_LIMITS, ...options.limits };
  const t = report.totals;
  const out: string[] = [];
  const workloads = reviewedResources(report);

  out.push(`## kharden: ${plural(t.resourcesChanged, 'resource')} hardened in ${plural(t.filesChanged, 'file')}`, '');
  out.push(`Profile ${mdCode(report.profile)} · kharden ${mdText(report.version)}`, '');
  out.push('| files | changed | documents | resources changed | edits | errors | warnings | info |');
  out.push('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  out.push(`| ${t.files} | ${t.filesChanged} | ${t.documents} | ${t.resourcesChanged} | ${t.edits} | ${t.findings.error} | ${t.findings.warning} | ${t.findings.info} |`, '');

  out.push(...attention(report, limits.attention, options));
  out.push(...workloadTable(workloads, limits.workloads, options));
  out.push(...generated(report, limits.workloads, options));

  // Folded per-file details until the comment would grow too long.
  const byFile = new Map<string, ViewResource[]>();
  for (const r of workloads) {
    if (!r.edits.length && !r.findings.length) continue;
    const list = byFile.get(r.file);
    if (list) list.push(r);
    else byFile.set(r.file, [r]);
  }
  const files = [...byFile.entries()];
  if (files.length) {
    out.push(`### Changes by file`, '');
    let shown = 0;
    let size = out.join('\n').length;
    for (const [file, resources] of files) {
      if (shown >= limits.files) break;
      const block = fileDetails(file, resources, limits.linesPerFile).join('\n');
      if (size + block.length > limits.characters - 500) break;
      out.push(block, '');
      size += block.length + 1;
      shown++;
    }
    if (shown < files.length) out.push(`_${plural(files.length - shown, 'more file')} not shown here: ${seeAlso(options)}._`, '');
  }
  return out.join('\n').replace(/\n+$/, '') + '\n';
}

function attention(report: ViewReport, cap: number, options: MarkdownOptions): string[] {
  interface Item {
    severity: Severity;
    code: string;
    text: string;
  }
  const items: Item[] = [];
  for (const r of report.resources) {
    for (const f of r.findings) {
      if (!needsAttention(f.code, f.severity)) continue;
      const where = `${mdCode(r.file)}${f.line ? ` line ${f.line}` : ''}`;
      items.push({ severity: f.severity, code: f.code, text: `${r.kind} ${mdCode(namespacedName(r))} in ${where}: ${mdText(f.message)}` });
    }
  }
  for (const f of report.findings) {
    if (!needsAttention(f.code, f.severity)) continue;
    items.push({ severity: f.severity, code: f.code, text: `${f.file !== undefined ? mdCode(looseWhere(f)) : mdText(looseWhere(f))}: ${mdText(f.message)}` });
  }
  if (!items.length) return ['### Needs your attention', '', 'Nothing: no error or warning findings, and no default that needs confirming.', ''];
  const rank = (i: Item) => (i.severity === 'error' ? 0 : i.severity === 'warning' ? 1 : 2);
  items.sort((a, b) => rank(a) - rank(b));
  const out = [`### Needs your attention (${items.length})`, ''];
  for (const i of items.slice(0, cap)) {
    const label = i.severity === 'info' ? '**confirm**' : `**${i.severity}**`;
    out.push(`- ${MARK[i.severity]} ${label} ${mdCode(i.code)} (${mdText(describeFinding(i.code, i.severity, undefined, report.messages?.[i.code]).title)}): ${i.text}`);
  }
  if (items.length > cap) {
    const rest = new Map<string, number>();
    for (const i of items.slice(cap)) rest.set(i.code, (rest.get(i.code) ?? 0) + 1);
    const summary = [...rest.entries()].sort((a, b) => b[1] - a[1]).map(([code, n]) => `${n} × ${mdCode(code)}`).join(', ');
    out.push(`- … and ${items.length - cap} more (${summary}): ${seeAlso(options)}.`);
  }
  out.push('');
  return out;
}

function workloadTable(workloads: ViewResource[], cap: number, options: MarkdownOptions): string[] {
  if (!workloads.length) return ['No workloads in the input.', ''];
  const out = [`### Workloads (${workloads.length})`, '', '| file | workload | Pod Security | edits | findings |', '| --- | --- | --- | ---: | --- |'];
  for (const r of workloads.slice(0, cap)) {
    const level = r.pss ? (r.pss.before === r.pss.after ? r.pss.after : `${r.pss.before} → ${r.pss.after}`) : '–';
    const pss = r.nodeAgent ? `${level} (node agent)` : level;
    const counts = countsText(findingCounts(r.findings)) || '–';
    out.push(`| ${mdCode(r.file, true)} | ${mdText(r.kind)} ${mdCode(namespacedName(r), true)} | ${pss} | ${r.edits.length} | ${counts} |`);
  }
  if (workloads.length > cap) out.push('', `_${plural(workloads.length - cap, 'more workload')} not shown: ${seeAlso(options)}._`);
  out.push('');
  return out;
}

function generated(report: ViewReport, cap: number, options: MarkdownOptions): string[] {
  const list = report.generated ?? [];
  if (!list.length) return [];
  const out = [`### Resources added (${list.length})`, '', '| file | resource | transform | why |', '| --- | --- | --- | --- |'];
  for (const g of list.slice(0, cap)) out.push(`| ${g.file !== undefined ? mdCode(g.file, true) : '–'} | ${mdText(g.kind)} ${mdCode(namespacedName(g), true)} | ${mdCode(g.transform, true)} | ${mdText(g.reason)} |`);
  if (list.length > cap) out.push('', `_${plural(list.length - cap, 'more resource')} not shown: ${seeAlso(options)}._`);
  out.push('');
  return out;
}

function fileDetails(file: string, resources: ViewResource[], cap: number): string[] {
  const edits = resources.reduce((n, r) => n + r.edits.length, 0);
  const counts = findingCounts(resources.flatMap((r) => r.findings));
  const findings = countsText(counts);
  const out = [`<details><summary><code>${html(file)}</code>: ${plural(edits, 'edit')}${findings ? `, ${findings}` : ''}</summary>`, ''];
  let lines = 0;
  let omitted = 0;
  for (const r of resources) {
    const body: string[] = [];
    for (const e of r.edits) body.push(`  - ${mdCode(e.path)} (line ${e.line}): ${mdCode(editChange(e))} · ${mdCode(e.transform)}: ${mdText(e.reason)}`);
    for (const f of r.findings) body.push(`  - ${MARK[f.severity]} ${f.severity} ${mdCode(f.code)}${f.line ? ` (line ${f.line})` : ''}: ${mdText(f.message)}`);
    if (r.nodeAgent) body.push(`  - node agent: ${mdText(nodeAgentText(r.nodeAgent))}`);
    for (const x of r.exemptions ?? []) body.push(`  - exempted: ${mdCode(exemptionText(x))}`);
    if (r.pss?.failing.length) body.push(`  - still fails restricted: ${r.pss.failing.map((f) => mdCode(f.check)).join(', ')}`);
    if (lines >= cap) {
      omitted += body.length;
      continue;
    }
    out.push(`- ${mdText(r.kind)} ${mdCode(namespacedName(r))}${r.pss ? ` (${r.pss.before} → ${r.pss.after})` : ''}`);
    const room = cap - lines;
    out.push(...body.slice(0, room));
    omitted += Math.max(0, body.length - room);
    lines += Math.min(body.length, room);
  }
  if (omitted) out.push(`- … ${plural(omitted, 'more line')} for this file in the full report`);
  out.push('', '</details>');
  return out;
}
