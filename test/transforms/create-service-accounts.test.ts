import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, test } from 'vitest';
import transform from '../../transforms/create-service-accounts.js';
import disableServiceAccountToken from '../../transforms/disable-service-account-token.js';
import type { Transform } from '../../src/core/types.js';
import { REPO_ROOT, chainOf, harden, runFixtureDir } from '../helpers/harness.js';
import { resolveProfile } from '../../src/profiles/resolve.js';
import { loadProfileFile } from '../../src/io/profiles.js';

/** A case's options.yaml may name transforms to run first (`precededBy`), as a profile does. */
const BEFORE: Record<string, Transform<any>> = { 'disable-service-account-token': disableServiceAccountToken };
const DIR = path.join(REPO_ROOT, 'test/transforms', transform.id);
runFixtureDir(DIR, ({ precededBy = [], ...options }) => [...(precededBy as string[]).flatMap((id) => chainOf(BEFORE[id])), ...chainOf(transform, options)], transform.id);

const run = (name: string) => harden(fs.readFileSync(path.join(DIR, name, 'input.yaml'), 'utf8'), chainOf(transform));

describe('create-service-accounts', () => {
  test('the generated account is named after the workload, in its namespace, marked as kharden\'s, its token not mounted', () => {
    const r = run('deployment-default');
    expect(r.generated.map((g) => g.value)).toEqual([
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'web', namespace: 'shop', labels: { 'app.kubernetes.io/managed-by': 'kharden' } }, automountServiceAccountToken: false },
    ]);
    expect(r.edits.map((e) => [e.op, e.path, e.value])).toEqual([['add', '/spec/template/spec/serviceAccountName', 'web']]);
  });

  test('a role bound to the default account keeps the workload on it, with a warning naming the binding', () => {
    const r = run('default-bound');
    const bound = r.findings.filter((f) => f.code === 'defaultAccountBound');
    expect(bound.map((f) => [f.severity, f.message])).toEqual([
      ['warning', 'Deployment watcher runs as the default service account of namespace shop, which RoleBinding default-can-read-pods (Role pod-reader) binds to a role: kept on it'],
    ]);
    expect(r.generated.map((g) => `${g.ref.namespace}/${g.ref.name}`)).toEqual(['other/watcher']);
  });

  test('a pod on a bound default account whose token is off is told to turn it on', () => {
    const text = fs.readFileSync(path.join(DIR, 'default-bound/input.yaml'), 'utf8').replace('    spec:\n      containers:', '    spec:\n      automountServiceAccountToken: false\n      containers:');
    const r = harden(text, chainOf(transform));
    expect(r.findings.find((f) => f.code === 'defaultAccountBound')?.message).toMatch(/its token is not mounted \(automountServiceAccountToken: false\): if it uses that role, set it to true/);
  });

  test('with disable-service-account-token first, a workload on a bound default account keeps its token and its account, and both say why', () => {
    const text = fs.readFileSync(path.join(DIR, 'default-bound/input.yaml'), 'utf8');
    const r = harden(text, [...chainOf(disableServiceAccountToken), ...chainOf(transform)]);
    // Only the workload of the other namespace (nothing bound there) is changed: token off, its own account.
    expect(r.edits.map((e) => [e.transform, e.resource.namespace, e.path, e.value])).toEqual([
      ['disable-service-account-token', 'other', '/spec/template/spec/automountServiceAccountToken', false],
      ['create-service-accounts', 'other', '/spec/template/spec/serviceAccountName', 'watcher'],
    ]);
    expect(r.generated.map((g) => [`${g.ref.namespace}/${g.ref.name}`, g.value.automountServiceAccountToken])).toEqual([['other/watcher', false]]);
    expect(r.findings.map((f) => [f.transform, f.code, f.severity, f.resource.namespace])).toEqual([
      ['disable-service-account-token', 'defaultAccountHasRoles', 'warning', 'shop'],
      ['create-service-accounts', 'defaultAccountBound', 'warning', 'shop'],
    ]);
    expect(r.findings[0].message).toBe('the pod runs as the default service account of namespace shop, which RoleBinding default-can-read-pods (Role pod-reader) binds to a role: its API token is left mounted, as the app may use that role');
  });

  test('with disable-service-account-token first, a role bound to a group of accounts keeps the token on the pod and on its new account', () => {
    const text = fs.readFileSync(path.join(DIR, 'group-bound/input.yaml'), 'utf8');
    const r = harden(text, [...chainOf(disableServiceAccountToken), ...chainOf(transform)]);
    expect(r.edits.map((e) => [e.transform, e.resource.name, e.path, e.value])).toEqual([
      ['create-service-accounts', 'web', '/spec/template/spec/serviceAccountName', 'web'],
      ['create-service-accounts', 'worker', '/spec/template/spec/serviceAccountName', 'worker'],
    ]);
    expect(r.generated.map((g) => [g.ref.name, g.value.automountServiceAccountToken])).toEqual([['web', undefined], ['worker', false]]);
    expect([...r.findings, ...r.runFindings].map((f) => [f.code, f.severity])).toEqual([['defaultAccountHasRoles', 'warning'], ['groupRoleTokenKept', 'info']]);
    expect(r.runFindings[0].message).toBe('ServiceAccount web keeps its token mounted: Deployment web may use the role that RoleBinding shop-accounts-read-config (Role config-reader, to Group system:serviceaccounts:shop) binds to every service account of namespace shop, its new one too');
  });

  test('a pod that asks for a token gets an account that leaves it mounted', () => {
    const r = run('token-needed');
    expect(r.generated.map((g) => [g.ref.name, g.value.automountServiceAccountToken])).toEqual([['operator', undefined], ['vault-login', undefined]]);
    expect(r.runFindings.map((f) => f.code)).toEqual(['tokenKeptMounted', 'tokenKeptMounted']);
  });

  test('a workload without a namespace gets an account without one, and a finding says so', () => {
    const r = run('no-namespace');
    expect(r.generated.map((g) => g.value.metadata)).toEqual([{ name: 'log-shipper', labels: { 'app.kubernetes.io/managed-by': 'kharden' } }]);
    expect(r.runFindings.map((f) => f.code)).toEqual(['serviceAccountWithoutNamespace']);
  });

  test('no account generated into an exempted namespace, and the workload is not pointed at one', () => {
    const r = run('exempt-namespace');
    expect(r.generated).toEqual([]);
    expect(r.edits).toEqual([]);
    expect(r.runFindings.map((f) => f.code)).toEqual(['skipped']);
  });

  test('with disable-service-account-token first, the pod and its account both leave the token unmounted', () => {
    const text = fs.readFileSync(path.join(DIR, 'with-disable-token/input.yaml'), 'utf8');
    const r = harden(text, [...chainOf(disableServiceAccountToken), ...chainOf(transform)]);
    expect(r.edits.map((e) => [e.transform, e.path, e.value])).toEqual([
      ['disable-service-account-token', '/spec/template/spec/automountServiceAccountToken', false],
      ['create-service-accounts', '/spec/template/spec/serviceAccountName', 'web'],
    ]);
    expect(r.generated[0].value.automountServiceAccountToken).toBe(false);
    expect([...r.findings, ...r.runFindings]).toEqual([]);
  });

  test('in the restricted profile, disable-service-account-token runs first and a bound default account keeps its token and its account', async () => {
    const { chain } = await resolveProfile('restricted', loadProfileFile);
    const ids = chain.map((l) => l.id);
    expect(ids.indexOf('disable-service-account-token')).toBeLessThan(ids.indexOf('create-service-accounts'));
    const r = harden(fs.readFileSync(path.join(DIR, 'default-bound/input.yaml'), 'utf8'), chain);
    const shop = r.edits.filter((e) => e.resource.namespace === 'shop' && /automountServiceAccountToken|serviceAccountName/.test(e.path));
    expect(shop).toEqual([]);
    expect(r.findings.filter((f) => f.resource.namespace === 'shop' && f.severity === 'warning').map((f) => f.code)).toEqual(expect.arrayContaining(['defaultAccountHasRoles', 'defaultAccountBound']));
    expect(r.generated.filter((g) => g.ref.kind === 'ServiceAccount').map((g) => [`${g.ref.namespace}/${g.ref.name}`, g.value.automountServiceAccountToken])).toEqual([['other/watcher', false]]);
  });
});
