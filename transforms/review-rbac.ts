import type { Json, JsonObject, Severity, StreamResource } from '../src/core/types.js';
import { defineTransform } from '../src/core/types.js';
import { CRD_SCHEMAS, obj } from './util.js';

const ID = 'review-rbac';
export const RBAC_GROUP = 'rbac.authorization.k8s.io';

/**
 * Resources that exist outside any namespace, as `kubectl api-resources --namespaced=false` lists
 * them for the built-in API groups (by plural name; the group is not compared: no built-in
 * namespaced resource shares one of these names).
 */
export const CLUSTER_SCOPED = new Set([
  'nodes',
  'namespaces',
  'persistentvolumes',
  'clusterroles',
  'clusterrolebindings',
  'customresourcedefinitions',
  'storageclasses',
  'priorityclasses',
  'csidrivers',
  'csinodes',
  'volumeattachments',
  'certificatesigningrequests',
  'mutatingwebhookconfigurations',
  'validatingwebhookconfigurations',
  'validatingadmissionpolicies',
  'validatingadmissionpolicybindings',
  'apiservices',
  'runtimeclasses',
  'ingressclasses',
  'tokenreviews',
  'subjectaccessreviews',
  'selfsubjectaccessreviews',
  'selfsubjectrulesreviews',
  'selfsubjectreviews',
  'podsecuritypolicies',
  'componentstatuses',
  'flowschemas',
  'prioritylevelconfigurations',
]);

/**
 * The only CRDs read are cluster-scoped ones (their resources are cluster-wide in a ClusterRole):
 * `scope: Cluster` however it is written (plain, quoted, JSON), or a `scope` whose value is an
 * alias, anchor or tag this filter cannot judge. Most CRDs are large schemas that only mention
 * "Cluster" in descriptions; they are no longer composed.
 */
export const CLUSTER_SCOPE_MENTION = /\bscope["']?\s*:\s*(?:#[^\n]*\n\s*)*(?:["']?Cluster\b|[*&!])/;

const WRITE_VERBS = ['create', 'update', 'patch', 'delete', 'deletecollection'];
const READ_VERBS = ['get', 'list', 'watch'];
const ESCALATION_VERBS = ['escalate', 'bind', 'impersonate'];

/**
 * Resources a write to is as good as more privileges: by group, with the verbs that count. `get`
 * on pods/exec, pods/attach and nodes/proxy counts too: the WebSocket forms of exec and attach
 * (kubectl 1.31+, and the kubelet API through nodes/proxy) open with a GET.
 */
const SENSITIVE: { group: string; resource: string; verbs: string[] }[] = [
  { group: '', resource: 'secrets', verbs: WRITE_VERBS },
  { group: RBAC_GROUP, resource: 'roles', verbs: WRITE_VERBS },
  { group: RBAC_GROUP, resource: 'rolebindings', verbs: WRITE_VERBS },
  { group: RBAC_GROUP, resource: 'clusterroles', verbs: WRITE_VERBS },
  { group: RBAC_GROUP, resource: 'clusterrolebindings', verbs: WRITE_VERBS },
  { group: '', resource: 'pods/exec', verbs: [...WRITE_VERBS, 'get'] },
  { group: '', resource: 'pods/attach', verbs: [...WRITE_VERBS, 'get'] },
  { group: '', resource: 'nodes/proxy', verbs: [...WRITE_VERBS, 'get'] },
  { group: '', resource: 'serviceaccounts/token', verbs: WRITE_VERBS },
];

/** What escalate, bind and impersonate act on: a `*` verb on one of these includes them. */
const ESCALATION_TARGETS: { group: string; resource: string; verbs: string[] }[] = [
  { group: RBAC_GROUP, resource: 'roles', verbs: ['escalate', 'bind'] },
  { group: RBAC_GROUP, resource: 'clusterroles', verbs: ['escalate', 'bind'] },
  { group: '', resource: 'users', verbs: ['impersonate'] },
  { group: '', resource: 'groups', verbs: ['impersonate'] },
  { group: '', resource: 'serviceaccounts', verbs: ['impersonate'] },
];

const strings = (v: Json | undefined): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
const quoteList = (xs: string[]) => xs.map((x) => (x.includes('*') ? `'${x}'` : x)).join(', ');
const groupOf = (apiVersion: string) => (apiVersion.includes('/') ? apiVersion.split('/')[0] : '');
const isRbac = (r: StreamResource, ...kinds: string[]) => groupOf(r.ref.apiVersion) === RBAC_GROUP && kinds.includes(r.ref.kind);
const describe = (r: StreamResource) => `${r.ref.kind} ${r.ref.namespace ? `${r.ref.namespace}/` : ''}${r.ref.name ?? '(unnamed)'}`;

// RBAC's own matching: "*" is every resource, "*/sub" that subresource of every resource; nothing else is a pattern.
function resourceMatches(ruleResource: string, resource: string): boolean {
  if (ruleResource === '*' || ruleResource === resource) return true;
  const slash = resource.indexOf('/');
  return slash > 0 && ruleResource === `*/${resource.slice(slash + 1)}`;
}

/** A pattern in RBAC: `*`, or `*\/sub` in resources (`pods/*` is not one: it names nothing). */
const isWildcard = (x: string) => x === '*' || x.startsWith('*/');

interface Rule {
  index: number;
  verbs: string[];
  apiGroups: string[];
  resources: string[];
  resourceNames: string[];
  nonResourceURLs: string[];
}

function rulesOf(role: StreamResource): Rule[] {
  const rules = role.value.rules;
  if (!Array.isArray(rules)) return [];
  return rules.map((r, index) => {
    const rule = obj(r);
    return { index, verbs: strings(rule.verbs), apiGroups: strings(rule.apiGroups), resources: strings(rule.resources), resourceNames: strings(rule.resourceNames), nonResourceURLs: strings(rule.nonResourceURLs) };
  });
}

/** The verbs of `wanted` a rule grants (its `*` grants them all), and the resources of the table it grants them on. */
function granted(rule: Rule, table: { group: string; resource: string; verbs: string[] }[]): { verbs: string[]; resources: string[] } {
  const verbs = new Set<string>();
  const resources: string[] = [];
  for (const t of table) {
    if (!rule.apiGroups.includes('*') && !rule.apiGroups.includes(t.group)) continue;
    if (!rule.resources.some((r) => resourceMatches(r, t.resource))) continue;
    const v = rule.verbs.includes('*') ? ['*'] : t.verbs.filter((x) => rule.verbs.includes(x));
    if (v.length === 0) continue;
    v.forEach((x) => verbs.add(x));
    resources.push(t.resource);
  }
  return { verbs: [...verbs], resources };
}

/** Whether every resource a rule names lives in a namespace (so a Role could grant it). */
function onlyNamespaced(rule: Rule, clusterScoped: Set<string>): boolean {
  if (rule.nonResourceURLs.length > 0) return false;
  return rule.resources.length > 0 && rule.resources.every((r) => {
    if (r.includes('*')) return false;
    const base = r.split('/')[0];
    // Custom resources whose scope the input does not say: cluster* names (ClusterIssuer, ClusterTask…) are taken as cluster-scoped.
    return !clusterScoped.has(base) && !base.startsWith('cluster');
  });
}

export default defineTransform<{}, 'stream'>({
  id: ID,
  summary: 'Report RBAC roles and bindings that grant more than least privilege: wildcards, escalation verbs, writes to Secrets, RBAC objects, exec and tokens, Secret reads, cluster-admin bindings, ClusterRoles where a Role would do',
  reason:
    'A service account\'s permissions are what an attacker gets from one compromised pod. Wildcards grant whatever the API adds later, escalate/bind/impersonate and writes to RBAC objects or tokens let the holder give itself more, Secret access exposes every credential of the namespace, and a cluster-wide binding multiplies all of it by every namespace. These are findings, not fixes: controllers often need some of it, and only a person can say which.',
  docs: 'https://kubernetes.io/docs/concepts/security/rbac-good-practices/',
  scope: 'stream',
  // Roles and bindings, and a CRD only to learn that its resource is cluster-scoped.
  reads: [{ group: 'rbac.authorization.k8s.io', kinds: ['Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding'] }, { group: 'apiextensions.k8s.io', kinds: ['CustomResourceDefinition'], mentions: CLUSTER_SCOPE_MENTION, ignores: CRD_SCHEMAS }],
  example: 'escalation',
  options: {},
  messages: {
    rbacWildcard: {
      severity: 'warning',
      title: 'RBAC rule uses a wildcard',
      help: "A '*' in verbs, resources or apiGroups grants every verb, resource or API group, including those added to the cluster later (custom resources, new subresources). List what the app needs instead: `kubectl auth can-i --list --as=system:serviceaccount:NS:NAME` shows what it has, and its API calls in the audit log show what it uses.",
    },
    rbacEscalation: {
      severity: 'error',
      title: 'RBAC rule allows privilege escalation',
      help: 'escalate lets the holder write roles with permissions it does not have, bind lets it bind any role to anyone, impersonate lets it act as another user, group or service account. Whoever holds such a rule can make itself cluster-admin. Keep these verbs for the few controllers that manage RBAC, restricted with resourceNames where possible.',
    },
    rbacSensitiveWrite: {
      severity: 'warning',
      title: 'RBAC rule can write Secrets, RBAC objects or tokens, or exec into pods',
      help: 'Writing Secrets or RBAC objects, minting service account tokens, and exec, attach or the kubelet proxy (which run commands in other pods, as their service accounts) all lead to more privileges than the rule names. Grant them only to what must do it, restricted with resourceNames where the API allows.',
    },
    rbacSecretsRead: {
      severity: 'warning',
      title: 'RBAC rule can read Secrets',
      help: 'get, list or watch on secrets reads every credential in scope (the whole cluster through a ClusterRoleBinding); list and watch return the values too. Restrict it to the Secrets the app needs with resourceNames (get only), or mount those Secrets instead of reading them from the API.',
    },
    clusterAdminBinding: {
      severity: 'error',
      title: 'binding grants cluster-admin',
      help: 'cluster-admin is every permission on every resource in every namespace. Bind a role with what the subjects need instead; keep cluster-admin for break-glass human access.',
    },
    clusterRoleCouldBeRole: {
      severity: 'info',
      title: 'ClusterRole of namespaced resources bound cluster-wide: a Role would do',
      help: 'The ClusterRole touches only namespaced resources and is bound only by ClusterRoleBindings, so it applies in every namespace. If the app needs them only in its own namespaces, use a Role and RoleBinding per namespace (or RoleBindings to this ClusterRole) instead of a ClusterRoleBinding.',
    },
  },
  run(target, ctx) {
    const resources = target.resources;
    const clusterScoped = new Set(CLUSTER_SCOPED);
    for (const r of resources) {
      if (r.ref.kind === 'CustomResourceDefinition' && groupOf(r.ref.apiVersion) === 'apiextensions.k8s.io') {
        const spec = obj(r.value.spec);
        const plural = obj(spec.names).plural;
        if (spec.scope === 'Cluster' && typeof plural === 'string') clusterScoped.add(plural);
      }
    }
    // ClusterRole name -> the binding kinds that reference it.
    const boundBy = new Map<string, Set<string>>();
    for (const b of resources) {
      if (!isRbac(b, 'RoleBinding', 'ClusterRoleBinding')) continue;
      const roleRef = obj(b.value.roleRef);
      if (roleRef.kind !== 'ClusterRole' || typeof roleRef.name !== 'string') continue;
      if (!boundBy.has(roleRef.name)) boundBy.set(roleRef.name, new Set());
      boundBy.get(roleRef.name)!.add(b.ref.kind);
    }

    for (const r of resources) {
      if (r.exempt) continue;
      if (isRbac(r, 'Role', 'ClusterRole')) reviewRole(r);
      else if (isRbac(r, 'RoleBinding', 'ClusterRoleBinding')) reviewBinding(r);
    }

    function reviewRole(role: StreamResource): void {
      const rules = rulesOf(role);
      for (const rule of rules) {
        const at = `/rules/${rule.index}`;
        const where = `${describe(role)} rule ${rule.index}`;
        const wild = (['verbs', 'resources', 'apiGroups'] as const).filter((k) => rule[k].some(isWildcard));
        if (wild.length) {
          ctx.report({ resource: role, code: 'rbacWildcard', path: at, message: `${where} uses wildcards: ${wild.map((k) => `${k} ${quoteList(rule[k].filter(isWildcard))}`).join('; ')}` });
        }
        const explicit = ESCALATION_VERBS.filter((v) => rule.verbs.includes(v));
        const implied = rule.verbs.includes('*') ? granted(rule, ESCALATION_TARGETS) : { verbs: [], resources: [] };
        if (explicit.length) {
          const on = rule.resources.length ? ` on ${quoteList(rule.resources)}` : '';
          ctx.report({ resource: role, code: 'rbacEscalation', path: at, message: `${where} grants ${explicit.join(', ')}${on}: the holder can grant itself permissions it does not have` });
        } else if (implied.resources.length) {
          ctx.report({ resource: role, code: 'rbacEscalation', path: at, message: `${where} grants verbs '*' on ${implied.resources.join(', ')}, which includes ${ESCALATION_TARGETS.filter((t) => implied.resources.includes(t.resource)).flatMap((t) => t.verbs).filter((v, i, a) => a.indexOf(v) === i).join(', ')}: the holder can grant itself permissions it does not have` });
        }
        const named = rule.resourceNames.length ? ` (only resourceNames ${rule.resourceNames.join(', ')})` : '';
        // Limited to named objects: still worth a look, but not a warning.
        const severity: Severity | undefined = rule.resourceNames.length ? 'info' : undefined;
        const writes = granted(rule, SENSITIVE);
        if (writes.resources.length) {
          ctx.report({ resource: role, code: 'rbacSensitiveWrite', path: at, ...(severity ? { severity } : {}), message: `${where} grants ${quoteList(writes.verbs)} on ${writes.resources.join(', ')}${named}` });
        }
        const reads = rule.verbs.includes('*') ? { verbs: [], resources: [] } : granted(rule, [{ group: '', resource: 'secrets', verbs: READ_VERBS }]);
        if (reads.resources.length) {
          ctx.report({ resource: role, code: 'rbacSecretsRead', path: at, ...(severity ? { severity } : {}), message: `${where} grants ${reads.verbs.join(', ')} on secrets${named}` });
        }
      }
      if (role.ref.kind === 'ClusterRole' && role.ref.name && rules.length > 0 && role.value.aggregationRule === undefined) {
        const kinds = boundBy.get(role.ref.name);
        if (kinds && kinds.size === 1 && kinds.has('ClusterRoleBinding') && rules.every((rule) => onlyNamespaced(rule, clusterScoped))) {
          const touched = [...new Set(rules.flatMap((rule) => rule.resources))];
          ctx.report({ resource: role, code: 'clusterRoleCouldBeRole', path: '/rules', message: `${describe(role)} touches only namespaced resources (${touched.slice(0, 6).join(', ')}${touched.length > 6 ? `, and ${touched.length - 6} more` : ''}) and is bound only by ClusterRoleBindings, so it applies in every namespace: a Role (or a RoleBinding) in the namespaces the app needs would do` });
        }
      }
    }

    function reviewBinding(binding: StreamResource): void {
      const roleRef = obj(binding.value.roleRef);
      if (roleRef.kind !== 'ClusterRole' || roleRef.name !== 'cluster-admin') return;
      const subjects = (Array.isArray(binding.value.subjects) ? binding.value.subjects : []).map((s) => {
        const subject = obj(s) as JsonObject;
        return `${subject.kind ?? '?'} ${typeof subject.namespace === 'string' ? `${subject.namespace}/` : ''}${subject.name ?? '?'}`;
      });
      const who = subjects.length ? subjects.join(', ') : 'no subjects';
      if (binding.ref.kind === 'ClusterRoleBinding') {
        ctx.report({ resource: binding, code: 'clusterAdminBinding', path: '/roleRef', message: `${describe(binding)} grants cluster-admin (every permission in every namespace) to ${who}` });
      } else {
        ctx.report({ resource: binding, code: 'clusterAdminBinding', path: '/roleRef', severity: 'warning', message: `${describe(binding)} grants cluster-admin within namespace ${binding.ref.namespace ?? '(its namespace)'} (every permission there, Secrets and RBAC included) to ${who}` });
      }
    }
  },
});
