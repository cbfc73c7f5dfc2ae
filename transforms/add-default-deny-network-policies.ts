import type { Json, JsonObject, StreamResource, StreamContext } from '../src/core/types.js';
import { defineTransform } from '../src/core/types.js';
import { boolean, list, record, string } from '../src/core/options.js';
import { globMatch } from '../src/core/exemptions.js';
import { deepEqual } from '../src/lib/json.js';
import { CRD_SCHEMAS, isPlainObject, obj, valueAt } from './util.js';

const ID = 'add-default-deny-network-policies';
const POLICY_API = 'networking.k8s.io/v1';
const MANAGED_BY = 'app.kubernetes.io/managed-by';
export const DENY_NAME = 'kharden-default-deny';
export const DNS_NAME = 'kharden-allow-dns';
export const NAMESPACE_EGRESS_NAME = 'kharden-allow-namespace-egress';
const RESERVED = new Set([DENY_NAME, DNS_NAME, NAMESPACE_EGRESS_NAME]);
/** Longest name kharden gives a policy: a DNS-1123 label, so it also fits where labels must. */
const MAX_NAME = 63;

type Direction = 'Ingress' | 'Egress';
const DIRECTIONS: readonly Direction[] = ['Ingress', 'Egress'];

export interface NetworkPolicyOptions {
  allowDns: boolean;
  allowNamespaceEgress: boolean;
  allowServiceIngress: boolean;
  dnsNamespace: string;
  dnsPodLabels: Record<string, string>;
  skipNamespaces: string[];
}

/** Everything of one namespace the policies depend on ('' holds resources without a namespace). */
interface Namespace {
  name: string;
  namespaceObject?: StreamResource;
  workloads: StreamResource[];
  services: StreamResource[];
  policies: StreamResource[];
  /** Services called from outside the namespace: by the API server (and what makes it call), or routed by an Ingress or a route. */
  callers: Map<string, { apiServer: string[]; routes: string[] }>;
  /** Workloads whose ServiceAccount has RBAC bindings: they call the API server. */
  apiClients: string[];
}

// ---- reading policies ---------------------------------------------------------------------

const labelsOf = (v: unknown): Record<string, Json> => obj(obj(obj(v).metadata).labels);
const specOf = (r: StreamResource): Record<string, Json> => obj(r.value.spec);

function isKharden(r: StreamResource): boolean {
  return r.generated || labelsOf(r.value)[MANAGED_BY] === 'kharden';
}

/** The directions a policy isolates, as the API server defaults them: Ingress always, Egress when it has egress rules. */
export function policyTypes(spec: Record<string, Json>): Set<Direction> {
  const given = Array.isArray(spec.policyTypes) ? spec.policyTypes.filter((t): t is Direction => t === 'Ingress' || t === 'Egress') : [];
  if (Array.isArray(spec.policyTypes) && spec.policyTypes.length > 0) return new Set(given);
  return new Set<Direction>(Array.isArray(spec.egress) && spec.egress.length > 0 ? ['Ingress', 'Egress'] : ['Ingress']);
}

/** An empty (or absent) label selector: it selects every pod of the namespace. */
export function selectsEveryPod(selector: Json | undefined): boolean {
  if (selector === undefined || selector === null) return true;
  if (!isPlainObject(selector)) return false;
  const labels = selector.matchLabels;
  const exprs = selector.matchExpressions;
  return (labels === undefined || labels === null || (isPlainObject(labels) && Object.keys(labels).length === 0)) && (exprs === undefined || exprs === null || (Array.isArray(exprs) && exprs.length === 0));
}

/** Whether a metav1.LabelSelector selects a pod with these labels. */
export function selectorMatches(selector: Json | undefined, labels: Record<string, Json>): boolean {
  if (selector === undefined || selector === null) return true;
  if (!isPlainObject(selector)) return false;
  const has = (k: string) => Object.prototype.hasOwnProperty.call(labels, k);
  for (const [k, v] of Object.entries(obj(selector.matchLabels))) if (!has(k) || String(labels[k]) !== String(v)) return false;
  for (const e of Array.isArray(selector.matchExpressions) ? selector.matchExpressions : []) {
    const x = obj(e);
    const key = String(x.key);
    const values = Array.isArray(x.values) ? x.values.map(String) : [];
    const ok =
      x.operator === 'In' ? has(key) && values.includes(String(labels[key]))
      : x.operator === 'NotIn' ? !has(key) || !values.includes(String(labels[key]))
      : x.operator === 'Exists' ? has(key)
      : x.operator === 'DoesNotExist' ? !has(key)
      : false;
    if (!ok) return false;
  }
  return true;
}

/** The label sets of a workload's pods. */
function podLabels(w: StreamResource): Record<string, Json>[] {
  return w.templatePaths.map((p) => labelsOf(p === '' ? w.value : valueAt(w.value, p)));
}

// ---- names --------------------------------------------------------------------------------

/** 32-bit FNV-1a, in base 36: a short stable suffix that keeps truncated names apart. */
function shortHash(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(36).padStart(7, '0');
}

/**
 * A valid, stable policy name: `base` itself when it is a DNS-1123 label, else cleaned, cut and
 * given a hash of the original, so two long names never end up the same.
 */
export function policyName(base: string, forceHash = false): string {
  const clean = base.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/-+/g, '-').replace(/^-|-$/g, '');
  if (!forceHash && clean === base && base.length <= MAX_NAME) return base;
  const hash = shortHash(base);
  return `${clean.slice(0, MAX_NAME - hash.length - 1).replace(/-+$/, '')}-${hash}`;
}

// ---- the policies -------------------------------------------------------------------------

function denySpec(types: Direction[]): JsonObject {
  return { podSelector: {}, policyTypes: types };
}

function dnsSpec(o: NetworkPolicyOptions): JsonObject {
  return {
    podSelector: {},
    policyTypes: ['Egress'],
    egress: [
      {
        to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': o.dnsNamespace } }, podSelector: Object.keys(o.dnsPodLabels).length ? { matchLabels: { ...o.dnsPodLabels } } : {} }],
        ports: [
          { protocol: 'UDP', port: 53 },
          { protocol: 'TCP', port: 53 },
        ],
      },
    ],
  };
}

function namespaceEgressSpec(): JsonObject {
  return { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ podSelector: {} }] }] };
}

/** The ports a Service sends to on its pods: targetPort (a name stays a name), or port when absent. */
function targetPorts(service: StreamResource): JsonObject[] {
  const out: JsonObject[] = [];
  for (const p of Array.isArray(specOf(service).ports) ? (specOf(service).ports as Json[]) : []) {
    const port = obj(p);
    const target = port.targetPort ?? port.port;
    if (typeof target !== 'number' && typeof target !== 'string') continue;
    const entry = { protocol: typeof port.protocol === 'string' ? port.protocol : 'TCP', port: target };
    if (!out.some((e) => deepEqual(e, entry))) out.push(entry);
  }
  return out;
}

function serviceSpec(selector: Record<string, Json>, ports: JsonObject[]): JsonObject {
  return { podSelector: { matchLabels: { ...selector } }, policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: {} }], ports }] };
}

const portText = (ports: JsonObject[]) => ports.map((p) => `${p.port}/${p.protocol}`).join(', ');
const where = (ns: string) => (ns === '' ? 'the namespace these resources are applied to' : `namespace ${ns}`);
const list3 = (items: string[]) => (items.length > 3 ? `${items.slice(0, 3).join(', ')} and ${items.length - 3} more` : items.join(', '));

// ---- reading the stream -------------------------------------------------------------------

function kindIs(r: StreamResource, group: string, ...kinds: string[]): boolean {
  const g = r.ref.apiVersion.includes('/') ? r.ref.apiVersion.split('/')[0] : '';
  return g === group && kinds.includes(r.ref.kind);
}

/** Groups the run's resources by namespace and notes who reaches each namespace from outside. */
function readNamespaces(resources: readonly StreamResource[]): Map<string, Namespace> {
  const all = new Map<string, Namespace>();
  const ns = (name: string) => {
    let n = all.get(name);
    if (!n) all.set(name, (n = { name, workloads: [], services: [], policies: [], callers: new Map(), apiClients: [] }));
    return n;
  };
  const callersOf = (namespace: string, service: string) => {
    const m = ns(namespace).callers;
    if (!m.has(service)) m.set(service, { apiServer: [], routes: [] });
    return m.get(service)!;
  };
  const routed = (namespace: string, service: unknown, route: string) => {
    if (typeof service === 'string') callersOf(namespace, service).routes.push(route);
  };
  const fromApiServer = (namespace: unknown, service: unknown, why: string) => {
    if (typeof namespace === 'string' && typeof service === 'string') callersOf(namespace, service).apiServer.push(why);
  };
  const boundAccounts = new Set<string>();
  for (const r of resources) {
    const here = r.ref.namespace ?? '';
    const spec = specOf(r);
    if (kindIs(r, '', 'Namespace') && r.ref.name) ns(r.ref.name).namespaceObject ??= r;
    else if (r.templatePaths.length > 0) ns(here).workloads.push(r);
    else if (kindIs(r, '', 'Service')) ns(here).services.push(r);
    else if (kindIs(r, 'networking.k8s.io', 'NetworkPolicy')) ns(here).policies.push(r);
    else if (kindIs(r, 'networking.k8s.io', 'Ingress') || kindIs(r, 'extensions', 'Ingress')) {
      const backends = [obj(spec.defaultBackend), ...(Array.isArray(spec.rules) ? spec.rules : []).flatMap((rule) => (Array.isArray(obj(obj(rule).http).paths) ? (obj(obj(rule).http).paths as Json[]) : []).map((p) => obj(obj(p).backend)))];
      for (const b of backends) routed(here, obj(b.service).name ?? b.serviceName, `Ingress ${r.ref.name}`);
    } else if (kindIs(r, 'gateway.networking.k8s.io', 'HTTPRoute', 'GRPCRoute', 'TLSRoute', 'TCPRoute', 'UDPRoute')) {
      for (const rule of Array.isArray(spec.rules) ? spec.rules : []) {
        for (const b of Array.isArray(obj(rule).backendRefs) ? (obj(rule).backendRefs as Json[]) : []) {
          const ref = obj(b);
          if ((ref.kind ?? 'Service') === 'Service') routed(typeof ref.namespace === 'string' ? ref.namespace : here, ref.name, `${r.ref.kind} ${r.ref.name}`);
        }
      }
    } else if (kindIs(r, 'admissionregistration.k8s.io', 'ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration')) {
      for (const w of Array.isArray(r.value.webhooks) ? r.value.webhooks : []) {
        const svc = obj(obj(obj(w).clientConfig).service);
        fromApiServer(svc.namespace, svc.name, `${r.ref.kind} ${r.ref.name}`);
      }
    } else if (kindIs(r, 'apiregistration.k8s.io', 'APIService')) {
      const svc = obj(spec.service);
      fromApiServer(svc.namespace, svc.name, `APIService ${r.ref.name}`);
    } else if (kindIs(r, 'apiextensions.k8s.io', 'CustomResourceDefinition')) {
      const svc = obj(obj(obj(obj(spec.conversion).webhook).clientConfig).service);
      fromApiServer(svc.namespace, svc.name, `the conversion webhook of ${r.ref.name}`);
    } else if (kindIs(r, 'rbac.authorization.k8s.io', 'RoleBinding', 'ClusterRoleBinding')) {
      for (const s of Array.isArray(r.value.subjects) ? r.value.subjects : []) {
        const subject = obj(s);
        if (subject.kind === 'ServiceAccount' && typeof subject.name === 'string') boundAccounts.add(`${typeof subject.namespace === 'string' ? subject.namespace : here}/${subject.name}`);
      }
    }
  }
  for (const n of all.values()) {
    for (const w of n.workloads) {
      const accounts = w.templatePaths.map((p) => {
        const spec = obj(obj(p === '' ? w.value : valueAt(w.value, p)).spec);
        return String(spec.serviceAccountName ?? spec.serviceAccount ?? 'default');
      });
      if (accounts.some((a) => boundAccounts.has(`${n.name}/${a}`))) n.apiClients.push(`${w.ref.kind} ${w.ref.name}`);
    }
  }
  return all;
}

// ---- the transform ------------------------------------------------------------------------

export default defineTransform<NetworkPolicyOptions, 'stream'>({
  id: ID,
  summary: 'Add a default-deny NetworkPolicy to every namespace, with the allow rules the app\'s declared shape needs (cluster DNS, egress inside the namespace, ingress to each Service\'s target ports)',
  reason:
    'Without a NetworkPolicy every pod accepts traffic from, and sends it to, anything in the cluster: one compromised pod reaches them all. A default deny makes every allowed flow explicit; the allow rules keep DNS and the namespace\'s own Services working.',
  docs: 'https://kubernetes.io/docs/concepts/services-networking/network-policies/#default-policies',
  scope: 'stream',
  // What readNamespaces looks at (and the NetworkPolicies it generates); a CRD only for its conversion webhook's clientConfig.
  reads: [
    'workloads',
    { group: '', kinds: ['Namespace', 'Service'] },
    { group: 'networking.k8s.io', kinds: ['NetworkPolicy', 'Ingress'] },
    { group: 'extensions', kinds: ['Ingress'] },
    { group: 'gateway.networking.k8s.io', kinds: ['HTTPRoute', 'GRPCRoute', 'TLSRoute', 'TCPRoute', 'UDPRoute'] },
    { group: 'admissionregistration.k8s.io', kinds: ['ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration'] },
    { group: 'apiregistration.k8s.io', kinds: ['APIService'] },
    { group: 'apiextensions.k8s.io', kinds: ['CustomResourceDefinition'], mentions: 'clientConfig', ignores: CRD_SCHEMAS },
    { group: 'rbac.authorization.k8s.io', kinds: ['RoleBinding', 'ClusterRoleBinding'] },
  ],
  options: {
    allowDns: boolean({ default: true, description: 'allow every pod egress to cluster DNS (port 53, UDP and TCP) under the default deny' }),
    allowNamespaceEgress: boolean({ default: true, description: 'allow every pod egress to the pods of its own namespace (what they may reach there is then decided by the ingress rules)' }),
    allowServiceIngress: boolean({ default: true, description: 'allow ingress to each Service\'s target ports from the pods of its namespace' }),
    dnsNamespace: string({ default: 'kube-system', description: 'the namespace the cluster DNS pods run in', test: (v) => (/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(v) ? undefined : `${JSON.stringify(v)} is not a namespace name`) }),
    dnsPodLabels: record(string({ default: '', description: 'a label value' }), {
      default: { 'k8s-app': 'kube-dns' },
      description: 'labels of the cluster DNS pods (CoreDNS keeps k8s-app: kube-dns); {} allows every pod of dnsNamespace',
    }),
    skipNamespaces: list(string({ default: 'kube-*', description: 'a namespace name or glob', type: 'namespace glob' }), {
      default: ['kube-*'],
      description: 'namespaces that get no policies (kube-*: Kubernetes\' own components, cluster DNS among them)',
    }),
  },
  messages: {
    defaultDenyNeedsAllows: {
      severity: 'warning',
      title: 'default deny: traffic the manifests do not declare is now blocked',
      help: 'kharden allows only what the manifests declare inside the namespace (DNS, egress to its own pods, ingress to its Services\' target ports). Everything else is refused once the policy is applied: add a NetworkPolicy for traffic from ingress controllers and gateways (namespaceSelector on their namespace), from the API server to webhooks and aggregated APIs (an ipBlock with the control plane\'s addresses), from other namespaces (monitoring scrapes, clients), and for egress to other namespaces, to the API server (an ipBlock with the addresses of `kubectl get endpoints kubernetes`, port 6443 or 443) and outside the cluster. Traffic from the node itself (kubelet probes) stays allowed.',
    },
    existingDefaultDeny: {
      severity: 'info',
      title: 'namespace already denies by default',
      help: 'A NetworkPolicy of the input already selects every pod of the namespace for this direction, so a default deny would change nothing; kharden adds no allow rules for that direction either: your policies decide what is allowed.',
    },
    serviceWithoutSelector: {
      severity: 'info',
      title: 'Service without a selector: no allow rule',
      help: 'Its endpoints are managed elsewhere (EndpointSlices written by hand or by a controller), so kharden cannot tell which pods it reaches; allow that traffic with a policy of your own.',
    },
    serviceIngressGoverned: {
      severity: 'info',
      title: 'Service pods already have ingress rules',
      help: 'A NetworkPolicy of the input already selects the pods behind this Service for ingress; an allow from kharden would widen what it permits, so none is added.',
    },
    policyNameTaken: {
      severity: 'warning',
      title: 'policy name taken by a policy kharden did not write',
      help: 'A NetworkPolicy with the name kharden uses already exists without the label app.kubernetes.io/managed-by: kharden; kharden leaves it alone and adds nothing under that name. Rename it, or add the label to let kharden manage it.',
    },
    systemNamespace: {
      severity: 'info',
      title: 'system namespace: no policies',
      help: 'Namespaces matching skipNamespaces (by default kube-*, where cluster DNS and other components run) get no policies from kharden: a default deny there breaks the cluster itself.',
    },
  },
  run(target, ctx) {
    const o = ctx.options;
    const namespaces = readNamespaces(target.resources);
    for (const ns of namespaces.values()) {
      if (!ns.namespaceObject && ns.workloads.length === 0) continue;
      const glob = ns.name === '' ? undefined : o.skipNamespaces.find((g) => globMatch(g, ns.name));
      if (glob !== undefined) {
        ctx.report({ resource: ns.namespaceObject ?? ns.workloads[0], code: 'systemNamespace', message: `namespace ${ns.name} matches skipNamespaces "${glob}": no network policies added` });
        continue;
      }
      secureNamespace(ns, o, ctx);
    }
  },
});

function secureNamespace(ns: Namespace, o: NetworkPolicyOptions, ctx: StreamContext<NetworkPolicyOptions>): void {
  const everyPod = ns.policies.filter((p) => selectsEveryPod(specOf(p).podSelector));
  const coveredBy = (d: Direction, mine: boolean) => everyPod.filter((p) => isKharden(p) === mine && policyTypes(specOf(p)).has(d));
  const missing = DIRECTIONS.filter((d) => coveredBy(d, true).length === 0 && coveredBy(d, false).length === 0);
  // kharden writes allow rules for a direction only where its own policy denies it.
  const owns = (d: Direction) => coveredBy(d, false).length === 0;
  const theirs = everyPod.filter((p) => !isKharden(p));
  for (const p of theirs) {
    const types = DIRECTIONS.filter((d) => policyTypes(specOf(p)).has(d)).map((d) => d.toLowerCase());
    if (types.length) ctx.report({ resource: p, code: 'existingDefaultDeny', message: `NetworkPolicy ${p.ref.name} already selects every pod of ${where(ns.name)} for ${types.join(' and ')}: kharden adds no ${types.join(' or ')} rules there` });
  }

  const put = (name: string, spec: JsonObject, reason: string) => ensurePolicy(ns, name, spec, reason, ctx);
  let deny: StreamResource | undefined;
  if (missing.length) {
    const existing = ns.policies.find((p) => p.ref.name === DENY_NAME && isKharden(p));
    const types = DIRECTIONS.filter((d) => missing.includes(d) || (existing && policyTypes(specOf(existing)).has(d)));
    deny = put(DENY_NAME, denySpec(types), `deny all ${types.map((t) => t.toLowerCase()).join(' and ')} traffic of the pods in ${where(ns.name)} that no other policy allows`);
  }
  const allowed: string[] = [];
  /** Allow rules kharden could not add because a policy of someone else's has the name. */
  const taken: string[] = [];
  const allow = (name: string, spec: JsonObject, reason: string, what: string) => (put(name, spec, reason) ? allowed : taken).push(what);
  if (owns('Egress') && o.allowDns) {
    allow(DNS_NAME, dnsSpec(o), `let every pod in ${where(ns.name)} resolve names through cluster DNS (pods ${labelText(o.dnsPodLabels)} in namespace ${o.dnsNamespace}, port 53 UDP and TCP)`, 'DNS');
  }
  if (owns('Egress') && o.allowNamespaceEgress) {
    allow(NAMESPACE_EGRESS_NAME, namespaceEgressSpec(), `let every pod in ${where(ns.name)} send to the pods of its own namespace (what they accept is decided by the ingress rules)`, 'egress inside the namespace');
  }
  if (owns('Ingress') && o.allowServiceIngress) {
    for (const [name, a] of serviceAllows(ns, ctx)) {
      allow(name, serviceSpec(a.selector, a.ports), `let the pods of ${where(ns.name)} reach Service ${a.service} on its target ports (${portText(a.ports)})`, `ingress from the namespace to Service ${a.service}`);
    }
  }
  if (deny?.generated) {
    ctx.report({ resource: deny, code: 'defaultDenyNeedsAllows', message: stillBlocked(ns, missing, allowed, taken, o) });
  }
}

interface ServiceAllow {
  service: string;
  selector: Record<string, Json>;
  ports: JsonObject[];
}

/**
 * The ingress allow rule of each Service, by policy name. Services whose pods the input's own
 * policies already govern get none (it would widen them); two Services of one name (variants of a
 * manifest in one run) share a policy when they select the same pods.
 */
function serviceAllows(ns: Namespace, ctx: StreamContext<NetworkPolicyOptions>): Map<string, ServiceAllow> {
  const userIngress = ns.policies.filter((p) => !isKharden(p) && policyTypes(specOf(p)).has('Ingress'));
  const allows = new Map<string, ServiceAllow>();
  for (const svc of ns.services) {
    const spec = specOf(svc);
    if (spec.type === 'ExternalName' || !svc.ref.name) continue;
    const selector = obj(spec.selector);
    if (Object.keys(selector).length === 0) {
      ctx.report({ resource: svc, code: 'serviceWithoutSelector', message: `Service ${svc.ref.name} has no selector: no ingress allow rule added for it` });
      continue;
    }
    const ports = targetPorts(svc);
    if (ports.length === 0) continue;
    const pods = ns.workloads.flatMap(podLabels).filter((l) => selectorMatches({ matchLabels: selector }, l));
    const sets = pods.length ? pods : [selector];
    const governing = userIngress.filter((p) => sets.some((l) => selectorMatches(specOf(p).podSelector, l)));
    if (sets.every((l) => governing.some((p) => selectorMatches(specOf(p).podSelector, l)))) {
      ctx.report({ resource: svc, code: 'serviceIngressGoverned', message: `the pods of Service ${svc.ref.name} already have ingress rules (NetworkPolicy ${governing.map((p) => p.ref.name).join(', ')}): no allow rule added` });
      continue;
    }
    const base = `kharden-allow-${svc.ref.name}`;
    let name = policyName(base, RESERVED.has(base));
    const same = allows.get(name);
    if (same && !deepEqual(same.selector, selector)) name = policyName(`${base}-${JSON.stringify(selector)}`, true);
    const allow = allows.get(name);
    if (allow) allow.ports = mergePorts(allow.ports, ports);
    else allows.set(name, { service: svc.ref.name, selector, ports });
  }
  return allows;
}

function labelText(labels: Record<string, string>): string {
  const entries = Object.entries(labels);
  return entries.length ? entries.map(([k, v]) => `${k}=${v}`).join(',') : 'all';
}

function mergePorts(have: JsonObject[], add: JsonObject[]): JsonObject[] {
  const out = [...have];
  for (const p of add) if (!out.some((e) => deepEqual(e, p))) out.push(p);
  return out;
}

/** The warning's message: what kharden allowed, and what the manifests say still needs allowing. */
function stillBlocked(ns: Namespace, denied: Direction[], allowed: string[], taken: string[], o: NetworkPolicyOptions): string {
  const todo: string[] = taken.map((t) => `${t} (kharden's policy name is taken)`);
  if (denied.includes('Ingress')) {
    const exposed = ns.services.filter((s) => specOf(s).type === 'LoadBalancer' || specOf(s).type === 'NodePort').map((s) => `${s.ref.name} (${specOf(s).type})`);
    if (exposed.length) todo.push(`ingress from outside the cluster to Service ${list3(exposed)}`);
    for (const [service, c] of ns.callers) {
      const from = [...(c.apiServer.length ? [`the API server (${list3([...new Set(c.apiServer)])})`] : []), ...new Set(c.routes)];
      todo.push(`ingress to Service ${service} from ${from.join(' and ')}`);
    }
    todo.push('ingress from other namespaces');
    if (!o.allowServiceIngress) todo.push('ingress between its own pods (allowServiceIngress is off)');
  }
  if (denied.includes('Egress')) {
    if (ns.apiClients.length) todo.push(`egress to the API server for ${list3(ns.apiClients)} (its ServiceAccount has RBAC bindings)`);
    if (!o.allowDns) todo.push('DNS (allowDns is off)');
    if (!o.allowNamespaceEgress) todo.push('egress to the pods of the namespace (allowNamespaceEgress is off)');
    todo.push('egress to other namespaces and outside the cluster');
  }
  const services = allowed.filter((a) => a.startsWith('ingress from the namespace to Service ')).map((a) => a.slice('ingress from the namespace to Service '.length));
  const did = [...allowed.filter((a) => !a.startsWith('ingress from the namespace to Service ')), ...(services.length ? [`ingress from the namespace to Service ${list3(services)}`] : [])];
  return `${where(ns.name)} now denies ${denied.map((d) => d.toLowerCase()).join(' and ')} by default; allowed: ${did.length ? did.join('; ') : 'nothing'}; still to allow: ${todo.join('; ')}`;
}

/**
 * Makes `name` hold `spec` in the namespace: generated when absent; brought up to date when it is
 * kharden's (labelled) and differs; left alone, with a warning, when someone else's has the name.
 */
function ensurePolicy(ns: Namespace, name: string, spec: JsonObject, reason: string, ctx: StreamContext<NetworkPolicyOptions>): StreamResource | undefined {
  const existing = ns.policies.find((p) => p.ref.name === name);
  if (!existing) {
    const metadata: JsonObject = { name, ...(ns.name !== '' ? { namespace: ns.name } : {}), labels: { [MANAGED_BY]: 'kharden' } };
    const made = ctx.generate({ apiVersion: POLICY_API, kind: 'NetworkPolicy', metadata, spec }, reason);
    return made;
  }
  if (!isKharden(existing)) {
    ctx.report({ resource: existing, code: 'policyNameTaken', message: `NetworkPolicy ${name} in ${where(ns.name)} is not kharden's (no ${MANAGED_BY}: kharden label): left as it is, and not replaced by kharden's` });
    return undefined;
  }
  if (!deepEqual(existing.value.spec, spec)) ctx.on(existing).set('/spec', spec, reason);
  return existing;
}
