/**
 * What the SARIF, Markdown and HTML renderers share: the Report as they read it (with the fields
 * the engine is growing, all optional so a report without them still renders) and a few small
 * questions about a resource. Pure: the renderers format only what the Report holds.
 */
import type { Report, ReportResource } from './build.js';
import type { Severity } from '../core/types.js';

/** A resource kharden added to the stream (a NetworkPolicy, a ServiceAccount…), and where it went. */
export interface GeneratedResource {
  apiVersion?: string;
  kind: string;
  name?: string;
  namespace?: string;
  reason: string;
  transform: string;
  /** The file it was written to, or `<stdout>`. */
  file?: string;
}

/** An exemption as the report gives it: the annotation key, or a record (transform, container, by, where, reason). */
export type Exemption = string | object;

/** What a finding code means, as the transform that reports it declares it. */
export interface MessageView {
  severity: Severity;
  title: string;
  help?: string;
  pssCheck?: string;
}

export type ViewEdit = ReportResource['edits'][number] & {
  /** 1-based line of the edited value in the OUTPUT text. */
  outputLine?: number;
};

export type ViewResource = Omit<ReportResource, 'edits' | 'exemptions'> & {
  edits: ViewEdit[];
  exemptions?: Exemption[];
};

/** A finding not about one input resource: a document that is not a Kubernetes object (file and document), or the whole run (neither). */
export interface LooseFinding {
  transform?: string;
  file?: string;
  document?: number;
  resource?: { apiVersion?: string; kind: string; name?: string; namespace?: string };
  code: string;
  severity: Severity;
  message: string;
  line?: number;
}

export type ViewReport = Omit<Report, 'resources' | 'findings' | 'totals'> & {
  resources: ViewResource[];
  findings: LooseFinding[];
  totals: Report['totals'] & { generated?: number };
  generated?: GeneratedResource[];
  messages?: Record<string, MessageView>;
};

export const SEVERITIES: readonly Severity[] = ['error', 'warning', 'info'];

/** Where a loose finding is: `file document 2 line 4`, or `the whole run`. */
export function looseWhere(f: LooseFinding): string {
  if (f.file === undefined) return f.resource ? `${f.resource.kind} ${namespacedName(f.resource)}` : 'the whole run';
  return `${f.file}${f.document !== undefined ? ` document ${f.document}` : ''}${f.line ? ` line ${f.line}` : ''}`;
}

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
  return Object.entries(e as Record<string, unknown>)
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

/** What the report says of a node agent, in every format: why it stays privileged and what to do. */
export function nodeAgentText(agent: { checks: { check: string; detail: string }[] }): string {
  const checks = agent.checks.map((c) => `${c.check} (${c.detail})`).join(', ');
  return `stays privileged whatever kharden does (${checks}); it keeps the privileges it needs. Run it in a namespace that enforces privileged.`;
}
