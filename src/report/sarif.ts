/**
 * The report as a SARIF 2.1.0 log, for code scanning (GitHub, Azure DevOps, GitLab, IDE viewers):
 * one rule per transform and per finding code, one result per finding and, when asked, one `note`
 * result per applied edit. Every result points at a file relative to the working directory
 * (uriBaseId SRCROOT) and at a line: the input line for a finding, the output line for an edit.
 *
 * Spec: https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html. The log is checked with
 * Microsoft's validator (`sarif-multitool validate`) in test/report/sarif.test.ts.
 */
import { createHash } from 'node:crypto';
import type { Severity } from '../core/types.js';
import { describeFinding } from './catalog.js';
import type { FindingRule } from './catalog.js';
import type { ReportTransform } from './build.js';
import { editChange, resourceLabel } from './view.js';
import type { ViewReport, ViewResource } from './view.js';

export interface SarifOptions {
  /** Absolute working directory: file paths are made relative to it (uriBaseId SRCROOT). */
  cwd?: string;
  /** Also one `note` result per applied edit (`--sarif-edits`). */
  edits?: boolean;
  /** Where each input's hardened text was written (`-o DIR`); an edit's result points there. */
  outputFiles?: Record<string, string>;
  /** The tool's home page (`tool.driver.informationUri`). */
  informationUri?: string;
}

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';
export const DEFAULT_INFORMATION_URI = 'https://www.npmjs.com/package/kharden';
const SRCROOT = 'SRCROOT';
/** Bump when what goes into a fingerprint changes: code scanning would otherwise match the wrong alerts. */
const FINGERPRINT_KEY = 'khardenResource/v1';

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { error: 'error', warning: 'warning', info: 'note' };
/** GitHub's `security-severity` (0–10): error → high, warning → medium; info findings are not security alerts. */
const SECURITY_SEVERITY: Partial<Record<Severity, string>> = { error: '8.0', warning: '5.0' };

interface Rule {
  id: string;
  name?: string;
  shortDescription: { text: string };
  fullDescription: { text: string };
  help: { text: string; markdown: string };
  helpUri: string;
  defaultConfiguration: { level: 'error' | 'warning' | 'note' };
  properties: Record<string, unknown>;
}

/** `drop-all-capabilities` → `DropAllCapabilities`, `hostPathVolumeUnfixable` → `HostPathVolumeUnfixable`. */
const pascal = (id: string) => id.split(/[^A-Za-z0-9]+/).filter(Boolean).map((w) => w[0].toUpperCase() + w.slice(1)).join('');

/**
 * A rule's `name` is for people and must differ from its `id` (the validator compares them ignoring
 * case), so a camelCase code, already readable, has none.
 */
const ruleName = (id: string) => (pascal(id).toLowerCase() === id.toLowerCase() ? {} : { name: pascal(id) });

function transformRule(t: ReportTransform): Rule {
  return {
    id: t.id,
    ...ruleName(t.id),
    shortDescription: { text: sentence(t.summary) },
    fullDescription: { text: sentence(t.reason) },
    help: {
      text: `${sentence(t.reason)} Kubernetes documentation: ${t.docs}`,
      markdown: `${sentence(t.reason)}\n\nKubernetes documentation: [${t.docs}](${t.docs})`,
    },
    helpUri: t.docs,
    defaultConfiguration: { level: 'note' },
    properties: { tags: ['kubernetes', 'security', 'kharden-transform'] },
  };
}

function findingRule(code: string, rule: FindingRule): Rule {
  const securitySeverity = SECURITY_SEVERITY[rule.level];
  return {
    id: code,
    ...ruleName(code),
    shortDescription: { text: sentence(rule.title) },
    fullDescription: { text: sentence(rule.description) },
    help: {
      text: `${sentence(rule.help)} Kubernetes documentation: ${rule.docs}`,
      markdown: `${sentence(rule.help)}\n\nKubernetes documentation: [${rule.docs}](${rule.docs})`,
    },
    helpUri: rule.docs,
    defaultConfiguration: { level: LEVEL[rule.level] },
    properties: { tags: ['kubernetes', 'security', 'kharden-finding'], ...(securitySeverity ? { 'security-severity': securitySeverity } : {}) },
  };
}

/** SARIF messages and descriptions are sentences: the validator wants them to end with a period. */
function sentence(text: string): string {
  const t = text.trim();
  return /[.!?]$/.test(t) ? t : `${t}.`;
}

/** Percent-encodes a path segment for a URI (':' too, so a first segment is never read as a scheme). */
const encodeSegment = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const encodePath = (p: string) => p.split('/').map(encodeSegment).join('/');

/** Joins and normalises POSIX paths without touching the file system (and without process.cwd()). */
function normalise(p: string): string {
  const abs = p.startsWith('/');
  const out: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..' && out.length && out[out.length - 1] !== '..') out.pop();
    else if (seg === '..' && abs) continue;
    else out.push(seg);
  }
  return (abs ? '/' : '') + out.join('/');
}

interface ArtifactLocation {
  uri: string;
  uriBaseId?: string;
  index?: number;
}

/**
 * Where a file is, as SARIF wants it: relative to SRCROOT (the working directory) when it lies inside
 * it, else an absolute file: URI; stdin has no file, so it gets the relative name `stdin`.
 */
export function artifactLocationOf(file: string, cwd?: string): ArtifactLocation {
  if (file === '<stdin>') return { uri: 'stdin' };
  const posix = file.replace(/\\/g, '/');
  const root = cwd ? normalise(cwd.replace(/\\/g, '/')) : undefined;
  let abs: string | undefined;
  if (posix.startsWith('/')) abs = normalise(posix);
  else if (root) abs = normalise(`${root}/${posix}`);
  if (abs !== undefined && root !== undefined) {
    const prefix = root === '/' ? '/' : `${root}/`;
    if (abs.startsWith(prefix)) return { uri: encodePath(abs.slice(prefix.length)), uriBaseId: SRCROOT };
  }
  if (abs !== undefined) return { uri: `file://${encodePath(abs)}` };
  return { uri: encodePath(normalise(posix)), uriBaseId: SRCROOT };
}

const mimeTypeOf = (file: string) => (/\.json$/i.test(file) ? { mimeType: 'application/json' } : /\.ya?ml$/i.test(file) || file === '<stdin>' ? { mimeType: 'application/yaml' } : {});

const hash = (...parts: (string | number | undefined)[]) =>
  createHash('sha256')
    .update(parts.map((p) => (p === undefined ? '' : String(p))).join('\u0000'))
    .digest('hex');

export function renderSarif(report: ViewReport, options: SarifOptions = {}): string {
  const rules: Rule[] = [];
  const ruleIndex = new Map<string, number>();
  const addRule = (rule: Rule) => {
    if (!ruleIndex.has(rule.id)) {
      ruleIndex.set(rule.id, rules.length);
      rules.push(rule);
    }
    return ruleIndex.get(rule.id)!;
  };
  const transforms = new Map((report.transforms ?? []).map((t) => [t.id, t]));
  for (const t of transforms.values()) addRule(transformRule(t));
  const ruleForFinding = (code: string, severity: Severity, transform?: string) =>
    ruleIndex.get(code) ?? addRule(findingRule(code, describeFinding(code, severity, transform ? transforms.get(transform)?.docs : undefined, report.messages?.[code])));
  const ruleForTransform = (id: string) =>
    ruleIndex.get(id) ??
    addRule(transformRule({ id, summary: `Edits made by ${id}`, reason: `Edits made by the transform ${id}`, docs: 'https://kubernetes.io/docs/concepts/security/pod-security-standards/' }));

  const artifacts: { location: ArtifactLocation; roles: string[]; mimeType?: string }[] = [];
  const artifactIndex = new Map<string, number>();
  const locate = (file: string, roles: string[] = []): ArtifactLocation => {
    const loc = artifactLocationOf(file, options.cwd);
    const key = `${loc.uriBaseId ?? ''}\u0000${loc.uri}`;
    let index = artifactIndex.get(key);
    if (index === undefined) {
      index = artifacts.length;
      artifactIndex.set(key, index);
      artifacts.push({ location: { ...loc }, roles: [], ...mimeTypeOf(file) });
    }
    for (const role of roles) if (!artifacts[index].roles.includes(role)) artifacts[index].roles.push(role);
    return { ...loc, index };
  };
  // Every input is an artifact, in input order, whether or not a result points at it; a written
  // output is one too (`-o DIR`), marked as what kharden modified.
  for (const f of report.files) {
    locate(f.file, f.changed && !options.outputFiles ? ['analysisTarget', 'modified'] : ['analysisTarget']);
    const out = options.outputFiles?.[f.file];
    if (out !== undefined && f.changed) locate(out, ['modified']);
  }

  // Fingerprints name what a result is about (file, resource, rule, JSON path), never its line, so an
  // alert stays the same alert when lines above it move; the nth repeat of the same key gets n.
  const seen = new Map<string, number>();
  const fingerprint = (...parts: (string | number | undefined)[]) => {
    const base = hash(...parts);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    return n === 0 ? base : hash(base, n);
  };

  const results: unknown[] = [];
  const logical = (r: ViewResource) => [
    { name: r.name ?? '(unnamed)', fullyQualifiedName: `${r.apiVersion}/${r.kind}/${r.namespace ? `${r.namespace}/` : ''}${r.name ?? '(unnamed)'}`, kind: 'object' },
  ];
  const physical = (file: string, line: number | undefined) => ({
    artifactLocation: locate(file),
    ...(line !== undefined && line > 0 ? { region: { startLine: line } } : {}),
  });

  for (const r of report.resources) {
    const where = artifactLocationOf(r.file, options.cwd).uri;
    for (const f of r.findings) {
      results.push({
        ruleId: f.code,
        ruleIndex: ruleForFinding(f.code, f.severity, f.transform),
        level: LEVEL[f.severity],
        message: { text: sentence(`${resourceLabel(r)}: ${f.message}`) },
        locations: [{ physicalLocation: physical(r.file, f.line), logicalLocations: logical(r) }],
        partialFingerprints: { [FINGERPRINT_KEY]: fingerprint('finding', where, r.document, r.path, r.kind, r.namespace, r.name, f.code, f.path) },
        properties: { transform: f.transform, document: r.document, kind: r.kind, namespace: r.namespace, name: r.name, path: f.path, ...(f.pssCheck ? { pssCheck: f.pssCheck } : {}) },
      });
    }
    if (!options.edits) continue;
    for (const e of r.edits) {
      // Without the output line (an engine that does not record it yet) the result would point at a
      // line that does not hold the edit: no result at all is better than a wrong one.
      if (e.outputLine === undefined) continue;
      const outFile = options.outputFiles?.[r.file] ?? r.file;
      results.push({
        ruleId: e.transform,
        ruleIndex: ruleForTransform(e.transform),
        level: 'note',
        kind: 'informational',
        message: { text: sentence(`${resourceLabel(r)}: ${e.path} ${editChange(e)} (${e.reason})`) },
        locations: [{ physicalLocation: physical(outFile, e.outputLine), logicalLocations: logical(r) }],
        partialFingerprints: { [FINGERPRINT_KEY]: fingerprint('edit', where, r.document, r.path, r.kind, r.namespace, r.name, e.transform, e.op, e.path) },
        properties: { transform: e.transform, document: r.document, kind: r.kind, namespace: r.namespace, name: r.name, path: e.path, op: e.op, inputLine: e.line },
      });
    }
  }
  // A finding about no file (the whole run, e.g. an exclusion that matched nothing) has no location
  // to point at: it is a notification of the run, where SARIF keeps messages about the tool's run.
  const notifications: unknown[] = [];
  for (const f of report.findings) {
    if (f.file === undefined) {
      notifications.push({
        descriptor: { id: f.code },
        level: LEVEL[f.severity],
        message: { text: sentence(f.resource ? `${resourceLabel(f.resource)}: ${f.message}` : f.message) },
        ...(f.transform ? { properties: { transform: f.transform } } : {}),
      });
      continue;
    }
    results.push({
      ruleId: f.code,
      ruleIndex: ruleForFinding(f.code, f.severity, f.transform),
      level: LEVEL[f.severity],
      message: { text: sentence(`${f.document !== undefined ? `document ${f.document}: ` : ''}${f.message}`) },
      locations: [{ physicalLocation: physical(f.file, f.line) }],
      partialFingerprints: { [FINGERPRINT_KEY]: fingerprint('document', artifactLocationOf(f.file, options.cwd).uri, f.document, f.code) },
      properties: { ...(f.document !== undefined ? { document: f.document } : {}), ...(f.transform ? { transform: f.transform } : {}) },
    });
  }

  const root = options.cwd ? normalise(options.cwd.replace(/\\/g, '/')) : undefined;
  const log = {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'kharden',
            version: report.version,
            semanticVersion: report.version,
            informationUri: options.informationUri ?? DEFAULT_INFORMATION_URI,
            rules,
          },
        },
        ...(root ? { originalUriBaseIds: { [SRCROOT]: { uri: `file://${encodePath(root === '/' ? '/' : `${root}/`)}` } } } : {}),
        invocations: [{ executionSuccessful: true, ...(notifications.length ? { toolExecutionNotifications: notifications } : {}) }],
        artifacts,
        results,
        columnKind: 'utf16CodeUnits',
        properties: { profile: report.profile, totals: report.totals },
      },
    ],
  };
  return JSON.stringify(log, null, 2) + '\n';
}
