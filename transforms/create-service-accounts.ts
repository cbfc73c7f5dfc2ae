import type { JsonObject, StreamResource } from '../src/core/types.js';
import { defineTransform } from '../src/core/types.js';
import { DefaultAccountBindings, describeBindings } from './data/rbac.js';
import { obj, str, valueAt } from './util.js';

const ID = 'create-service-accounts';
const MANAGED_BY = 'app.kubernetes.io/managed-by';

/** The workload kinds whose pods get an account of their own, by API group. */
const WORKLOADS: Record<string, string[]> = {
  '': ['Pod', 'ReplicationController'],
  apps: ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet'],
  batch: ['Job', 'CronJob'],
  // Removed from the API in 1.16, still in old manifests: hardened like the others.
  extensions: ['Deployment', 'DaemonSet', 'ReplicaSet'],
};

const groupOf = (apiVersion: string) => (apiVersion.includes('/') ? apiVersion.split('/')[0] : '');
const describe = (r: StreamResource) => `${r.ref.kind} ${r.ref.name ?? '(unnamed)'}`;
const where = (ns: string) => (ns === '' ? 'the namespace the manifests are applied to' : `namespace ${ns}`);
const key = (ns: string, name: string) => `${ns}\u0000${name}`;
/** What the API server accepts as a ServiceAccount name (a workload with another name is refused anyway). */
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function isWorkload(r: StreamResource): boolean {
  return r.templatePaths.length > 0 && (WORKLOADS[groupOf(r.ref.apiVersion)] ?? []).includes(r.ref.kind);
}

/** The pod spec runs as the namespace's default account: no serviceAccountName (or "default") and no deprecated serviceAccount. */
function runsAsDefault(spec: JsonObject): boolean {
  if (spec.serviceAccount !== undefined && spec.serviceAccount !== null) return false;
  const name = spec.serviceAccountName;
  return name === undefined || name === null || name === '' || name === 'default';
}

/** Why the pod is presumed to call the API: an explicit automountServiceAccountToken: true, or a projected token volume. */
function usesToken(spec: JsonObject): string | undefined {
  if (spec.automountServiceAccountToken === true) return 'it mounts its token explicitly (automountServiceAccountToken: true)';
  for (const v of Array.isArray(spec.volumes) ? spec.volumes : []) {
    const sources = obj(obj(v).projected).sources;
    if (Array.isArray(sources) && sources.some((s) => obj(s).serviceAccountToken !== undefined)) return `it mounts a projected service account token (volume ${str(obj(v).name) ?? '?'})`;
  }
  return undefined;
}

export default defineTransform({
  id: ID,
  summary: 'Give every workload that runs as its namespace\'s default service account a ServiceAccount of its own (automountServiceAccountToken: false) and point serviceAccountName at it',
  reason:
    'Every pod of a namespace that names no service account shares its default one: a role bound to it for one app is granted to all of them, and their API identities cannot be told apart in audit logs. An account per workload, with its token not mounted unless the app asks, keeps each app\'s API access its own.',
  docs: 'https://kubernetes.io/docs/concepts/security/service-accounts/#default-service-accounts',
  scope: 'stream',
  // Workloads, the accounts that exist (and the ones it generates), and the bindings to default accounts.
  reads: ['workloads', { group: '', kinds: ['ServiceAccount'] }, { group: 'rbac.authorization.k8s.io', kinds: ['RoleBinding', 'ClusterRoleBinding'] }],
  example: 'deployment-default',
  options: {},
  messages: {
    defaultAccountBound: {
      severity: 'warning',
      title: 'workload keeps the default service account: a role is bound to it',
      help: 'The input binds a role to the namespace\'s default service account, so a workload running as it may rely on that role and is left on it. Give the workload its own ServiceAccount, bind the role to that account instead of default, and set serviceAccountName.',
    },
    serviceAccountNameTaken: {
      severity: 'info',
      title: 'a ServiceAccount of the workload\'s name exists: not used',
      help: 'The input already has a ServiceAccount named after the workload that kharden did not write (no app.kubernetes.io/managed-by: kharden label), so kharden neither replaces it nor points the workload at it (its roles were not meant for it). Set serviceAccountName yourself, or rename one of them.',
    },
    serviceAccountWithoutNamespace: {
      severity: 'info',
      title: 'service account generated without a namespace',
      help: 'The workload has no namespace (it is chosen when the manifests are applied, e.g. kubectl apply -n or helm --namespace), so its ServiceAccount has none either: apply both to the same namespace.',
    },
    groupRoleTokenKept: {
      severity: 'info',
      title: 'own service account, token kept: a role is bound to every account of the namespace',
      help: 'The input binds a role to a group of service accounts (system:serviceaccounts or system:serviceaccounts:<namespace>) that the workload\'s new ServiceAccount is in too, so the app keeps that role and its token stays mounted. If the app does not call the API, set automountServiceAccountToken: false on the account.',
    },
    tokenKeptMounted: {
      severity: 'info',
      title: 'own service account, token kept',
      help: 'The pod asks for an API token (automountServiceAccountToken: true or a projected serviceAccountToken volume), so its new ServiceAccount leaves the token mounted. It starts with no roles: bind the ones the app needs to it (they were the default account\'s before).',
    },
  },
  run(target, ctx) {
    const accounts = new Map<string, StreamResource>();
    for (const r of target.resources) {
      if (groupOf(r.ref.apiVersion) === '' && r.ref.kind === 'ServiceAccount' && r.ref.name) accounts.set(key(r.ref.namespace ?? '', r.ref.name), r);
    }
    const bindings = new DefaultAccountBindings(target.resources);

    for (const r of target.resources) {
      if (r.exempt || !isWorkload(r) || !r.ref.name || r.ref.name.length > 253 || !DNS1123_SUBDOMAIN.test(r.ref.name)) continue;
      // A workload named default would take over the namespace's default account (every pod's).
      if (r.ref.name === 'default') continue;
      const ns = r.ref.namespace ?? '';
      const name = r.ref.name;
      for (const tp of r.templatePaths) {
        const spec = obj(valueAt(obj(tp === '' ? r.value : valueAt(r.value, tp)), '/spec'));
        if (!runsAsDefault(spec)) continue;
        const specPath = `${tp}/spec`;
        const reaching = bindings.of(ns);
        // Bound to the account itself: the role stays with default, so does the workload.
        const bound = reaching.filter((b) => b.via === 'account');
        if (bound.length) {
          const unmounted = spec.automountServiceAccountToken === false ? '; its token is not mounted (automountServiceAccountToken: false): if it uses that role, set it to true or, better, give it an account of its own' : '';
          ctx.report({ resource: r, code: 'defaultAccountBound', path: specPath, message: `${describe(r)} runs as the default service account of ${where(ns)}, which ${describeBindings(bound)} bind${bound.length === 1 ? 's' : ''} to a role: kept on it${unmounted}` });
          continue;
        }
        const existing = accounts.get(key(ns, name));
        if (existing && !existing.generated && obj(obj(existing.value.metadata).labels)[MANAGED_BY] !== 'kharden') {
          ctx.report({ resource: r, code: 'serviceAccountNameTaken', path: specPath, message: `${describe(r)} runs as the default service account of ${where(ns)}; a ServiceAccount ${name} exists there but is not kharden's, so the workload is left on default` });
          continue;
        }
        const asks = usesToken(spec);
        // Left: bindings to a group of accounts (system:serviceaccounts[:ns]), which the new account is
        // in too. It keeps their role, and its token, unless the pod itself does not mount it.
        const groupRole = asks === undefined && reaching.length > 0 && spec.automountServiceAccountToken !== false ? reaching : undefined;
        const needs = asks !== undefined || groupRole !== undefined;
        let account = existing;
        if (!account) {
          const metadata: JsonObject = { name, ...(ns !== '' ? { namespace: ns } : {}), labels: { [MANAGED_BY]: 'kharden' } };
          const value: JsonObject = { apiVersion: 'v1', kind: 'ServiceAccount', metadata, ...(needs ? {} : { automountServiceAccountToken: false }) };
          account = ctx.generate(value, `the service account of ${describe(r)}, which ran as the default service account of ${where(ns)}${needs ? '' : '; its API token is not mounted'}`);
          // Not generated (an exempted namespace or a matching exclude rule): nothing may point at it.
          if (account.exempt) continue;
          accounts.set(key(ns, name), account);
          if (ns === '') ctx.report({ resource: account, code: 'serviceAccountWithoutNamespace', message: `ServiceAccount ${name} (for ${describe(r)}) has no namespace, like the workload: apply it to the same namespace` });
          if (groupRole) ctx.report({ resource: account, code: 'groupRoleTokenKept', message: `ServiceAccount ${name} keeps its token mounted: ${describe(r)} may use the role that ${describeBindings(groupRole)} bind${groupRole.length === 1 ? 's' : ''} to every service account of ${where(ns)}, its new one too` });
          if (asks) ctx.report({ resource: account, code: 'tokenKeptMounted', message: `ServiceAccount ${name} keeps its token mounted: ${describe(r)} asks for one (${asks}); bind it the roles the app needs` });
        }
        ctx.on(r).set(`${specPath}/serviceAccountName`, name, `run as a service account of its own (${name}) instead of the default service account of ${where(ns)}, shared by every pod there and by every role bound to it`);
      }
    }
  },
});
