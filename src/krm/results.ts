/**
 * KRM function `results` from kharden's run: one per applied edit (severity info) and one per
 * finding (its own severity), each pointing at the resource (resourceRef), the field (in the
 * `spec.template.spec.containers[0].securityContext` form kpt prints and the KRM Functions
 * Specification uses) and the file the resource came from (its orchestrator annotations).
 */
import type { AppliedEdit, FileResult, ReportedFinding, ResourceInfo, RunResult } from '../core/engine.js';
import type { Json, JsonObject, Severity } from '../core/types.js';
import { parsePointer } from '../lib/pointer.js';
import { itemOrigin } from './resource-list.js';

export interface KrmResult {
  message: string;
  severity: Severity;
  resourceRef?: { apiVersion: string; kind: string; name: string; namespace?: string };
  field?: { path: string };
  file?: { path: string; index?: number };
  tags?: Record<string, string>;
}

/** `/spec/containers/0/securityContext` → `spec.containers[0].securityContext`; odd keys in brackets: `metadata.annotations['kharden.dev/skip']`. */
export function fieldPath(pointer: string): string {
  let out = '';
  for (const seg of parsePointer(pointer)) {
    if (/^(0|[1-9][0-9]*)$/.test(seg)) out += `[${seg}]`;
    else if (/^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `['${seg.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}']`;
  }
  return out;
}

const show = (v: Json | undefined) => (v === undefined ? '(absent)' : JSON.stringify(v));

/** The field is in the result's `field.path`, so the message says what happened to it and why. */
function describeEdit(e: AppliedEdit): string {
  if (e.op === 'remove') return `${e.transform}: removed (was ${show(e.previous)}): ${e.reason}`;
  if (e.previous === undefined) return `${e.transform}: set to ${show(e.value)}: ${e.reason}`;
  return `${e.transform}: changed from ${show(e.previous)} to ${show(e.value)}: ${e.reason}`;
}

/**
 * The results of one run over a ResourceList. `items` are the input items (for their
 * annotations); resources are matched by their pointer (`/items/3`) in the document.
 */
export function krmResults(result: FileResult, items: readonly JsonObject[], summary: { profile: string }, run?: Pick<RunResult, 'generated' | 'findings'>): KrmResult[] {
  const out: KrmResult[] = [];
  const refOf = (r: ResourceInfo | undefined, pointer: string | undefined) => {
    const base: Pick<KrmResult, 'resourceRef' | 'field' | 'file'> = {};
    if (!r) return base;
    const m = /^\/items\/(\d+)$/.exec(r.path);
    const item = m ? items[Number(m[1])] : undefined;
    const origin = item ? itemOrigin(item) : {};
    if (origin.path !== undefined) base.file = origin.index !== undefined ? { path: origin.path, index: origin.index } : { path: origin.path };
    // The specification requires a name in resourceRef, and a resourceRef beside a field.
    if (r.name === undefined) return base;
    base.resourceRef = { apiVersion: r.apiVersion, kind: r.kind, name: r.name, ...(r.namespace !== undefined ? { namespace: r.namespace } : {}) };
    if (pointer !== undefined && pointer.startsWith(r.path)) {
      const rel = pointer.slice(r.path.length);
      if (rel !== '') base.field = { path: fieldPath(rel) };
    }
    return base;
  };
  for (const e of result.edits) {
    out.push({ message: describeEdit(e), severity: 'info', ...refOf(e.resource, e.path), tags: { transform: e.transform, op: e.op } });
  }
  for (const f of result.findings) out.push(findingResult(f, refOf(f.resource, f.path)));
  for (const g of run?.generated ?? []) {
    out.push({
      message: `${g.transform}: added ${g.ref.kind} ${g.ref.namespace ? `${g.ref.namespace}/` : ''}${g.ref.name ?? ''}: ${g.reason}`,
      severity: 'info',
      ...(g.ref.name !== undefined ? { resourceRef: { apiVersion: g.ref.apiVersion, kind: g.ref.kind, name: g.ref.name, ...(g.ref.namespace !== undefined ? { namespace: g.ref.namespace } : {}) } } : {}),
      tags: { transform: g.transform, op: 'generate' },
    });
  }
  for (const f of run?.findings ?? []) {
    const tags: Record<string, string> = { transform: f.transform, code: f.code };
    out.push({ message: `${f.transform}: ${f.code}: ${f.message}`, severity: f.severity, ...(f.resource?.name !== undefined ? { resourceRef: { apiVersion: f.resource.apiVersion, kind: f.resource.kind, name: f.resource.name, ...(f.resource.namespace !== undefined ? { namespace: f.resource.namespace } : {}) } } : {}), tags });
  }
  const resources = new Set(result.edits.map((e) => e.resource.path)).size;
  // First: kpt prints the first few results and truncates the rest.
  out.unshift({
    message: `kharden (profile ${summary.profile}): ${resources} resource(s) hardened with ${result.edits.length} edit(s); findings: ${count(result.findings, 'error')} error, ${count(result.findings, 'warning')} warning, ${count(result.findings, 'info')} info`,
    severity: 'info',
    tags: { summary: 'true' },
  });
  return out;
}

function findingResult(f: ReportedFinding, ref: Pick<KrmResult, 'resourceRef' | 'field' | 'file'>): KrmResult {
  const tags: Record<string, string> = { transform: f.transform, code: f.code };
  if (f.pssCheck) tags.pssCheck = f.pssCheck;
  return { message: `${f.transform}: ${f.code}: ${f.message}`, severity: f.severity, ...ref, tags };
}

function count(findings: readonly ReportedFinding[], s: Severity): number {
  return findings.filter((f) => f.severity === s).length;
}

/** The single result of a run that could not happen (bad input or config): severity error. */
export function fatalResult(message: string, file?: { path: string; index?: number }): KrmResult {
  return { message, severity: 'error', ...(file ? { file } : {}), tags: { fatal: 'true' } };
}
