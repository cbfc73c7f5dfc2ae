import type { Json, JsonObject, StreamResource } from '../src/core/types.js';
import type { OptionSpec } from '../src/core/options.js';
import { boolean, list, nullable, string } from '../src/core/options.js';
import { OptionError } from '../src/core/options.js';
import { defineTransform } from '../src/core/types.js';
import { describeType } from '../src/lib/json.js';
import { compareQuantity, parseQuantity } from './data/quantity.js';
import type { Quantity } from './data/quantity.js';
import { containersOf, isPlainObject } from './util.js';

export interface LimitNamespaceResourcesOptions {
  limitRange: boolean;
  defaultMemoryLimit: string;
  defaultMemoryRequest: string;
  defaultCpuRequest: string | null;
  resourceQuota: boolean;
  quota: Record<string, string>;
  skipNamespaces: string[];
}

const ID = 'limit-namespace-resources';
/** Stable names: a later run finds them and adds nothing. */
export const LIMIT_RANGE_NAME = 'kharden-limits';
export const RESOURCE_QUOTA_NAME = 'kharden-quota';
const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';

const positiveQuantity = (v: string) => {
  const q = parseQuantity(v);
  return q && q.num > 0n ? undefined : `${JSON.stringify(v)} is not a positive Kubernetes quantity (e.g. 512Mi, 1Gi, 100m)`;
};

/** A ResourceQuota resource name: `pods`, `requests.memory`, `count/deployments.apps`, `requests.nvidia.com/gpu`. */
const RESOURCE_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_./]*[A-Za-z0-9])?$/;

/** The `hard` map of the ResourceQuota: resource names to quantities (YAML numbers are accepted: `pods: 50`). */
function quotaSpec(o: { default: Record<string, string>; description: string }): OptionSpec<Record<string, string>> {
  return {
    type: 'map of resource name to Kubernetes quantity',
    description: o.description,
    default: o.default,
    check(v, path) {
      if (!isPlainObject(v)) throw new OptionError(path, `must be a map of resource names to quantities, found ${describeType(v)}`);
      const out: Record<string, string> = {};
      for (const [k, x] of Object.entries(v)) {
        if (!RESOURCE_NAME.test(k) || k.length > 253) throw new OptionError(`${path}/${k}`, `${JSON.stringify(k)} is not a resource name (pods, requests.memory, limits.cpu, count/deployments.apps…)`);
        const text = typeof x === 'number' && Number.isFinite(x) ? String(x) : x;
        if (typeof text !== 'string' || !parseQuantity(text) || parseQuantity(text)!.num < 0n) throw new OptionError(`${path}/${k}`, `must be a Kubernetes quantity (16Gi, 4, 500m), found ${JSON.stringify(x)}`);
        out[k] = text;
      }
      return out;
    },
  };
}

// A stream transform sees every resource of the run, whatever its shape (the engine checks pod
// templates only): these readers treat a wrong type as absent instead of failing the run.
function get(root: unknown, path: string): Json | undefined {
  let node: unknown = root;
  for (const seg of path.split('/').slice(1)) {
    if (!isPlainObject(node)) return undefined;
    node = Object.prototype.hasOwnProperty.call(node, seg) ? node[seg] : undefined;
  }
  return node as Json | undefined;
}

function mapAt(root: unknown, path: string): Readonly<Record<string, Json>> {
  const v = get(root, path);
  return isPlainObject(v) ? v : {};
}

// ---- quantities ------------------------------------------------------------------------------

const ZERO: Quantity = { num: 0n, den: 1n };
const add = (a: Quantity, b: Quantity): Quantity => ({ num: a.num * b.den + b.num * a.den, den: a.den * b.den });
const times = (a: Quantity, n: number): Quantity => ({ num: a.num * BigInt(n), den: a.den });
const max = (a: Quantity, b: Quantity): Quantity => (compareQuantity(a, b) >= 0 ? a : b);

/** Shows a sum in the unit a reader expects: memory in Mi/Gi, CPU in cores or millicores. */
function showQuantity(q: Quantity, resource: string): string {
  const value = Number(q.num) / Number(q.den);
  if (/memory|storage/.test(resource)) {
    const mi = value / 2 ** 20;
    return mi >= 1024 && Number.isInteger(mi / 1024) ? `${mi / 1024}Gi` : Number.isInteger(mi) ? `${mi}Mi` : `${Math.ceil(mi)}Mi`;
  }
  if (/cpu/.test(resource)) return Number.isInteger(value) ? `${value}` : `${Math.ceil(value * 1000)}m`;
  return `${Math.ceil(value)}`;
}

// ---- what the namespace holds ----------------------------------------------------------------

type Kind = 'requests' | 'limits';

/** A compute resource a quota constrains: every container must then state it (or get it from a LimitRange). */
interface ComputeKey {
  key: string;
  kind: Kind;
  resource: string;
}

function computeKeyOf(key: string): ComputeKey | undefined {
  const m = /^(?:(requests|limits)\.)?(cpu|memory|ephemeral-storage)$/.exec(key);
  if (!m) return undefined;
  return { key, kind: (m[1] as Kind | undefined) ?? 'requests', resource: m[2] };
}

/** What LimitRanges give containers that state nothing: per resource, a default request and a default limit. */
interface Defaults {
  requests: Record<string, Quantity>;
  limits: Record<string, Quantity>;
}

/**
 * The container defaults of a LimitRange, as the API server completes them: `default` falls back
 * to `max`, and `defaultRequest` to `default` (k8s.io/kubernetes pkg/apis/core/v1 defaults.go).
 */
function defaultsOf(limitRange: Readonly<JsonObject>, into: Defaults): void {
  const limits = get(limitRange, '/spec/limits');
  if (!Array.isArray(limits)) return;
  for (const item of limits) {
    if (!isPlainObject(item) || item.type !== 'Container') continue;
    const pick = (field: string) => (isPlainObject(item[field]) ? (item[field] as JsonObject) : {});
    const def = { ...pick('max'), ...pick('default') };
    const req = { ...def, ...pick('defaultRequest') };
    for (const [r, v] of Object.entries(def)) if (parseQuantity(v) && !into.limits[r]) into.limits[r] = parseQuantity(v)!;
    for (const [r, v] of Object.entries(req)) if (parseQuantity(v) && !into.requests[r]) into.requests[r] = parseQuantity(v)!;
  }
}

interface ContainerNeeds {
  name: string;
  requests: Record<string, Json>;
  limits: Record<string, Json>;
  sidecar: boolean;
  init: boolean;
}

interface Pod {
  workload: StreamResource;
  /** `Deployment web`, for messages. */
  label: string;
  templatePath: string;
  containers: ContainerNeeds[];
  podRequests: Record<string, Json>;
  podLimits: Record<string, Json>;
  /** How many of these pods run at once, as far as the manifest says (DaemonSets: at least one). */
  replicas: number;
}

function replicasOf(r: StreamResource, templatePath: string): number {
  const v = r.value;
  if (r.ref.kind === 'PodTemplate') return 0;
  if (r.ref.kind === 'Job') return intOr(get(v, '/spec/parallelism'), 1);
  if (r.ref.kind === 'CronJob') return intOr(get(v, '/spec/jobTemplate/spec/parallelism'), 1);
  if (templatePath === '') return 1;
  return intOr(get(v, '/spec/replicas'), 1);
}

function intOr(v: Json | undefined, fallback: number): number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : fallback;
}

function podsOf(r: StreamResource): Pod[] {
  return r.templatePaths.flatMap((tp) => {
    const template = tp === '' ? r.value : get(r.value, tp);
    if (!isPlainObject(template)) return [];
    const containers = containersOf(template)
      .filter((c) => c.list !== 'ephemeralContainers')
      .map((c) => ({
        name: c.name,
        requests: { ...mapAt(c.container, '/resources/requests') },
        limits: { ...mapAt(c.container, '/resources/limits') },
        sidecar: c.list === 'initContainers' && c.container.restartPolicy === 'Always',
        init: c.list === 'initContainers',
      }));
    return [
      {
        workload: r,
        label: `${r.ref.kind} ${r.ref.name ?? '?'}`,
        templatePath: tp,
        containers,
        podRequests: { ...mapAt(template, '/spec/resources/requests') },
        podLimits: { ...mapAt(template, '/spec/resources/limits') },
        replicas: replicasOf(r, tp),
      },
    ];
  });
}

/** A container's value for a resource once the API server has defaulted it: a request falls back to the limit, then to the LimitRange. */
function effective(c: ContainerNeeds, kind: Kind, resource: string, defaults: Defaults): Quantity | undefined {
  const own = kind === 'requests' ? c.requests[resource] ?? c.limits[resource] : c.limits[resource];
  if (own !== undefined && own !== null) return parseQuantity(own);
  return defaults[kind][resource];
}

/** What one pod counts against a quota: app containers and sidecars add up, an init container runs beside the sidecars started before it (the scheduler's PodRequests). */
function podUsage(pod: Pod, kind: Kind, resource: string, defaults: Defaults): Quantity {
  const podLevel = (kind === 'requests' ? pod.podRequests[resource] ?? pod.podLimits[resource] : pod.podLimits[resource]) ?? null;
  if (podLevel !== null && parseQuantity(podLevel)) return parseQuantity(podLevel)!;
  let sum = ZERO;
  let sidecars = ZERO;
  let initPeak = ZERO;
  for (const c of pod.containers) {
    const q = effective(c, kind, resource, defaults) ?? ZERO;
    if (!c.init) sum = add(sum, q);
    else if (c.sidecar) {
      sum = add(sum, q);
      sidecars = add(sidecars, q);
    } else initPeak = max(initPeak, add(q, sidecars));
  }
  return max(sum, initPeak);
}

interface Namespace {
  /** undefined: the input's resources have no namespace, and neither do the generated ones. */
  name?: string;
  pods: Pod[];
}

const managedByKharden = (r: StreamResource) => mapAt(r.value, '/metadata/labels')[MANAGED_BY_LABEL] === 'kharden';
const nsLabel = (ns: Namespace) => (ns.name === undefined ? 'the namespace the manifests are deployed to (they name none)' : `namespace ${ns.name}`);

export default defineTransform<LimitNamespaceResourcesOptions, 'stream'>({
  id: ID,
  summary: `Add a LimitRange (${LIMIT_RANGE_NAME}: default memory limit and requests) and, opt-in, a ResourceQuota (${RESOURCE_QUOTA_NAME}) to every namespace the manifests deploy to`,
  reason:
    'Manifests bound only the pods they describe. A LimitRange gives every container created in the namespace without limits (by hand, by an operator, by a Helm hook) a memory limit and requests, so one of them cannot starve the node; a ResourceQuota caps what the whole namespace may take.',
  docs: 'https://kubernetes.io/docs/concepts/policy/limit-range/',
  scope: 'stream',
  reads: ['workloads', { group: '', kinds: ['Namespace', 'LimitRange', 'ResourceQuota'] }],
  options: {
    limitRange: boolean({ default: true, description: `add a LimitRange named ${LIMIT_RANGE_NAME} to every namespace that has workloads or a Namespace object in the input and no LimitRange there` }),
    defaultMemoryLimit: string({ default: '512Mi', type: 'Kubernetes quantity', description: 'memory limit the LimitRange gives containers that set none: a starting point to tune', test: positiveQuantity }),
    defaultMemoryRequest: string({ default: '128Mi', type: 'Kubernetes quantity', description: 'memory request the LimitRange gives containers that set none (never above the limit)', test: positiveQuantity }),
    defaultCpuRequest: nullable(string({ default: '100m', type: 'Kubernetes quantity', description: 'CPU request', test: positiveQuantity }), {
      default: null,
      description: 'CPU request the LimitRange gives containers that set none (no CPU limit is ever set: it throttles); null: none',
    }),
    resourceQuota: boolean({ default: false, description: `also add a ResourceQuota named ${RESOURCE_QUOTA_NAME} with the values of the option quota (opt-in: the right values depend on the cluster)` }),
    quota: quotaSpec({
      default: { 'requests.memory': '16Gi', 'limits.memory': '32Gi', pods: '100' },
      description: 'spec.hard of the ResourceQuota: resource names to quantities (requests.cpu needs defaultCpuRequest, or pods without a CPU request are refused)',
    }),
    skipNamespaces: list(string({ default: '', type: 'namespace', description: 'a namespace' }), {
      default: ['kube-system', 'kube-public', 'kube-node-lease'],
      description: 'namespaces that get nothing: system pods (static and mirror pods, add-ons) must not be bounded by defaults meant for apps',
    }),
  },
  messages: {
    limitRangeKept: { severity: 'info', title: 'namespace already has a LimitRange', help: `A LimitRange in the input is the author's; ${LIMIT_RANGE_NAME} is not added beside it. LimitRanges already in the cluster are not known to kharden: Kubernetes applies every LimitRange of a namespace.` },
    resourceQuotaKept: { severity: 'info', title: 'namespace already has a ResourceQuota', help: `A ResourceQuota in the input is the author's; ${RESOURCE_QUOTA_NAME} is not added beside it.` },
    limitRangeDefaultsApply: {
      severity: 'warning',
      title: 'LimitRange defaults apply to workloads in the input',
      help: 'These containers set no memory limit, so the LimitRange gives them its defaults at admission: an app that needs more memory is OOM-killed. Give them their own limits (the transform set-memory-limits does), or tune defaultMemoryLimit.',
    },
    limitRangeWouldRejectPods: {
      severity: 'warning',
      title: 'LimitRange not added: it would refuse workloads in the input',
      help: 'A container with a memory request above the LimitRange\'s default limit and no limit of its own is refused by the API server (the default limit would be below its request). Give those containers a limit (the transform set-memory-limits does), or raise defaultMemoryLimit.',
    },
    resourceQuotaWouldRejectPods: {
      severity: 'warning',
      title: 'ResourceQuota refuses workloads in the input',
      help: 'Under a quota on a compute resource the API server refuses every pod whose containers do not state it (unless a LimitRange defaults it), and any pod beyond the quota. A quota kharden would add is then not added; one in the input is reported. Raise the values in the option quota, or state the resources. Rolling updates also need room for the surge pods.',
    },
    resourceQuotaWithoutDefaults: {
      severity: 'warning',
      title: 'ResourceQuota on a resource no LimitRange defaults',
      help: 'Pods created in the namespace without this resource (outside these manifests) are refused by the API server. Set defaultCpuRequest (for requests.cpu), keep the LimitRange, or drop the resource from the quota.',
    },
  },
  run(target, ctx) {
    const o = ctx.options;
    if (!o.limitRange && !o.resourceQuota) return;
    const spaces = new Map<string, Namespace>();
    const objects = new Map<string, { limitRanges: StreamResource[]; quotas: StreamResource[] }>();
    const keyOf = (ns: string | undefined) => ns ?? '\u0000';
    const space = (name: string | undefined) => {
      let s = spaces.get(keyOf(name));
      if (!s) spaces.set(keyOf(name), (s = { ...(name !== undefined ? { name } : {}), pods: [] }));
      return s;
    };
    const objectsIn = (name: string | undefined) => {
      let s = objects.get(keyOf(name));
      if (!s) objects.set(keyOf(name), (s = { limitRanges: [], quotas: [] }));
      return s;
    };
    for (const r of target.resources) {
      const core = r.ref.apiVersion === 'v1';
      if (core && r.ref.kind === 'Namespace' && r.ref.name) space(r.ref.name);
      else if (core && r.ref.kind === 'LimitRange') objectsIn(r.ref.namespace).limitRanges.push(r);
      else if (core && r.ref.kind === 'ResourceQuota') objectsIn(r.ref.namespace).quotas.push(r);
      else if (r.templatePaths.length) space(r.ref.namespace).pods.push(...podsOf(r));
    }

    const defaultLimit = parseQuantity(o.defaultMemoryLimit)!;
    // Never a default request above the default limit: the API server refuses such a LimitRange.
    const defaultRequest = compareQuantity(parseQuantity(o.defaultMemoryRequest)!, defaultLimit) <= 0 ? o.defaultMemoryRequest : o.defaultMemoryLimit;

    for (const ns of spaces.values()) {
      if (ns.name !== undefined && o.skipNamespaces.includes(ns.name)) continue;
      const existing = objects.get(keyOf(ns.name)) ?? { limitRanges: [], quotas: [] };
      const namespaceMeta: JsonObject = ns.name !== undefined ? { namespace: ns.name } : {};
      // What containers that state nothing get: from the LimitRanges in the input, or the one added here.
      let defaults: Defaults = { requests: {}, limits: {} };
      for (const lr of existing.limitRanges) defaultsOf(lr.value, defaults);

      if (o.limitRange) {
        if (existing.limitRanges.length) {
          for (const lr of existing.limitRanges.filter((x) => !managedByKharden(x))) {
            ctx.report({ code: 'limitRangeKept', message: `${nsLabel(ns)} has LimitRange ${lr.ref.name ?? '?'} in the input: kept, ${LIMIT_RANGE_NAME} not added`, resource: lr });
          }
        } else {
          const limitRange: JsonObject = {
            apiVersion: 'v1',
            kind: 'LimitRange',
            metadata: { name: LIMIT_RANGE_NAME, ...namespaceMeta },
            spec: {
              limits: [
                {
                  type: 'Container',
                  default: { memory: o.defaultMemoryLimit },
                  defaultRequest: { memory: defaultRequest, ...(o.defaultCpuRequest !== null ? { cpu: o.defaultCpuRequest } : {}) },
                },
              ],
            },
          };
          const planned: Defaults = { requests: {}, limits: {} };
          defaultsOf(limitRange, planned);
          const refused: string[] = [];
          for (const pod of ns.pods) {
            if (pod.podLimits.memory !== undefined && pod.podLimits.memory !== null) continue;
            const bare: string[] = [];
            for (const c of pod.containers) {
              if (c.limits.memory !== undefined && c.limits.memory !== null) continue;
              const request = c.requests.memory !== undefined && c.requests.memory !== null ? parseQuantity(c.requests.memory) : undefined;
              if (request && compareQuantity(request, defaultLimit) > 0) refused.push(`${pod.label} container ${c.name} (request ${String(c.requests.memory)})`);
              else bare.push(c.name);
            }
            if (bare.length) {
              ctx.report({
                code: 'limitRangeDefaultsApply',
                message: `${pod.label}: container${bare.length > 1 ? 's' : ''} ${bare.join(', ')} set${bare.length > 1 ? '' : 's'} no memory limit and will get ${LIMIT_RANGE_NAME}'s ${o.defaultMemoryLimit}`,
                resource: pod.workload,
                path: `${pod.templatePath}/spec`,
              });
            }
          }
          if (refused.length) {
            ctx.report({
              code: 'limitRangeWouldRejectPods',
              message: `${nsLabel(ns)}: ${LIMIT_RANGE_NAME} not added: its default memory limit ${o.defaultMemoryLimit} is below the request of ${refused.join(', ')}, which set${refused.length > 1 ? '' : 's'} no limit, so the API server would refuse the pods`,
            });
          } else {
            ctx.generate(
              limitRange,
              `${nsLabel(ns)} has no LimitRange in the input: containers created there without limits or requests (by hand, operators, Helm hooks) get memory limit ${o.defaultMemoryLimit} and request ${defaultRequest}${o.defaultCpuRequest !== null ? `, CPU request ${o.defaultCpuRequest}` : ''}`,
            );
            defaults = planned;
          }
        }
      }

      if (!o.resourceQuota) continue;
      // Quotas in the input are checked like the one kharden would add, but never replaced.
      const quotas: { hard: Record<string, Json>; existing?: StreamResource }[] = existing.quotas.map((q) => ({ hard: { ...mapAt(q.value, '/spec/hard') }, existing: q }));
      if (existing.quotas.length === 0) quotas.push({ hard: o.quota });
      for (const q of quotas) {
        const name = q.existing ? `ResourceQuota ${q.existing.ref.name ?? '?'}` : RESOURCE_QUOTA_NAME;
        if (q.existing && !managedByKharden(q.existing)) {
          ctx.report({ code: 'resourceQuotaKept', message: `${nsLabel(ns)} has ResourceQuota ${q.existing.ref.name ?? '?'} in the input: kept, ${RESOURCE_QUOTA_NAME} not added`, resource: q.existing });
        }
        // A scoped quota (scopes, scopeSelector: priority class, terminating…) counts only some pods: not judged here.
        if (q.existing && (get(q.existing.value, '/spec/scopes') != null || get(q.existing.value, '/spec/scopeSelector') != null)) continue;
        const problems = quotaProblems(q.hard, ns.pods, defaults);
        if (problems.length) {
          ctx.report({
            code: 'resourceQuotaWouldRejectPods',
            message: `${nsLabel(ns)}: ${q.existing ? `${name} refuses` : `${name} not added: it would refuse`} ${problems.join('; ')}`,
            ...(q.existing ? { resource: q.existing } : {}),
          });
          continue;
        }
        const uncovered = Object.keys(q.hard)
          .map(computeKeyOf)
          .filter((k): k is ComputeKey => k !== undefined && defaults[k.kind][k.resource] === undefined);
        let generated: StreamResource | undefined;
        if (!q.existing) {
          generated = ctx.generate(
            { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: RESOURCE_QUOTA_NAME, ...namespaceMeta }, spec: { hard: { ...q.hard } } },
            `${nsLabel(ns)} has no ResourceQuota in the input: caps what the namespace may take in all (${Object.entries(q.hard).map(([k, v]) => `${k} ${v}`).join(', ')}; option quota)`,
          );
        }
        if (uncovered.length) {
          ctx.report({
            code: 'resourceQuotaWithoutDefaults',
            message: `${nsLabel(ns)}: ${name} limits ${uncovered.map((k) => k.key).join(', ')}, which no LimitRange there defaults: pods created without ${uncovered.length > 1 ? 'them' : 'it'} are refused`,
            ...(q.existing ? { resource: q.existing } : generated ? { resource: generated } : {}),
          });
        }
      }
    }
  },
});

/** Why a quota would refuse pods of the input: containers that do not state a constrained resource, and totals above it. */
function quotaProblems(hard: Record<string, Json>, pods: Pod[], defaults: Defaults): string[] {
  const problems: string[] = [];
  for (const [key, limit] of Object.entries(hard)) {
    const cap = parseQuantity(limit);
    if (!cap) continue;
    if (key === 'pods') {
      const count = pods.reduce((n, p) => n + p.replicas, 0);
      if (count > Number(cap.num) / Number(cap.den)) problems.push(`${count} pods at the replica counts in the manifests, above pods ${String(limit)}`);
      continue;
    }
    const ck = computeKeyOf(key);
    if (!ck) continue;
    const missing: string[] = [];
    let total = ZERO;
    for (const pod of pods) {
      const podLevel = ck.kind === 'requests' ? pod.podRequests[ck.resource] ?? pod.podLimits[ck.resource] : pod.podLimits[ck.resource];
      if (podLevel === undefined || podLevel === null) {
        const without = pod.containers.filter((c) => effective(c, ck.kind, ck.resource, defaults) === undefined).map((c) => c.name);
        if (without.length) missing.push(`${pod.label} (container${without.length > 1 ? 's' : ''} ${without.join(', ')})`);
      }
      total = add(total, times(podUsage(pod, ck.kind, ck.resource, defaults), pod.replicas));
    }
    if (missing.length) problems.push(`pods that set no ${ck.kind === 'requests' ? 'request or limit' : 'limit'} for ${ck.resource}: ${missing.join(', ')}`);
    else if (compareQuantity(total, cap) > 0) problems.push(`the workloads' ${key} add up to ${showQuantity(total, ck.resource)} at their replica counts, above ${String(limit)}`);
  }
  return problems;
}
