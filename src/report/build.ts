/**
 * The change report, built only from what the engine applied and what transforms found:
 * the plan printed is the plan applied. Renderers (text, JSON) format this one object.
 */
import type { AppliedEdit, ExemptionRecord, FileResult, ReportedFinding, ResourceInfo, RunResult, WorkloadRecord } from '../core/engine.js';
import type { Json, MessageSpec, ResourceRef, Severity } from '../core/types.js';
import type { NodeAgent } from '../core/exemptions.js';

export interface PssSummary {
  before: string;
  after: string;
  /** Checks still failing `restricted` after hardening. */
  failing: { check: string; detail: string }[];
}

export interface ReportResource {
  file: string;
  document: number;
  apiVersion: string;
  kind: string;
  namespace?: string;
  name?: string;
  path: string;
  edits: { transform: string; op: string; path: string; previous?: Json; value?: Json; reason: string; line: number; outputLine?: number }[];
  findings: { transform: string; code: string; severity: Severity; message: string; path?: string; pssCheck?: string; line?: number }[];
  pss?: PssSummary;
  /** Transforms this workload (or one of its containers) was exempted from, and why. */
  exemptions?: ExemptionRecord[];
  /** Set when the workload stays at Pod Security level privileged whatever kharden does. */
  nodeAgent?: NodeAgent;
}

/** A resource a transform added (NetworkPolicies, ServiceAccounts…), and where it was written. */
export interface ReportGenerated extends ResourceRef {
  transform: string;
  reason: string;
  /** The file it was written to, or `<stdout>`. */
  file?: string;
}

/** A transform of the profile's chain, as the reports that explain rules need it (SARIF `rules`). */
export interface ReportTransform {
  id: string;
  summary: string;
  reason: string;
  docs: string;
}

export interface Report {
  tool: 'kharden';
  version: string;
  profile: string;
  /** The transforms the profile ran, in order (absent when the caller did not pass them). */
  transforms?: ReportTransform[];
  /** `diff`: unified diff of input → output, only for a changed file and only when asked for (`diffs`). */
  files: { file: string; changed: boolean; documents: number; diff?: string }[];
  resources: ReportResource[];
  /** Findings that are not about one input resource (documents that are not Kubernetes objects, whole-run findings). */
  findings: { transform?: string; file?: string; document?: number; resource?: ResourceRef; code: string; severity: Severity; message: string; line?: number }[];
  generated: ReportGenerated[];
  /** Every finding code that occurs in the report, with its title and advice (given once here, not with every finding). */
  messages: Record<string, MessageSpec>;
  totals: {
    files: number;
    filesChanged: number;
    documents: number;
    resourcesChanged: number;
    edits: number;
    generated: number;
    findings: Record<Severity, number>;
    byTransform: Record<string, number>;
  };
}

export type PssEvaluator = (w: WorkloadRecord) => PssSummary | undefined;

const resKey = (file: string, doc: number, r: ResourceInfo) => `${file}\u0000${doc}\u0000${r.path}`;

export interface ReportMeta {
  version: string;
  profile: string;
  pss?: PssEvaluator;
  /** Declared finding codes (the chain's transforms' and the engine's). */
  messages?: Record<string, MessageSpec>;
  /** Where each generated resource was written, in the order of `run.generated`. */
  generatedFiles?: string[];
  transforms?: ReportTransform[];
  /**
   * Give each changed file its unified diff (the HTML report shows it), made by this function
   * (src/report/diff.ts `unifiedDiff`); absent by default so the JSON report stays small, and so a run
   * that needs no diff does not load the `diff` package (30 ms of start-up).
   */
  diff?: (file: string, input: string, output: string) => string;
}

export function buildReport(run: RunResult | FileResult[], meta: ReportMeta): Report {
  const results = Array.isArray(run) ? run : run.files;
  const generated = Array.isArray(run) ? [] : run.generated;
  const runFindings = Array.isArray(run) ? [] : run.findings;
  const resources = new Map<string, ReportResource>();
  const get = (file: string, doc: number, r: ResourceInfo): ReportResource => {
    const k = resKey(file, doc, r);
    let rr = resources.get(k);
    if (!rr) {
      rr = { file, document: doc, apiVersion: r.apiVersion, kind: r.kind, namespace: r.namespace, name: r.name, path: r.path, edits: [], findings: [] };
      resources.set(k, rr);
    }
    return rr;
  };
  const loose: Report['findings'] = [];
  const totals: Report['totals'] = { files: results.length, filesChanged: 0, documents: 0, resourcesChanged: 0, edits: 0, generated: generated.length, findings: { error: 0, warning: 0, info: 0 }, byTransform: {} };
  const codes = new Set<string>();
  for (const res of results) {
    totals.documents += res.documents;
    if (res.changed) totals.filesChanged++;
    for (const w of res.workloads) {
      const rr = get(res.file, w.document, w.resource);
      const pss = meta.pss?.(w);
      if (pss) rr.pss = pss;
      if (w.exemptions.length) rr.exemptions = [...(rr.exemptions ?? []), ...w.exemptions];
      if (w.nodeAgent) rr.nodeAgent = w.nodeAgent;
    }
    for (const e of res.edits) addEdit(get(res.file, e.document, e.resource), e);
    for (const f of res.findings) {
      totals.findings[f.severity]++;
      codes.add(f.code);
      if (f.resource) addFinding(get(res.file, f.document, f.resource), f);
      else loose.push({ file: f.file, document: f.document, code: f.code, severity: f.severity, message: f.message, line: f.line });
    }
    totals.edits += res.edits.length;
    for (const e of res.edits) totals.byTransform[e.transform] = (totals.byTransform[e.transform] ?? 0) + 1;
  }
  for (const f of runFindings) {
    totals.findings[f.severity]++;
    codes.add(f.code);
    loose.push({ transform: f.transform, ...(f.resource ? { resource: f.resource } : {}), code: f.code, severity: f.severity, message: f.message });
  }
  const list = [...resources.values()];
  totals.resourcesChanged = list.filter((r) => r.edits.length > 0).length;
  const messages: Record<string, MessageSpec> = {};
  for (const c of [...codes].sort()) if (meta.messages?.[c]) messages[c] = meta.messages[c];
  return {
    tool: 'kharden',
    version: meta.version,
    profile: meta.profile,
    ...(meta.transforms ? { transforms: meta.transforms.map(({ id, summary, reason, docs }) => ({ id, summary, reason, docs })) } : {}),
    files: results.map((r) => ({ file: r.file, changed: r.changed, documents: r.documents, ...(meta.diff && r.changed ? { diff: meta.diff(r.file, r.input, r.output) } : {}) })),
    resources: list,
    findings: loose,
    generated: generated.map((g, i) => ({ ...g.ref, transform: g.transform, reason: g.reason, ...(meta.generatedFiles?.[i] ? { file: meta.generatedFiles[i] } : {}) })),
    messages,
    totals,
  };
}

function addEdit(rr: ReportResource, e: AppliedEdit): void {
  rr.edits.push({ transform: e.transform, op: e.op, path: e.path, ...(e.previous !== undefined ? { previous: e.previous } : {}), ...(e.value !== undefined ? { value: e.value } : {}), reason: e.reason, line: e.line, ...(e.outputLine !== undefined ? { outputLine: e.outputLine } : {}) });
}

function addFinding(rr: ReportResource, f: ReportedFinding): void {
  rr.findings.push({ transform: f.transform, code: f.code, severity: f.severity, message: f.message, path: f.path, pssCheck: f.pssCheck, line: f.line });
}

export function renderJson(report: Report): string {
  return JSON.stringify(report, null, 2) + '\n';
}

const show = (v: unknown) => (v === undefined ? '(absent)' : JSON.stringify(v));

export function renderText(report: Report): string {
  const lines: string[] = [];
  lines.push(`kharden ${report.version} — profile ${report.profile}`);
  for (const r of report.resources) {
    if (!r.edits.length && !r.findings.length && !r.pss) continue;
    const id = `${r.kind}${r.namespace ? ` ${r.namespace}/` : ' '}${r.name ?? '(unnamed)'}`;
    lines.push('', `${r.file} [document ${r.document}${r.path ? ` ${r.path}` : ''}] ${id}`);
    if (r.pss) lines.push(`  Pod Security level: ${r.pss.before} → ${r.pss.after}${r.pss.failing.length ? ` (restricted still fails: ${r.pss.failing.map((f) => f.check).join(', ')})` : ''}`);
    if (r.nodeAgent) lines.push(`  node agent: stays privileged (${r.nodeAgent.checks.map((c) => c.check).join(', ')})`);
    for (const x of r.exemptions ?? []) lines.push(`  exempt from ${x.transform}${x.container ? ` (container ${x.container})` : ''}: ${x.by} ${x.where}${x.reason ? ` — ${x.reason}` : ''}`);
    for (const e of r.edits) {
      const change = e.op === 'remove' ? `removed ${show(e.previous)}` : e.previous === undefined ? `set ${show(e.value)}` : `${show(e.previous)} → ${show(e.value)}`;
      lines.push(`  ~ ${e.path} (line ${e.line}): ${change}  [${e.transform}] ${e.reason}`);
    }
    for (const f of r.findings) lines.push(`  ${f.severity === 'error' ? '✗' : f.severity === 'warning' ? '!' : 'i'} ${f.severity} ${f.code}${f.pssCheck ? ` (${f.pssCheck})` : ''}${f.line ? ` line ${f.line}` : ''}: ${f.message}  [${f.transform}]`);
  }
  for (const f of report.findings) lines.push('', `${f.file ?? (f.resource ? `${f.resource.kind} ${f.resource.namespace ? `${f.resource.namespace}/` : ''}${f.resource.name ?? ''}` : '(run)')}${f.document !== undefined ? ` [document ${f.document}]` : ''}${f.line ? ` line ${f.line}` : ''}: ${f.severity} ${f.code}: ${f.message}`);
  if (report.generated.length) {
    lines.push('', 'Generated:');
    for (const g of report.generated) lines.push(`  + ${g.kind} ${g.namespace ? `${g.namespace}/` : ''}${g.name ?? ''}${g.file ? ` → ${g.file}` : ''}  [${g.transform}] ${g.reason}`);
  }
  const advice = Object.entries(report.messages).filter(([, m]) => m.help);
  if (advice.length) {
    lines.push('', 'What the findings mean:');
    for (const [code, m] of advice) lines.push(`  ${code} — ${m.title}: ${m.help}`);
  }
  const t = report.totals;
  lines.push('', `${t.files} file(s), ${t.filesChanged} changed; ${t.documents} document(s), ${t.resourcesChanged} resource(s) changed; ${t.edits} edit(s); ${t.generated} generated; findings: ${t.findings.error} error, ${t.findings.warning} warning, ${t.findings.info} info`);
  return lines.join('\n') + '\n';
}
