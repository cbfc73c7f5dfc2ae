import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, test } from 'vitest';
import transform from '../../transforms/review-rbac.js';
import removeAnonymousSubjects from '../../transforms/remove-anonymous-subjects.js';
import type { Transform } from '../../src/core/types.js';
import { REPO_ROOT, chainOf, harden, runFixtureDir } from '../helpers/harness.js';

/**
 * review-rbac never edits, so its own cases are `unchanged`; a case's options.yaml may name
 * transforms to run first (`precededBy`), as a profile does.
 */
const BEFORE: Record<string, Transform<any>> = { 'remove-anonymous-subjects': removeAnonymousSubjects };
const DIR = path.join(REPO_ROOT, 'test/transforms', transform.id);
runFixtureDir(DIR, ({ precededBy = [], ...options }) => [...(precededBy as string[]).flatMap((id) => chainOf(BEFORE[id])), ...chainOf(transform, options)], transform.id);

/** severity, code, path and message of every finding of a case. */
function findingsOf(name: string) {
  const r = harden(fs.readFileSync(path.join(DIR, name, 'input.yaml'), 'utf8'), chainOf(transform));
  return r.findings.map((f) => [f.severity, f.code, f.path, f.message]);
}

describe('review-rbac findings name the rule, the verbs and the resources at fault', () => {
  test('wildcards, per field', () => {
    expect(findingsOf('wildcards')).toEqual([
      ['warning', 'rbacWildcard', '/rules/0', "ClusterRole operator rule 0 uses wildcards: resources '*'; apiGroups '*'"],
      // get opens exec and attach over WebSocket, and the kubelet API through nodes/proxy.
      ['warning', 'rbacSensitiveWrite', '/rules/0', 'ClusterRole operator rule 0 grants get on pods/exec, pods/attach, nodes/proxy'],
      ['warning', 'rbacSecretsRead', '/rules/0', 'ClusterRole operator rule 0 grants get, list, watch on secrets'],
      ['warning', 'rbacWildcard', '/rules/1', "ClusterRole operator rule 1 uses wildcards: verbs '*'"],
      ['warning', 'rbacWildcard', '/rules/2', "ClusterRole operator rule 2 uses wildcards: resources '*/scale'"],
    ]);
  });

  test('escalation verbs, explicit or through a * verb, are errors', () => {
    expect(findingsOf('escalation')).toEqual([
      ['error', 'rbacEscalation', '/rules/0', 'ClusterRole rbac-manager rule 0 grants escalate, bind on clusterroles: the holder can grant itself permissions it does not have'],
      ['error', 'rbacEscalation', '/rules/1', 'ClusterRole rbac-manager rule 1 grants impersonate on users, groups, serviceaccounts: the holder can grant itself permissions it does not have'],
      ['warning', 'rbacWildcard', '/rules/0', "Role ci/everything rule 0 uses wildcards: verbs '*'; resources '*'; apiGroups '*'"],
      ['error', 'rbacEscalation', '/rules/0', "Role ci/everything rule 0 grants verbs '*' on roles, clusterroles, users, groups, serviceaccounts, which includes escalate, bind, impersonate: the holder can grant itself permissions it does not have"],
      ['warning', 'rbacSensitiveWrite', '/rules/0', "Role ci/everything rule 0 grants '*' on secrets, roles, rolebindings, clusterroles, clusterrolebindings, pods/exec, pods/attach, nodes/proxy, serviceaccounts/token"],
    ]);
  });

  test('writes to Secrets, RBAC objects and tokens, exec, attach and the node proxy; resourceNames lower it to info', () => {
    expect(findingsOf('sensitive-writes')).toEqual([
      ['warning', 'rbacSensitiveWrite', '/rules/0', 'Role ci/deployer rule 0 grants create, update, patch, delete on secrets'],
      ['warning', 'rbacSensitiveWrite', '/rules/1', 'Role ci/deployer rule 1 grants create, delete on roles, rolebindings'],
      ['warning', 'rbacSensitiveWrite', '/rules/2', 'Role ci/deployer rule 2 grants create, get on pods/exec, pods/attach'],
      ['warning', 'rbacSensitiveWrite', '/rules/3', 'Role ci/deployer rule 3 grants create on serviceaccounts/token'],
      ['warning', 'rbacSensitiveWrite', '/rules/4', 'Role ci/deployer rule 4 grants get on nodes/proxy'],
      ['info', 'rbacSensitiveWrite', '/rules/5', 'Role ci/deployer rule 5 grants update on secrets (only resourceNames ci-cache)'],
    ]);
  });

  test('reading Secrets is a warning, or info limited to named Secrets', () => {
    expect(findingsOf('secrets-read')).toEqual([
      ['warning', 'rbacSecretsRead', '/rules/0', 'ClusterRole cert-manager-controller-issuers rule 0 grants get, list, watch on secrets'],
      ['info', 'rbacSecretsRead', '/rules/0', 'Role shop/read-one-secret rule 0 grants get on secrets (only resourceNames web-tls)'],
    ]);
  });

  test('cluster-admin: an error cluster-wide, a warning in one namespace, naming the subjects', () => {
    expect(findingsOf('cluster-admin')).toEqual([
      ['error', 'clusterAdminBinding', '/roleRef', 'ClusterRoleBinding ci-admin grants cluster-admin (every permission in every namespace) to ServiceAccount ci/runner'],
      ['warning', 'clusterAdminBinding', '/roleRef', 'RoleBinding ci/ns-admin grants cluster-admin within namespace ci (every permission there, Secrets and RBAC included) to User alice'],
    ]);
  });

  test('a ClusterRole of namespaced resources bound only cluster-wide: a Role would do (info)', () => {
    expect(findingsOf('cluster-role-could-be-role')).toEqual([
      ['info', 'clusterRoleCouldBeRole', '/rules', 'ClusterRole app-config touches only namespaced resources (configmaps, services, deployments) and is bound only by ClusterRoleBindings, so it applies in every namespace: a Role (or a RoleBinding) in the namespaces the app needs would do'],
    ]);
  });

  test('after remove-anonymous-subjects, the cluster-admin binding names only the subjects left', () => {
    const r = harden(fs.readFileSync(path.join(DIR, 'anonymous-removed-first/input.yaml'), 'utf8'), [...chainOf(removeAnonymousSubjects), ...chainOf(transform)]);
    expect(r.findings.filter((f) => f.code === 'clusterAdminBinding').map((f) => f.message)).toEqual(['ClusterRoleBinding public-admin grants cluster-admin (every permission in every namespace) to ServiceAccount tools/installer']);
  });
});
