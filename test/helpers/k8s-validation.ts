/**
 * The API server's validation of the objects kharden generates (LimitRange, ResourceQuota), as
 * k8s.io/kubernetes pkg/apis/core/validation states it: names, resource names, quantities, and
 * the orderings between a LimitRange's min, max, default and defaultRequest. Returns the
 * problems, empty when the API server would accept the object.
 */
import { compareQuantity, parseQuantity } from '../../transforms/data/quantity.js';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

const LIMIT_RESOURCES = new Set(['cpu', 'memory', 'ephemeral-storage', 'storage']);
const QUOTA_RESOURCES = new Set([
  'pods', 'services', 'replicationcontrollers', 'resourcequotas', 'secrets', 'configmaps', 'persistentvolumeclaims',
  'services.nodeports', 'services.loadbalancers', 'cpu', 'memory', 'ephemeral-storage', 'storage',
  'requests.cpu', 'requests.memory', 'requests.ephemeral-storage', 'requests.storage', 'limits.cpu', 'limits.memory', 'limits.ephemeral-storage',
]);
const INTEGER_QUOTA = /^(pods|services|replicationcontrollers|resourcequotas|secrets|configmaps|persistentvolumeclaims|services\..*|count\/.*)$/;

function metadataProblems(o: any, out: string[]): void {
  const m = o?.metadata ?? {};
  if (typeof m.name !== 'string' || !DNS1123_SUBDOMAIN.test(m.name) || m.name.length > 253) out.push(`metadata.name ${JSON.stringify(m.name)} is not a DNS-1123 subdomain`);
  if (m.namespace !== undefined && (typeof m.namespace !== 'string' || !DNS1123_LABEL.test(m.namespace) || m.namespace.length > 63)) out.push(`metadata.namespace ${JSON.stringify(m.namespace)} is not a DNS-1123 label`);
  for (const [k, v] of Object.entries(m.labels ?? {})) {
    if (!QUALIFIED_NAME.test(k)) out.push(`label key ${k} is not a qualified name`);
    if (typeof v !== 'string' || !LABEL_VALUE.test(v) || v.length > 63) out.push(`label ${k} has an invalid value ${JSON.stringify(v)}`);
  }
}

function quantity(v: unknown, where: string, out: string[]) {
  const q = typeof v === 'string' || typeof v === 'number' ? parseQuantity(v) : undefined;
  if (!q) out.push(`${where}: ${JSON.stringify(v)} is not a quantity`);
  else if (q.num < 0n) out.push(`${where}: must be non-negative`);
  return q;
}

export function limitRangeProblems(o: any): string[] {
  const out: string[] = [];
  if (o?.apiVersion !== 'v1' || o?.kind !== 'LimitRange') out.push('not a v1 LimitRange');
  metadataProblems(o, out);
  const limits = o?.spec?.limits;
  if (!Array.isArray(limits) || limits.length === 0) out.push('spec.limits must be a non-empty list');
  for (const [i, item] of (Array.isArray(limits) ? limits : []).entries()) {
    const at = `spec.limits[${i}]`;
    if (!['Pod', 'Container', 'PersistentVolumeClaim'].includes(item?.type)) out.push(`${at}.type ${JSON.stringify(item?.type)} is not Pod, Container or PersistentVolumeClaim`);
    const fields = ['min', 'max', 'default', 'defaultRequest', 'maxLimitRequestRatio'] as const;
    const parsed: Record<string, Record<string, ReturnType<typeof parseQuantity>>> = {};
    for (const f of fields) {
      parsed[f] = {};
      for (const [r, v] of Object.entries(item?.[f] ?? {})) {
        if (!LIMIT_RESOURCES.has(r) && !r.includes('/') && !r.startsWith('hugepages-')) out.push(`${at}.${f}: ${r} is not a resource name`);
        parsed[f][r] = quantity(v, `${at}.${f}.${r}`, out);
      }
    }
    if (item?.type === 'Pod' && (item.default || item.defaultRequest)) out.push(`${at}: a Pod limit may not have default or defaultRequest`);
    const le = (a: string, b: string, r: string) => {
      const x = parsed[a][r];
      const y = parsed[b][r];
      if (x && y && compareQuantity(x, y) > 0) out.push(`${at}: ${a}.${r} must be <= ${b}.${r}`);
    };
    const resources = new Set(fields.flatMap((f) => Object.keys(parsed[f])));
    for (const r of resources) {
      le('min', 'max', r);
      le('defaultRequest', 'default', r);
      le('default', 'max', r);
      le('min', 'default', r);
      le('defaultRequest', 'max', r);
      le('min', 'defaultRequest', r);
    }
  }
  return out;
}

export function resourceQuotaProblems(o: any): string[] {
  const out: string[] = [];
  if (o?.apiVersion !== 'v1' || o?.kind !== 'ResourceQuota') out.push('not a v1 ResourceQuota');
  metadataProblems(o, out);
  const hard = o?.spec?.hard;
  if (hard === null || typeof hard !== 'object' || Array.isArray(hard)) out.push('spec.hard must be a map');
  for (const [r, v] of Object.entries(hard ?? {})) {
    const known = QUOTA_RESOURCES.has(r) || r.startsWith('count/') || r.startsWith('requests.') || r.startsWith('hugepages-') || r.includes('.storageclass.storage.k8s.io/');
    if (!known || !QUALIFIED_NAME.test(r.replace(/^count\//, ''))) out.push(`spec.hard: ${r} is not a quota resource name`);
    const q = quantity(v, `spec.hard.${r}`, out);
    if (q && INTEGER_QUOTA.test(r) && q.num % q.den !== 0n) out.push(`spec.hard.${r}: must be a whole number`);
  }
  return out;
}

/** A ServiceAccount as kharden generates it: valid metadata, no fields the API does not know. */
export function serviceAccountProblems(o: any): string[] {
  const out: string[] = [];
  if (o?.apiVersion !== 'v1' || o?.kind !== 'ServiceAccount') out.push(`not a v1 ServiceAccount: ${o?.apiVersion} ${o?.kind}`);
  metadataProblems(o, out);
  for (const k of Object.keys(o ?? {})) if (!['apiVersion', 'kind', 'metadata', 'automountServiceAccountToken', 'secrets', 'imagePullSecrets'].includes(k)) out.push(`unknown field ${k}`);
  if (o?.automountServiceAccountToken !== undefined && typeof o.automountServiceAccountToken !== 'boolean') out.push('automountServiceAccountToken is not a boolean');
  return out;
}
