/**
 * With Helm, what kharden generates joins the release, and Helm refuses to install an object that
 * another release owns: two releases in one namespace would both claim kharden-default-deny. So
 * the names of generated `kharden-…` objects end in the release name, given or read from a
 * Helm-rendered stream's instance labels; nothing else is renamed.
 */
import { describe, expect, test } from 'vitest';
import { hardenRun } from '../../src/core/engine.js';
import type { ChainLink, HardenOptions } from '../../src/core/engine.js';
import { defineTransform } from '../../src/core/types.js';
import { BUILTIN_POD_TEMPLATE_LOCATIONS } from '../../src/core/resources.js';

const generator = defineTransform({
  id: 'test-generator',
  summary: 'test',
  reason: 'test',
  docs: 'https://kubernetes.io/',
  scope: 'stream',
  options: {},
  messages: {},
  run(_target, ctx) {
    ctx.generate({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'kharden-default-deny', namespace: 'shop' }, spec: { podSelector: {} } }, 'deny');
    ctx.generate({ apiVersion: 'v1', kind: 'LimitRange', metadata: { name: `kharden-${'x'.repeat(50)}`, namespace: 'shop' }, spec: {} }, 'long');
    ctx.generate({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'web', namespace: 'shop' } }, 'per workload');
    ctx.generate({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kharden-ns' } }, 'a namespace');
  },
});
const chain: ChainLink[] = [{ id: generator.id, transform: generator, options: {} }];
const options = (extra: Partial<HardenOptions> = {}): HardenOptions => ({ chain, podTemplateLocations: BUILTIN_POD_TEMPLATE_LOCATIONS, freezeTargets: true, ...extra });

const rendered = (instance: string, other = instance) => `---
# Source: web/templates/service.yaml
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: shop
  labels:
    app.kubernetes.io/instance: ${instance}
spec:
  ports: [{port: 80}]
---
# Source: web/templates/configmap.yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: web-config
  namespace: shop
  labels:
    app.kubernetes.io/instance: ${other}
`;

const names = (run: ReturnType<typeof hardenRun>) => run.generated.map((g) => g.ref.name);

describe('generated names and Helm releases', () => {
  test('a Helm-rendered stream whose resources agree on one instance label: kharden-… names end in it, the report says so', () => {
    const run = hardenRun([{ file: '<stdin>', text: rendered('web-prod') }], options({ helmRelease: { detect: true } }));
    const [deny, long, sa, ns] = names(run);
    expect(deny).toBe('kharden-default-deny-web-prod');
    // Too long for a DNS-1123 label: cut, and a hash of the full name keeps it unique.
    expect(long).toMatch(/^kharden-x+-[0-9a-f]{8}$/);
    expect(long!.length).toBe(63);
    // Names that are not kharden's own (per workload) and Namespaces keep their names.
    expect([sa, ns]).toEqual(['web', 'kharden-ns']);
    expect(run.findings.filter((f) => f.code === 'generatedForRelease').map((f) => f.message)).toEqual([expect.stringContaining('Helm release web-prod (the app.kubernetes.io/instance label of the Helm-rendered input)')]);
    // Two releases in one namespace claim different objects.
    const other = hardenRun([{ file: '<stdin>', text: rendered('web-staging') }], options({ helmRelease: { detect: true } }));
    expect(names(other)[0]).toBe('kharden-default-deny-web-staging');
  });

  test('no suffix when the resources disagree, when the stream is not Helm-rendered, or when not asked', () => {
    expect(names(hardenRun([{ file: '<stdin>', text: rendered('a', 'b') }], options({ helmRelease: { detect: true } })))[0]).toBe('kharden-default-deny');
    expect(names(hardenRun([{ file: 'x.yaml', text: rendered('web').replace(/^# Source: .*\n/gm, '') }], options({ helmRelease: { detect: true } })))[0]).toBe('kharden-default-deny');
    const plain = hardenRun([{ file: '<stdin>', text: rendered('web') }], options());
    expect(names(plain)[0]).toBe('kharden-default-deny');
    expect(plain.findings.filter((f) => f.code === 'generatedForRelease')).toEqual([]);
  });

  test('a release given explicitly wins over the labels', () => {
    const run = hardenRun([{ file: '<stdin>', text: rendered('web') }], options({ helmRelease: 'shop-1' }));
    expect(names(run)[0]).toBe('kharden-default-deny-shop-1');
    expect(run.findings.find((f) => f.code === 'generatedForRelease')!.message).toContain('given with --release');
  });
});
