/**
 * What the SARIF, Markdown and HTML renderers share: the Report as they read it (with the fields
 * the engine is growing, all optional so a report without them still renders) and a few small
 * questions about a resource. Pure: the renderers format only what the Report holds.
 */
import type { Report, ReportResource } from './build.js';
import type { Severity } from '../core/types.js';

/** A resource kharden added to the stream (a NetworkPolicy, a namespace label…). */
export interface GeneratedResource {
  file: string;
  kind: string;
  name?: string;
  namespace?: string;
  reason: string;
  transform: string;
}

/** An exemption as the report may give it: the annotation key, or a record describing it. */
export type Exemption = string | { [key: string]: unknown };

export type ViewEdit = ReportResource['edits'][number] & {
  /** 1-based line of the edited value in the OUTPUT text. */
  outputLine?: number;
};

export type ViewResource = Omit<ReportResource, 'edits'> & {
  edits: ViewEdit[];
  exemptions?: Exemption[];
};

export type ViewReport = Omit<Report, 'resources'> & {
  resources: ViewResource[];
  generated?: GeneratedResource[];
};

export const SEVERITIES: readonly Severity[] = ['error', 'warning', 'info'];

/** `Deployment shop/web`, `Pod web`, `ConfigMap (unnamed)`. */
export function resourceLabel(r: { kind: string; namespace?: string; name?: string }): string {
  return `${r.kind} ${namespacedName(r)}`;
}

export function namespacedName(r: { namespace?: string; name?: string }): string {
  return `${r.namespace ? `${r.namespace}/` : ''}${r.name ?? '(unnamed)'}`;
}

/** The resources a reviewer looks at: those with edits, findings or a Pod Security level. */
export function reviewedResources(report: ViewReport): ViewResource[] {
  return report.resources.filter((r) => r.edits.length > 0 || r.findings.length > 0 || r.pss !== undefined);
}

export function findingCounts(findings: { severity: Severity }[]): Record<Severity, number> {
  const counts: Record<Severity, number> = { error: 0, warning: 0, info: 0 };
  for (const f of findings) counts[f.severity]++;
  return counts;
}

/** `1 error, 2 warning` (only the non-zero ones), or '' when there are none. */
export function countsText(counts: Record<Severity, number>): string {
  return SEVERITIES.filter((s) => counts[s] > 0)
    .map((s) => `${counts[s]} ${s}`)
    .join(', ');
}

export function exemptionText(e: Exemption): string {
  if (typeof e === 'string') return e;
  return Object.entries(e)
    .filter(([, v]) => v !== undefined && v !== null && v !== '')
    .map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(', ');
}

/** A JSON value as one short line for a table (`true`, `"512Mi"`, `{…}` cut at `max` characters). */
export function shortValue(v: unknown, max = 80): string {
  if (v === undefined) return '(absent)';
  const s = JSON.stringify(v);
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** What an edit did, as a short phrase: `set false`, `true → false`, `removed ["NET_RAW"]`. */
export function editChange(e: { op: string; previous?: unknown; value?: unknown }): string {
  if (e.op === 'remove') return `removed ${shortValue(e.previous)}`;
  if (e.previous === undefined) return `set ${shortValue(e.value)}`;
  return `${shortValue(e.previous)} → ${shortValue(e.value)}`;
}
