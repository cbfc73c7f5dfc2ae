/**
 * The short summary every run prints on stderr (unless -q): counts, then the findings that need a
 * human one per line (errors first, capped), then the advice for their codes, once per code.
 * Made from the report object, like every other rendering.
 */
import type { Report } from '../report/build.js';
import type { Severity } from '../core/types.js';
import { paint } from './terminal.js';

export const SUMMARY_CAP = 20;

export interface SummaryOptions {
  /** What happened to changed files: `changed`, `rewritten`, `would change`. */
  verb: string;
  /** Where output went, for the counts line (`→ out/`). */
  where?: string;
  color: boolean;
  /** The flag to point at for the rest (`--report FILE`). */
  reportHint: string;
}


export function renderSummary(report: Report, o: SummaryOptions): string {
  const t = report.totals;
  const lines: string[] = [];
  const generated = t.generated ? `; ${t.generated} resource(s) generated` : '';
  lines.push(
    `kharden: ${t.files} file(s), ${t.filesChanged} ${o.verb}${o.where ? ` → ${o.where}` : ''}; ${t.resourcesChanged} resource(s) hardened with ${t.edits} edit(s)${generated}; findings: ${paint(o.color && t.findings.error > 0, 'error', `${t.findings.error} error`)}, ${paint(o.color && t.findings.warning > 0, 'warning', `${t.findings.warning} warning`)}, ${t.findings.info} info`,
  );
  const shown: { severity: Severity; text: string; code: string }[] = [];
  for (const sev of ['error', 'warning'] as const) {
    for (const r of report.resources) {
      for (const f of r.findings) {
        if (f.severity !== sev) continue;
        const id = `${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name ?? '(unnamed)'}`;
        shown.push({ severity: sev, code: f.code, text: `${r.file}${f.line ? `:${f.line}` : ''} ${id}: ${f.message} [${f.code}]` });
      }
    }
    for (const f of report.findings) {
      if (f.severity !== sev) continue;
      const where = f.file ? `${f.file}${f.line ? `:${f.line}` : ''}${f.document !== undefined ? ` (document ${f.document})` : ''}` : f.resource ? `${f.resource.kind} ${f.resource.namespace ? `${f.resource.namespace}/` : ''}${f.resource.name ?? ''}` : '(run)';
      shown.push({ severity: sev, code: f.code, text: `${where}: ${f.message} [${f.code}]` });
    }
  }
  for (const s of shown.slice(0, SUMMARY_CAP)) lines.push(`  ${paint(o.color, s.severity, s.severity)} ${s.text}`);
  if (shown.length > SUMMARY_CAP) lines.push(`  … and ${shown.length - SUMMARY_CAP} more, see ${o.reportHint}`);
  const codes = [...new Set(shown.slice(0, SUMMARY_CAP).map((s) => s.code))];
  for (const code of codes) {
    const m = report.messages[code];
    if (m?.help) lines.push(`  ${code}: ${m.help}`);
  }
  return lines.join('\n') + '\n';
}
