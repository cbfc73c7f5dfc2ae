import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, test } from 'vitest';
import transform from '../../transforms/limit-namespace-resources.js';
import setMemoryLimits from '../../transforms/set-memory-limits.js';
import { REPO_ROOT, chainOf, harden, printGenerated, runTransformFixtures } from '../helpers/harness.js';
import { limitRangeProblems, resourceQuotaProblems } from '../helpers/k8s-validation.js';

runTransformFixtures(transform);

const DIR = path.join(REPO_ROOT, 'test/transforms', transform.id);
const read = (c: string) => fs.readFileSync(path.join(DIR, c, 'input.yaml'), 'utf8');
const run = (c: string, options: Record<string, unknown> = {}) => harden(read(c), chainOf(transform, options));

describe('what is generated', () => {
  test('one LimitRange per namespace, in the order the namespaces first appear, named kharden-limits', () => {
    const r = run('namespaced-workloads');
    expect(r.generated.map((g) => [g.ref.kind, g.ref.namespace, g.ref.name])).toEqual([
      ['LimitRange', 'reports', 'kharden-limits'],
      ['LimitRange', 'shop', 'kharden-limits'],
      ['LimitRange', 'batch', 'kharden-limits'],
    ]);
  });

  test('namespace-less input gives namespace-less objects', () => {
    const r = run('namespace-less', { resourceQuota: true });
    expect(r.generated.map((g) => [g.ref.kind, g.ref.namespace, (g.value.metadata as any).namespace])).toEqual([
      ['LimitRange', undefined, undefined],
      ['ResourceQuota', undefined, undefined],
    ]);
  });

  test('the objects are valid as the API server validates them, with the profile\'s values', () => {
    const r = run('quota-cpu-with-default', { resourceQuota: true, defaultCpuRequest: '100m', defaultMemoryLimit: '1Gi', defaultMemoryRequest: '2Gi', quota: { 'requests.cpu': 4, 'requests.memory': '8Gi', pods: 20, 'count/deployments.apps': '10' } });
    const [limitRange, quota] = r.generated.map((g) => g.value);
    expect(limitRangeProblems(limitRange)).toEqual([]);
    expect(resourceQuotaProblems(quota)).toEqual([]);
    // A default request above the default limit would be refused: it is capped at the limit.
    expect((limitRange as any).spec.limits[0]).toEqual({ type: 'Container', default: { memory: '1Gi' }, defaultRequest: { memory: '1Gi', cpu: '100m' } });
    expect((quota as any).spec.hard).toEqual({ 'requests.cpu': '4', 'requests.memory': '8Gi', pods: '20', 'count/deployments.apps': '10' });
  });

  test('the validation those objects pass refuses what the API server refuses', () => {
    const lr = (item: object, name = 'x') => ({ apiVersion: 'v1', kind: 'LimitRange', metadata: { name }, spec: { limits: [item] } });
    expect(limitRangeProblems(lr({ type: 'Container', default: { memory: '1Gi' }, defaultRequest: { memory: '2Gi' } }))).toEqual(['spec.limits[0]: defaultRequest.memory must be <= default.memory']);
    expect(limitRangeProblems(lr({ type: 'Pod', default: { memory: '1Gi' } }))).toEqual(['spec.limits[0]: a Pod limit may not have default or defaultRequest']);
    expect(limitRangeProblems(lr({ type: 'Container', default: { memory: '1GB' } }, 'Bad_Name'))).toHaveLength(2);
    const rq = (hard: object) => ({ apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'q', namespace: 'a' }, spec: { hard } });
    expect(resourceQuotaProblems(rq({ pods: '1.5' }))).toEqual(['spec.hard.pods: must be a whole number']);
    expect(resourceQuotaProblems(rq({ 'limits.gpu': '1', memory: '-1Gi' }))).toHaveLength(2);
  });

  test('a second run over the output and what was generated adds nothing and reports no kept object of its own', () => {
    const first = run('resource-quota', { resourceQuota: true });
    expect(first.generated).toHaveLength(2);
    const again = harden(`${first.output}---\n${printGenerated(first.generated)}`, chainOf(transform, { resourceQuota: true }));
    expect(again.generated).toEqual([]);
    expect(again.findings).toEqual([]);
    expect(again.runFindings).toEqual([]);
  });

  test('a LimitRange of the author is kept, whatever its name, and said so', () => {
    const r = run('existing-limit-range');
    expect(r.generated).toEqual([]);
    expect(r.findings.map((f) => [f.code, f.severity, f.resource?.name, f.message])).toEqual([
      ['limitRangeKept', 'info', 'team-defaults', 'namespace shop has LimitRange team-defaults in the input: kept, kharden-limits not added'],
    ]);
  });
});

describe('never a LimitRange or ResourceQuota that refuses the workloads in the input', () => {
  test('a request above the default limit, with no limit: no LimitRange, a warning naming the container', () => {
    const r = run('request-above-default-limit');
    expect(r.generated).toEqual([]);
    expect(r.runFindings.map((f) => [f.code, f.severity, f.message])).toEqual([
      [
        'limitRangeWouldRejectPods',
        'warning',
        'namespace shop: kharden-limits not added: its default memory limit 512Mi is below the request of Deployment search container search (request 1Gi), which sets no limit, so the API server would refuse the pods',
      ],
    ]);
  });

  test('containers the LimitRange would bound are named in a warning on their workload', () => {
    const r = run('defaults-apply');
    expect(r.findings.map((f) => [f.code, f.severity, f.path, f.message])).toEqual([
      ['limitRangeDefaultsApply', 'warning', '/spec/template/spec', "Deployment web: containers web, sidecar set no memory limit and will get kharden-limits's 512Mi"],
    ]);
  });

  test('after set-memory-limits (as in the restricted profile) the same workload needs no warning', () => {
    const r = harden(read('defaults-apply'), [...chainOf(setMemoryLimits), ...chainOf(transform)]);
    expect(r.findings.filter((f) => f.transform === transform.id)).toEqual([]);
    expect(r.generated).toHaveLength(1);
  });

  test('a quota below what the replicas take (init containers and pod count included): not added', () => {
    const r = run('quota-too-small', { resourceQuota: true, quota: { 'limits.memory': '4Gi', pods: 2 } });
    expect(r.generated.map((g) => g.ref.kind)).toEqual(['LimitRange']);
    expect(r.runFindings.map((f) => [f.code, f.message])).toEqual([
      [
        'resourceQuotaWouldRejectPods',
        "namespace shop: kharden-quota not added: it would refuse the workloads' limits.memory add up to 6Gi at their replica counts, above 4Gi; 3 pods at the replica counts in the manifests, above pods 2",
      ],
    ]);
  });

  test('a CPU quota with no CPU request anywhere: not added, naming the containers', () => {
    const r = run('quota-cpu-without-default', { resourceQuota: true, quota: { 'requests.cpu': '4', 'requests.memory': '8Gi' } });
    expect(r.generated.map((g) => g.ref.kind)).toEqual(['LimitRange']);
    expect(r.runFindings.map((f) => [f.code, f.message])).toEqual([
      ['resourceQuotaWouldRejectPods', 'namespace shop: kharden-quota not added: it would refuse pods that set no request or limit for cpu: Deployment web (container web)'],
    ]);
  });

  test('the same quota with defaultCpuRequest: the LimitRange gives the CPU request, and the quota is added without a warning', () => {
    const r = run('quota-cpu-with-default', { resourceQuota: true, defaultCpuRequest: '100m', quota: { 'requests.cpu': '4', 'requests.memory': '8Gi' } });
    expect(r.generated.map((g) => g.ref.kind)).toEqual(['LimitRange', 'ResourceQuota']);
    expect(r.runFindings).toEqual([]);
  });

  test('a quota with no LimitRange to default its resources: added, with a warning about pods created elsewhere', () => {
    const r = run('quota-without-limit-range', { limitRange: false, resourceQuota: true });
    expect(r.generated.map((g) => g.ref.kind)).toEqual(['ResourceQuota']);
    expect(r.runFindings.map((f) => [f.code, f.resource?.kind, f.message])).toEqual([
      ['resourceQuotaWithoutDefaults', 'ResourceQuota', 'namespace shop: kharden-quota limits requests.memory, limits.memory, which no LimitRange there defaults: pods created without them are refused'],
    ]);
  });

  test('a quota of the author is checked the same way but never replaced', () => {
    const text = `${read('resource-quota')}---\napiVersion: v1\nkind: ResourceQuota\nmetadata: {name: team, namespace: shop}\nspec:\n  hard: {pods: "2"}\n`;
    const r = harden(text, chainOf(transform, { resourceQuota: true }));
    expect(r.generated.map((g) => g.ref.kind)).toEqual(['LimitRange']);
    expect(r.findings.map((f) => [f.code, f.resource?.name, f.message])).toEqual([
      ['resourceQuotaKept', 'team', 'namespace shop has ResourceQuota team in the input: kept, kharden-quota not added'],
      ['resourceQuotaWouldRejectPods', 'team', 'namespace shop: ResourceQuota team refuses 3 pods at the replica counts in the manifests, above pods 2'],
    ]);
  });
});

describe('options', () => {
  test.each([
    [{ defaultMemoryLimit: '512MB' }, /defaultMemoryLimit/],
    [{ defaultCpuRequest: '0' }, /defaultCpuRequest/],
    [{ quota: { 'requests.memory': 'lots' } }, /quota\.requests\.memory: must be a Kubernetes quantity/],
    [{ quota: { 'bad key!': '1' } }, /is not a resource name/],
    [{ quota: ['pods'] }, /quota: must be a map/],
    [{ skipNamespaces: 'kube-system' }, /skipNamespaces: must be a list/],
  ])('%j is refused when the profile is read', (options, message) => {
    expect(() => chainOf(transform, options)).toThrow(message);
  });

  test('skipNamespaces can be emptied to bound kube-system too', () => {
    expect(run('system-namespaces', { skipNamespaces: [] }).generated.map((g) => g.ref.namespace)).toEqual(['kube-system', 'kube-public']);
  });
});
