/**
 * Exemptions, decided in one place before any transform runs (kubeaudit's overrides): from the
 * workload's `kharden.dev/skip` annotations, from `exclude` rules of the profile and the command
 * line (kind, namespace, name, labels, image, container), and from the node-agent rule. Each
 * exemption keeps where it came from, so the report can say why a transform did not run.
 */
import type { JsonObject } from '../lib/json.js';
import { isPlainObject } from '../lib/json.js';
import { checkLevel } from '../pss/index.js';
import type { ContainerRef } from './resources.js';
import type { FindingInput } from './types.js';

export const ANNOTATION_PREFIX = 'kharden.dev/';
/** `kharden.dev/skip: "id,id"` (whole workload) and `kharden.dev/skip.<container>: "id,id"`; `all` skips every transform. */
export const SKIP_ANNOTATION = `${ANNOTATION_PREFIX}skip`;
export const ALL = 'all';

/**
 * An exclusion rule, from a profile's `exclude:` list or `--exclude`. Every field given must
 * match (lists: any of their values; names and images: `*` and `?` globs). With `images` or
 * `containers` it exempts the matching containers; otherwise the whole workload.
 * Example: `{kinds: [DaemonSet], namespaces: [kube-system], transforms: [run-as-non-root]}`
 */
export interface ExcludeRule {
  kinds?: string[];
  namespaces?: string[];
  names?: string[];
  /** A label selector (`app=web,tier!=db,env in (a,b),!legacy`) on the workload's or its pod template's labels. */
  labels?: string;
  images?: string[];
  containers?: string[];
  /** Transform ids it exempts from; absent: all of them. */
  transforms?: string[];
  /** Why, for the report. */
  reason?: string;
  /** Where it was declared: `profile team.yaml:12` or `--exclude kind=DaemonSet`. */
  source: string;
}

export interface ExemptionSource {
  by: 'annotation' | 'exclude' | 'node agent';
  /** The annotation key, the rule's source, or the checks that keep the pod privileged. */
  where: string;
  reason?: string;
}

/** Pod Security checks kharden cannot fix: a pod failing one of them stays at level privileged. */
export const UNFIXABLE_BASELINE_CHECKS: ReadonlySet<string> = new Set([
  'hostNamespaces',
  'hostPathVolumes',
  'hostPorts',
  'windowsHostProcess',
  'sysctls',
  'hostProbesAndHostLifecycle',
]);

export interface NodeAgent {
  /** The checks that keep it at privileged, with their detail (`hostNetwork=true`). */
  checks: { check: string; detail: string }[];
}

export interface Exemptions {
  /** Transform id (or `all`) → why the whole workload is exempted from it. */
  workload: Map<string, ExemptionSource>;
  /** Container name → transform id (or `all`) → why. */
  containers: Map<string, Map<string, ExemptionSource>>;
  /** Set when the pod stays privileged whatever kharden does. */
  nodeAgent?: NodeAgent;
  /** Annotation typos and the like, with paths relative to the resource. */
  warnings: FindingInput[];
}

export interface ExemptionInput {
  resource: JsonObject;
  kind: string;
  name?: string;
  namespace?: string;
  /** The pod template (undefined for resources without one) and its pointer in the resource. */
  template?: JsonObject;
  templatePath?: string;
  containers: readonly ContainerRef[];
  rules: readonly ExcludeRule[];
  /** Every transform id a skip annotation may name (built-in and the chain's). */
  knownIds: ReadonlySet<string>;
  /** Every `kharden.dev/` annotation key kharden reads; `.*` at the end stands for a container name. */
  knownAnnotations: readonly string[];
  /** The ids of the chain's transforms that change privileges (skipped for node agents). */
  privilegeIds: readonly string[];
  /** Whether node agents keep their privileges (the default) or are hardened like any pod. */
  nodeAgents: 'keep' | 'harden';
}

const annotationsOf = (o: unknown): Record<string, unknown> => {
  const meta = isPlainObject(o) ? o.metadata : undefined;
  return isPlainObject(meta) && isPlainObject(meta.annotations) ? meta.annotations : {};
};
const labelsOf = (o: unknown): Record<string, unknown> => {
  const meta = isPlainObject(o) ? o.metadata : undefined;
  return isPlainObject(meta) && isPlainObject(meta.labels) ? meta.labels : {};
};

function add(map: Map<string, ExemptionSource>, id: string, source: ExemptionSource): void {
  if (!map.has(id)) map.set(id, source);
}

export function decideExemptions(input: ExemptionInput): Exemptions {
  const ex: Exemptions = { workload: new Map(), containers: new Map(), warnings: [] };
  const containerNames = new Set(input.containers.map((c) => c.name));
  const forContainer = (name: string) => {
    let m = ex.containers.get(name);
    if (!m) ex.containers.set(name, (m = new Map()));
    return m;
  };

  // Annotations: the pod template's and the workload's (the template's first, as before).
  const sources: [unknown, string][] = [[input.template, `${input.templatePath ?? ''}/metadata/annotations`], [input.resource, '/metadata/annotations']];
  for (const [i, [obj, annPath]] of sources.entries()) {
    // A Pod is its own template: its annotations are read once.
    if (obj === undefined || (i === 1 && obj === input.template)) continue;
    for (const [key, raw] of Object.entries(annotationsOf(obj))) {
      if (!key.startsWith(ANNOTATION_PREFIX)) continue;
      const path = `${annPath}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
      const known = input.knownAnnotations.find((k) => k === key || (k.endsWith('.*') && key.startsWith(k.slice(0, -1)) && key.length > k.length - 1));
      if (!known) {
        ex.warnings.push({ code: 'unknownAnnotation', message: `annotation ${key} is not one kharden reads (a typo?); it has no effect`, path });
        continue;
      }
      if (known.endsWith('.*')) {
        const container = key.slice(known.length - 1);
        if (input.template !== undefined && !containerNames.has(container)) {
          ex.warnings.push({ code: 'unknownAnnotationContainer', message: `annotation ${key} names container ${container}, which this pod does not have (containers: ${[...containerNames].join(', ') || 'none'}); it has no effect`, path });
        }
      }
      if (key !== SKIP_ANNOTATION && !key.startsWith(SKIP_ANNOTATION + '.')) continue;
      if (typeof raw !== 'string') {
        ex.warnings.push({ code: 'unknownAnnotation', message: `annotation ${key} must be a string of transform ids; it has no effect`, path });
        continue;
      }
      const ids = raw.split(',').map((s) => s.trim()).filter(Boolean);
      const unknown = ids.filter((id) => id !== ALL && !input.knownIds.has(id));
      if (unknown.length) ex.warnings.push({ code: 'unknownTransformId', message: `annotation ${key} names ${unknown.map((u) => JSON.stringify(u)).join(', ')}, which ${unknown.length > 1 ? 'are not transform ids' : 'is not a transform id'} (a typo?); ${unknown.length > 1 ? 'they have' : 'it has'} no effect`, path });
      const source: ExemptionSource = { by: 'annotation', where: key };
      const target = key === SKIP_ANNOTATION ? ex.workload : forContainer(key.slice(SKIP_ANNOTATION.length + 1));
      for (const id of ids) if (id === ALL || input.knownIds.has(id)) add(target, id, source);
    }
  }

  for (const rule of input.rules) {
    if (!ruleMatchesWorkload(rule, input)) continue;
    const source: ExemptionSource = { by: 'exclude', where: rule.source, ...(rule.reason ? { reason: rule.reason } : {}) };
    const ids = rule.transforms?.length ? rule.transforms : [ALL];
    if (!rule.images?.length && !rule.containers?.length) {
      for (const id of ids) add(ex.workload, id, source);
      continue;
    }
    for (const c of input.containers) {
      const image = typeof c.container.image === 'string' ? c.container.image : '';
      if (rule.containers?.length && !rule.containers.some((g) => globMatch(g, c.name))) continue;
      if (rule.images?.length && !rule.images.some((g) => globMatch(g, image))) continue;
      for (const id of ids) add(forContainer(c.name), id, source);
    }
  }

  if (input.template !== undefined) {
    const spec = input.template.spec;
    const failing = checkLevel(input.template.metadata ?? {}, spec ?? {}, 'baseline').filter((f) => UNFIXABLE_BASELINE_CHECKS.has(f.check));
    if (failing.length) {
      ex.nodeAgent = { checks: failing.map((f) => ({ check: f.check, detail: f.detail })) };
      if (input.nodeAgents === 'keep') {
        const source: ExemptionSource = { by: 'node agent', where: failing.map((f) => f.check).join(', ') };
        for (const id of input.privilegeIds) add(ex.workload, id, source);
      }
    }
  }
  return ex;
}

/** The exemption that applies to transform `id` (on `container`, when given), if any. */
export function exemptionFor(ex: Exemptions, id: string, container?: string): ExemptionSource | undefined {
  const c = container !== undefined ? ex.containers.get(container) : undefined;
  return ex.workload.get(id) ?? ex.workload.get(ALL) ?? c?.get(id) ?? c?.get(ALL);
}

export function describeExemption(s: ExemptionSource): string {
  if (s.by === 'annotation') return `annotation ${s.where}`;
  if (s.by === 'exclude') return `exclude rule (${s.where})${s.reason ? `: ${s.reason}` : ''}`;
  return `node-agent rule (stays privileged: ${s.where})`;
}

function ruleMatchesWorkload(rule: ExcludeRule, input: ExemptionInput): boolean {
  if (rule.kinds?.length && !rule.kinds.some((k) => k === input.kind || k.toLowerCase() === input.kind.toLowerCase())) return false;
  if (rule.namespaces?.length && !rule.namespaces.some((g) => globMatch(g, input.namespace ?? ''))) return false;
  if (rule.names?.length && !rule.names.some((g) => globMatch(g, input.name ?? ''))) return false;
  if (rule.labels !== undefined) {
    const selector = parseSelector(rule.labels);
    if (!matchesSelector(selector, labelsOf(input.resource)) && !(input.template && matchesSelector(selector, labelsOf(input.template)))) return false;
  }
  return true;
}

/** `*` any run of characters, `?` one character; everything else literal. */
export function globMatch(glob: string, s: string): boolean {
  const re = new RegExp('^' + glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$');
  return re.test(s);
}

export type Requirement =
  | { key: string; op: 'in' | 'notin'; values: string[] }
  | { key: string; op: 'exists' | '!exists' };

/** A kubectl label selector: `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a`, joined by commas. Throws on bad syntax. */
export function parseSelector(text: string): Requirement[] {
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) (parts.push(cur), (cur = ''));
    else cur += ch;
  }
  parts.push(cur);
  return parts.map((raw) => {
    const p = raw.trim();
    let m: RegExpExecArray | null;
    if ((m = /^([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(p))) return { key: m[1], op: m[2] as 'in' | 'notin', values: m[3].split(',').map((s) => s.trim()).filter(Boolean) };
    if ((m = /^([\w./-]+)\s*(==|=|!=)\s*([\w./-]*)$/.exec(p))) return { key: m[1], op: m[2] === '!=' ? 'notin' : 'in', values: [m[3]] };
    if ((m = /^!\s*([\w./-]+)$/.exec(p))) return { key: m[1], op: '!exists' };
    if ((m = /^([\w./-]+)$/.exec(p))) return { key: m[1], op: 'exists' };
    throw new Error(`cannot read label selector requirement ${JSON.stringify(p)} (use key=value, key!=value, key in (a,b), key notin (a), key or !key)`);
  });
}

export function matchesSelector(reqs: Requirement[], labels: Record<string, unknown>): boolean {
  return reqs.every((r) => {
    const has = Object.prototype.hasOwnProperty.call(labels, r.key);
    const v = has ? String(labels[r.key]) : undefined;
    switch (r.op) {
      case 'exists':
        return has;
      case '!exists':
        return !has;
      case 'in':
        return has && r.values.includes(v!);
      case 'notin':
        return !has || !r.values.includes(v!);
    }
  });
}
