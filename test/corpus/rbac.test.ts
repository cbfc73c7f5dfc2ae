/**
 * The RBAC and service-account transforms over ../shared/corpus/real, one restricted run per
 * project (every file of a project in one run, as `kharden DIR` runs them):
 * - every RBAC object is judged without a crash, and every ClusterRoleBinding to cluster-admin
 *   has its clusterAdminBinding error;
 * - every generated ServiceAccount is valid as the API server validates it, generated once, and a
 *   second run over the output and what was generated adds nothing and edits nothing;
 * - every serviceAccountName kharden set names a ServiceAccount of the workload's namespace that
 *   is in the input or was generated; a workload of a handled kind left on the default account
 *   says why (a role bound to default, a name taken, an exemption).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import YAML from 'yaml';
import { hardenRun } from '../../src/core/engine.js';
import type { HardenOptions, RunInput } from '../../src/core/engine.js';
import { projectInputs, runAccepting } from '../helpers/project-run.js';
import { hardenOptionsOf, resolveProfile } from '../../src/profiles/resolve.js';
import { loadProfileFile } from '../../src/io/profiles.js';
import { printGenerated, SHARED } from '../helpers/harness.js';
import { serviceAccountProblems } from '../helpers/k8s-validation.js';

const ROOT = path.join(SHARED, 'corpus/real');
const present = fs.existsSync(ROOT);
if (!present) console.warn(`skipping the RBAC corpus checks: ${ROOT} is absent (../shared is not beside the project)`);
const projects = present ? fs.readdirSync(ROOT).filter((d) => fs.statSync(path.join(ROOT, d)).isDirectory()).sort() : [];
const RBAC_KINDS = ['Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding'];
const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'ReplicationController', 'Job', 'CronJob', 'Pod'];

const inputsOf = (project: string): RunInput[] => projectInputs(ROOT, project);

/** The objects of a text (List items too), as plain values, with the file they are in. */
function objectsOf(file: string, text: string): { file: string; o: any }[] {
  let docs: unknown[];
  try {
    docs = YAML.parseAllDocuments(text, { version: '1.1', uniqueKeys: false }).map((d) => d.toJS());
  } catch {
    return [];
  }
  return docs.flatMap((d: any) => (d && typeof d === 'object' && Array.isArray(d.items) && /List$/.test(String(d.kind)) ? d.items : [d])).filter((o: any) => o && typeof o === 'object').map((o) => ({ file, o }));
}

const isRbac = (o: any) => typeof o.apiVersion === 'string' && o.apiVersion.startsWith('rbac.authorization.k8s.io/') && RBAC_KINDS.includes(o.kind);

let restricted: HardenOptions;
beforeAll(async () => {
  const p = await resolveProfile('restricted', loadProfileFile);
  restricted = { ...hardenOptionsOf(p), freezeTargets: true };
  for (const id of ['review-rbac', 'remove-anonymous-subjects', 'create-service-accounts']) expect(restricted.chain.some((l) => l.id === id), `restricted runs ${id}`).toBe(true);
});

describe.skipIf(!present)('RBAC and service accounts over the real corpus', () => {
  let rbacSeen = 0;
  let clusterAdminSeen = 0;
  let accountsGenerated = 0;

  test.each(projects)('%s', async (project) => {
    const { inputs, result } = runAccepting(inputsOf(project), restricted);
    const objects = inputs.flatMap((i) => objectsOf(i.file, i.text));
    const findings = result.files.flatMap((f) => f.findings);

    // Every ClusterRoleBinding to cluster-admin is found, in its file.
    const rbac = objects.filter(({ o }) => isRbac(o));
    rbacSeen += rbac.length;
    const admins = rbac.filter(({ o }) => o.kind === 'ClusterRoleBinding' && o.roleRef?.kind === 'ClusterRole' && o.roleRef?.name === 'cluster-admin');
    clusterAdminSeen += admins.length;
    for (const { file, o } of admins) {
      const found = findings.some((f) => f.code === 'clusterAdminBinding' && f.severity === 'error' && f.file === file && f.resource?.kind === 'ClusterRoleBinding' && f.resource?.name === o.metadata?.name);
      expect(found, `${path.relative(ROOT, file)}: ClusterRoleBinding ${o.metadata?.name} to cluster-admin`).toBe(true);
    }

    // Generated ServiceAccounts: valid, once each.
    const accounts = result.generated.filter((g) => g.ref.kind === 'ServiceAccount');
    accountsGenerated += accounts.length;
    const seen = new Set<string>();
    for (const g of accounts) {
      const key = `${g.ref.namespace ?? ''}/${g.ref.name}`;
      expect(seen.has(key), `${key} generated twice`).toBe(false);
      seen.add(key);
      expect(g.transform).toBe('create-service-accounts');
      expect(serviceAccountProblems(g.value), key).toEqual([]);
    }

    // Every serviceAccountName kharden set names an account of the workload's namespace in the input or generated.
    const present = new Set([...objects.filter(({ o }) => o.apiVersion === 'v1' && o.kind === 'ServiceAccount').map(({ o }) => `${o.metadata?.namespace ?? ''}/${o.metadata?.name}`), ...seen]);
    const set = result.files.flatMap((f) => f.edits).filter((e) => e.transform === 'create-service-accounts');
    for (const e of set) {
      expect(e.path.endsWith('/serviceAccountName'), e.path).toBe(true);
      expect(present.has(`${e.resource.namespace ?? ''}/${e.value}`), `${path.relative(ROOT, e.file)}: ${e.resource.kind} ${e.resource.name} → ServiceAccount ${e.value}`).toBe(true);
    }
    // A workload of a handled kind still on the default account says why.
    for (const f of result.files) {
      for (const w of f.workloads) {
        if (!WORKLOAD_KINDS.includes(w.resource.kind) || !w.resource.name) continue;
        const spec = (w.after as any).spec ?? {};
        if (spec.serviceAccount !== undefined || (spec.serviceAccountName ?? 'default') !== 'default') continue;
        const why =
          f.findings.some((x) => x.transform === 'create-service-accounts' && x.resource?.name === w.resource.name && x.resource?.kind === w.resource.kind) ||
          w.exemptions.some((x) => x.transform === 'create-service-accounts' || x.transform === 'all') ||
          result.findings.some((x) => x.transform === 'create-service-accounts' && x.code === 'skipped' && x.resource?.name === w.resource.name) ||
          !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(w.resource.name);
        expect(why, `${path.relative(ROOT, f.file)}: ${w.resource.kind} ${w.resource.name} left on the default account without a finding`).toBe(true);
      }
    }
    await new Promise(setImmediate);

    // A second run over the output and what was generated adds and edits nothing.
    if (accounts.length === 0 && set.length === 0) return;
    const again = hardenRun(
      [...result.files.map((f, i) => ({ file: inputs[i].file, text: f.output })), { file: path.join(ROOT, project, 'kharden-generated.yaml'), text: printGenerated(result.generated) }],
      restricted,
    );
    expect(again.generated.map((g) => `${g.ref.kind}/${g.ref.namespace ?? ''}/${g.ref.name}`)).toEqual([]);
    expect(again.files.flatMap((f) => f.edits).map((e) => `${e.transform} ${e.path}`)).toEqual([]);
    await new Promise(setImmediate);
  });

  test('the corpus had RBAC objects, cluster-admin bindings and workloads on the default account', () => {
    // The counts come from the tests above, which run first (vitest runs a file's tests in order).
    console.log(`judged ${rbacSeen} RBAC objects (${clusterAdminSeen} ClusterRoleBindings to cluster-admin), generated ${accountsGenerated} ServiceAccounts`);
    expect(rbacSeen).toBeGreaterThan(100);
    expect(clusterAdminSeen).toBeGreaterThan(0);
    expect(accountsGenerated).toBeGreaterThan(20);
  });
});
