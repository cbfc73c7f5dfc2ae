/**
 * Which bindings of the run grant a role to a namespace's `default` service account, so that a
 * pod running as it may rely on that role (and on its API token).
 *
 * A binding reaches the default account of namespace N when one of its subjects is:
 * - `{kind: ServiceAccount, name: default, namespace: N}`; a RoleBinding's subject without a
 *   namespace is in the binding's namespace;
 * - `{kind: User, name: system:serviceaccount:N:default}` (the account's user name);
 * - `{kind: Group, name: system:serviceaccounts:N}` (every account of N) or
 *   `{kind: Group, name: system:serviceaccounts}` (every account of every namespace).
 *
 * Namespace '' is "not written in the manifests" (chosen when they are applied): a workload
 * without a namespace is reached by subjects whose namespace is also unwritten (a RoleBinding
 * without a namespace naming ServiceAccount default without one), as both land in the namespace
 * they are applied to, and by the all-accounts group; not by a subject naming a namespace.
 * Bindings to `system:authenticated` (every user and account) are not counted.
 */
import type { JsonObject, StreamResource } from '../../src/core/types.js';
import { isPlainObject } from '../../src/lib/json.js';

const RBAC_GROUP = 'rbac.authorization.k8s.io';
const ALL_ACCOUNTS = 'system:serviceaccounts';

export interface DefaultAccountBinding {
  /** The binding: `RoleBinding read-pods` (`RoleBinding shop/read-pods` when it has a namespace other than the account's). */
  binding: string;
  /** The role it grants: `Role pod-reader`, `ClusterRole view`. */
  role: string;
  /**
   * `account`: the subject is the default account itself (a ServiceAccount or its User name);
   * `group`: a group of accounts it belongs to (`system:serviceaccounts[:N]`), which any other
   * account of the namespace belongs to as well.
   */
  via: 'account' | 'group';
  /** The subject as written: `ServiceAccount default`, `Group system:serviceaccounts:shop`. */
  subject: string;
  /** The binding resource. */
  resource: StreamResource;
}

const groupOf = (apiVersion: string) => (apiVersion.includes('/') ? apiVersion.split('/')[0] : '');
const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

/** The bindings of `resources` that reach the default service account, by namespace. */
export class DefaultAccountBindings {
  /** In input order; namespace '*': every namespace's (Group system:serviceaccounts). */
  private readonly all: (DefaultAccountBinding & { ns: string })[] = [];

  constructor(resources: readonly StreamResource[]) {
    for (const r of resources) {
      if (groupOf(r.ref.apiVersion) !== RBAC_GROUP || (r.ref.kind !== 'RoleBinding' && r.ref.kind !== 'ClusterRoleBinding')) continue;
      const roleRef: JsonObject = isPlainObject(r.value.roleRef) ? r.value.roleRef : {};
      const role = `${str(roleRef.kind) ?? 'role'} ${str(roleRef.name) ?? '?'}`;
      const bindingNs = r.ref.kind === 'RoleBinding' ? r.ref.namespace ?? '' : '';
      const found = new Map<string, DefaultAccountBinding & { ns: string }>();
      for (const s of Array.isArray(r.value.subjects) ? r.value.subjects : []) {
        if (!isPlainObject(s)) continue;
        const kind = str(s.kind);
        const name = str(s.name) ?? '';
        let ns: string | undefined;
        if (kind === 'ServiceAccount' && name === 'default') ns = str(s.namespace) || bindingNs;
        else if (kind === 'User' && /^system:serviceaccount:[^:]+:default$/.test(name)) ns = name.split(':')[2];
        else if (kind === 'Group' && name === ALL_ACCOUNTS) ns = '*';
        else if (kind === 'Group' && name.startsWith(`${ALL_ACCOUNTS}:`) && name.length > ALL_ACCOUNTS.length + 1) ns = name.slice(ALL_ACCOUNTS.length + 1);
        if (ns === undefined) continue;
        const via = kind === 'Group' ? 'group' : 'account';
        // One entry per namespace reached; the account itself counts over a group it is in.
        if (found.has(ns) && (via === 'group' || found.get(ns)!.via === 'account')) continue;
        const elsewhere = r.ref.kind === 'RoleBinding' && r.ref.namespace && r.ref.namespace !== ns ? `${r.ref.namespace}/` : '';
        found.set(ns, { ns, binding: `${r.ref.kind} ${elsewhere}${r.ref.name ?? '?'}`, role, via, subject: `${kind} ${name}`, resource: r });
      }
      this.all.push(...found.values());
    }
  }

  /** The bindings that reach the default account of namespace `ns` ('' when the workload has none), in input order. */
  of(ns: string): DefaultAccountBinding[] {
    return this.all.filter((b) => b.ns === ns || b.ns === '*');
  }
}

/** `RoleBinding a (Role r), ClusterRoleBinding b (ClusterRole v, to Group system:serviceaccounts)`, at most `max` then `and N more`. */
export function describeBindings(bindings: readonly DefaultAccountBinding[], max = 3): string {
  const shown = bindings.slice(0, max).map((b) => `${b.binding} (${b.role}${b.via === 'group' ? `, to ${b.subject}` : ''})`);
  return shown.join(', ') + (bindings.length > max ? ` and ${bindings.length - max} more` : '');
}
