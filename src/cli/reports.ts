/**
 * `--report FILE` (repeatable) and `--report-format`: which formats go where, checked before any
 * work is done, then rendered from the one Report of the run and written all or nothing.
 */
import * as path from 'node:path';
import { UsageError } from '../lib/errors.js';
import type { ChainLink } from '../core/engine.js';
import type { Report, ReportTransform } from '../report/build.js';
import { formatFromPath, formatNeedsDiffs, parseFormat, REPORT_FORMATS } from '../report/formats.js';
import type { ReportFormat } from '../report/formats.js';
import type { RenderOptions } from '../report/render.js';
import { stageWrites } from '../io/files.js';

export interface PlannedReport {
  /** A file path, or '-' for stderr. */
  target: string;
  format: ReportFormat;
}

/**
 * The reports a run writes. A path's extension names its format (.json, .sarif, .md, .html, .txt);
 * `--report-format` names it for a path without one (and for '-'); a path with neither gets text,
 * as `--report` always did. A --report-format that no path uses because every extension says
 * something else is refused rather than ignored.
 */
export function planReports(targets: string[], formatName?: string): PlannedReport[] {
  let explicit: ReportFormat | undefined;
  if (formatName !== undefined) {
    explicit = parseFormat(formatName);
    if (!explicit) throw new UsageError(`--report-format ${JSON.stringify(formatName)} is not a report format; use one of ${REPORT_FORMATS.join(', ')}`);
    if (targets.length === 0) throw new UsageError('--report-format needs --report FILE');
  }
  const seen = new Set<string>();
  const plan = targets.map((target) => {
    const key = target === '-' ? '-' : path.resolve(target);
    if (seen.has(key)) throw new UsageError(`--report ${target} is given twice`);
    seen.add(key);
    const byName = target === '-' ? undefined : formatFromPath(target);
    return { target, format: byName ?? explicit ?? 'text', byName };
  });
  // `--report out.json --report-format sarif` would silently write JSON: say so instead.
  const contradicted = explicit && plan.every((p) => p.byName !== undefined) ? plan.find((p) => p.byName !== explicit) : undefined;
  if (contradicted) throw new UsageError(`--report ${contradicted.target}: its extension says ${contradicted.byName}, but --report-format says ${explicit}, and no other --report path lacks a known extension; rename the file or drop --report-format`);
  return plan.map(({ target, format }) => ({ target, format }));
}

export const reportsNeedDiffs = (plan: PlannedReport[]) => plan.some((p) => formatNeedsDiffs(p.format));

/** What the SARIF rules need to know about each transform of the chain. */
export function chainInfo(chain: readonly ChainLink[]): ReportTransform[] {
  return chain.map((link) => ({ id: link.id, summary: link.transform.summary, reason: link.transform.reason, docs: link.transform.docs }));
}

export interface ReportContext {
  sarifEdits?: boolean;
  /** Input file → where its hardened text is written (-o DIR, --in-place). */
  outputFiles?: Record<string, string>;
}

/** Renders every planned report from the same Report and writes the files all or nothing; '-' goes to stderr. */
export async function writeReports(plan: PlannedReport[], report: Report, context: ReportContext): Promise<void> {
  if (plan.length === 0) return;
  // Loaded only here: a run without --report does not pay for the renderers.
  const { renderReport } = await import('../report/render.js');
  const linkTo = (format: ReportFormat) => plan.find((p) => p.format === format && p.target !== '-')?.target;
  const options: RenderOptions = {
    cwd: process.cwd(),
    edits: context.sarifEdits,
    outputFiles: context.outputFiles,
    links: { json: linkTo('json'), html: linkTo('html'), sarif: linkTo('sarif') },
  };
  // One report at a time to its temp file, so a big run never holds every rendering at once
  // (four reports of 10,000 resources are ~130 MB of text); renamed together at the end.
  const staging = stageWrites();
  try {
    for (const p of plan) if (p.target !== '-') staging.stage({ target: p.target, text: renderReport(report, p.format, options) });
  } catch (e) {
    staging.abort();
    throw e;
  }
  staging.commit();
  for (const p of plan) if (p.target === '-') process.stderr.write(renderReport(report, p.format, options));
}
