/**
 * The resource model: which documents are Kubernetes objects, which objects carry a pod
 * template and where, and which containers a pod spec has. Locations are data so a profile can
 * add custom resources (Argo Rollouts, Knative Services, OpenShift DeploymentConfigs…).
 */
import type { ContainerList } from './types.js';
import type { JsonObject } from '../lib/json.js';
import { isPlainObject } from '../lib/json.js';

/**
 * Where a kind keeps its pod template (the object with `metadata` and `spec`).
 * `apiVersion` is exact (`v1`, `apps/v1`) or a group wildcard (`apps/*`, `argoproj.io/*`).
 * Example: `{apiVersion: 'argoproj.io/*', kinds: [Rollout], path: /spec/template}`
 */
export interface PodTemplateLocation {
  apiVersion: string;
  kinds: string[];
  /** JSON Pointer to the pod template; '' when the resource is itself the pod (Pod). */
  path: string;
  /**
   * `forbidden`: the controller rejects pod-level security fields (Knative Serving does unless a
   * feature flag is on), so transforms write container-level fields only.
   */
  podSecurityContext?: 'allowed' | 'forbidden';
}

export const BUILTIN_POD_TEMPLATE_LOCATIONS: readonly PodTemplateLocation[] = [
  { apiVersion: 'v1', kinds: ['Pod'], path: '' },
  { apiVersion: 'v1', kinds: ['PodTemplate'], path: '/template' },
  { apiVersion: 'v1', kinds: ['ReplicationController'], path: '/spec/template' },
  { apiVersion: 'apps/*', kinds: ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet'], path: '/spec/template' },
  { apiVersion: 'extensions/*', kinds: ['Deployment', 'DaemonSet', 'ReplicaSet'], path: '/spec/template' },
  { apiVersion: 'batch/*', kinds: ['Job'], path: '/spec/template' },
  { apiVersion: 'batch/*', kinds: ['CronJob'], path: '/spec/jobTemplate/spec/template' },
];

export const CONTAINER_LISTS: readonly ContainerList[] = ['initContainers', 'containers', 'ephemeralContainers'];

export interface ResourceEntry {
  /** Pointer of the resource in its document ('' or `/items/3` inside a List). */
  path: string;
  value: JsonObject;
  apiVersion: string;
  kind: string;
  name?: string;
  namespace?: string;
}

export function isKubernetesObject(v: unknown): v is JsonObject {
  return isPlainObject(v) && typeof v.apiVersion === 'string' && typeof v.kind === 'string' && v.apiVersion !== '' && v.kind !== '';
}

/** A `kind: List` (or any `*List`) whose items are themselves resources. */
export function isListObject(v: JsonObject): boolean {
  return typeof v.kind === 'string' && v.kind.endsWith('List') && (Array.isArray(v.items) || v.items === null || v.items === undefined);
}

function entryOf(path: string, value: JsonObject): ResourceEntry {
  const meta = isPlainObject(value.metadata) ? value.metadata : {};
  return {
    path,
    value,
    apiVersion: value.apiVersion as string,
    kind: value.kind as string,
    name: typeof meta.name === 'string' ? meta.name : undefined,
    namespace: typeof meta.namespace === 'string' ? meta.namespace : undefined,
  };
}

/** The resources of one document: the object itself, or the items of a List. */
export function resourcesOf(docValue: unknown): ResourceEntry[] {
  if (!isKubernetesObject(docValue)) return [];
  if (isListObject(docValue)) {
    const items = Array.isArray(docValue.items) ? docValue.items : [];
    return items.flatMap((item, i) => (isKubernetesObject(item) ? [entryOf(`/items/${i}`, item)] : []));
  }
  return [entryOf('', docValue)];
}

export function apiVersionMatches(pattern: string, apiVersion: string): boolean {
  if (pattern === '*' || pattern === apiVersion) return true;
  if (pattern.endsWith('/*')) return apiVersion.startsWith(pattern.slice(0, -1));
  return false;
}

/** The pod templates a resource carries (pointers relative to the resource), each with its location's rules. */
export function podTemplatesOf(resource: ResourceEntry, locations: readonly PodTemplateLocation[]): PodTemplateLocation[] {
  const out: PodTemplateLocation[] = [];
  for (const loc of locations) {
    if (!loc.kinds.includes(resource.kind) || !apiVersionMatches(loc.apiVersion, resource.apiVersion)) continue;
    const at = out.findIndex((o) => o.path === loc.path);
    // A later location (a profile's) refines a built-in one at the same path.
    if (at >= 0) out[at] = { ...out[at], ...loc };
    else out.push(loc);
  }
  return out;
}

export interface ContainerRef {
  list: ContainerList;
  index: number;
  name: string;
  /** Pointer relative to the pod template: `/spec/containers/0`. */
  path: string;
  container: JsonObject;
}

/** Every container of a pod template, init and ephemeral ones included. */
export function containersOf(template: unknown): ContainerRef[] {
  const spec = isPlainObject(template) && isPlainObject(template.spec) ? template.spec : undefined;
  if (!spec) return [];
  const out: ContainerRef[] = [];
  for (const list of CONTAINER_LISTS) {
    const arr = spec[list];
    if (!Array.isArray(arr)) continue;
    arr.forEach((c, index) => {
      if (isPlainObject(c)) out.push({ list, index, name: typeof c.name === 'string' ? c.name : `#${index}`, path: `/spec/${list}/${index}`, container: c });
    });
  }
  return out;
}

/** User and group IDs are integers to the API server (`runAsUser: "1000"` or `true` is rejected), and kharden reasons with them. */
function idProblem(sc: unknown, fields: string[], base: string): { path: string; expected: string; actual: unknown } | undefined {
  if (!isPlainObject(sc)) return undefined;
  for (const f of fields) {
    const v = sc[f];
    if (v != null && !(typeof v === 'number' && Number.isInteger(v))) return { path: `${base}/${f}`, expected: 'an integer (a user or group ID)', actual: v };
  }
  return undefined;
}

/**
 * Checks the fields kharden edits have the types Kubernetes requires. A wrong type
 * (`containers: "x"`, `securityContext: []`, `resources: 5`) is refused rather than guessed at;
 * null counts as absent, as it does for the API server.
 */
export function findShapeProblem(template: unknown): { path: string; expected: string; actual: unknown } | undefined {
  if (!isPlainObject(template)) return { path: '', expected: 'a map (pod template)', actual: template };
  const spec = template.spec;
  if (spec === undefined || spec === null) return undefined;
  if (!isPlainObject(spec)) return { path: '/spec', expected: 'a map', actual: spec };
  const mapFields = ['securityContext'];
  for (const f of mapFields) if (spec[f] != null && !isPlainObject(spec[f])) return { path: `/spec/${f}`, expected: 'a map', actual: spec[f] };
  for (const f of ['volumes']) if (spec[f] != null && !Array.isArray(spec[f])) return { path: `/spec/${f}`, expected: 'a list', actual: spec[f] };
  const podIds = idProblem(spec.securityContext, ['runAsUser', 'runAsGroup', 'fsGroup'], '/spec/securityContext');
  if (podIds) return podIds;
  for (const list of CONTAINER_LISTS) {
    const arr = spec[list];
    if (arr === undefined || arr === null) continue;
    if (!Array.isArray(arr)) return { path: `/spec/${list}`, expected: 'a list of containers', actual: arr };
    for (let i = 0; i < arr.length; i++) {
      const c = arr[i];
      if (!isPlainObject(c)) return { path: `/spec/${list}/${i}`, expected: 'a map (container)', actual: c };
      for (const f of ['securityContext', 'resources']) {
        if (c[f] != null && !isPlainObject(c[f])) return { path: `/spec/${list}/${i}/${f}`, expected: 'a map', actual: c[f] };
      }
      const sc = c.securityContext;
      if (isPlainObject(sc) && sc.capabilities != null && !isPlainObject(sc.capabilities))
        return { path: `/spec/${list}/${i}/securityContext/capabilities`, expected: 'a map', actual: sc.capabilities };
      for (const f of ['volumeMounts', 'ports']) if (c[f] != null && !Array.isArray(c[f])) return { path: `/spec/${list}/${i}/${f}`, expected: 'a list', actual: c[f] };
      const ids = idProblem(sc, ['runAsUser', 'runAsGroup'], `/spec/${list}/${i}/securityContext`);
      if (ids) return ids;
    }
  }
  const meta = template.metadata;
  if (meta != null && !isPlainObject(meta)) return { path: '/metadata', expected: 'a map', actual: meta };
  if (isPlainObject(meta) && meta.annotations != null && !isPlainObject(meta.annotations))
    return { path: '/metadata/annotations', expected: 'a map', actual: meta.annotations };
  return undefined;
}
