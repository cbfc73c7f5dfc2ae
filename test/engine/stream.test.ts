/**
 * The stream stage: a transform that sees every resource of the run, after the per-resource
 * transforms before it, may edit any resource (also one already written once) and generate new
 * ones; everything it does is recorded like any other edit, exemptions still apply, and a second
 * run changes nothing.
 */
import { describe, expect, test } from 'vitest';
import { hardenFiles, hardenRun } from '../../src/core/engine.js';
import type { ChainLink, HardenOptions } from '../../src/core/engine.js';
import { defineTransform } from '../../src/core/types.js';
import type { StreamResource } from '../../src/core/types.js';
import type { ExcludeRule } from '../../src/core/exemptions.js';
import { BUILTIN_POD_TEMPLATE_LOCATIONS } from '../../src/core/resources.js';
import { TransformError } from '../../src/lib/errors.js';
import privesc from '../../transforms/disallow-privilege-escalation.js';
import { chainOf } from '../helpers/harness.js';

const NAMESPACE = `# the team's namespace
apiVersion: v1
kind: Namespace
metadata:
  name: shop
`;

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  template:
    spec:
      containers:
        - name: app   # the app
          image: example.com/web:1
`;

/** Labels every Namespace, marks every workload's template, and generates a ConfigMap per namespace. */
const labeller = defineTransform({
  id: 'test-labeller',
  summary: 'test stream transform',
  reason: 'test',
  docs: 'https://kubernetes.io/',
  scope: 'stream',
  options: {},
  messages: { seen: { severity: 'info', title: 'seen' }, total: { severity: 'warning', title: 'total' } },
  run(target, ctx) {
    const namespaces = new Set<string>();
    for (const r of target.resources) {
      if (r.ref.namespace) namespaces.add(r.ref.namespace);
      if (r.ref.kind === 'Namespace') ctx.on(r).set('/metadata/labels/team', 'shop', 'namespaces carry their team');
      for (const t of r.templatePaths) {
        ctx.on(r).set(`${t}/metadata/annotations/checked`, 'yes', 'workloads are marked');
        ctx.on(r).report({ code: 'seen', message: `${r.ref.kind} ${r.ref.name} seen`, path: `${t}/spec` });
      }
    }
    for (const ns of [...namespaces].sort()) {
      const made = ctx.generate({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'made-by-test', namespace: ns }, data: { a: '1' } }, `one per namespace (${ns})`);
      expect(made.generated || made.file !== undefined).toBe(true);
    }
    ctx.report({ code: 'total', message: `${target.resources.length} resources` });
  },
});

const options = (chain: ChainLink[], extra: Partial<HardenOptions> = {}): HardenOptions => ({ chain, podTemplateLocations: BUILTIN_POD_TEMPLATE_LOCATIONS, freezeTargets: true, ...extra });
const stream: ChainLink = { id: labeller.id, transform: labeller, options: {} };

describe('stream transforms', () => {
  test('see every input, edit resources already written once, generate, and record it all', () => {
    const run = hardenRun([{ file: 'ns.yaml', text: NAMESPACE }, { file: 'web.yaml', text: DEPLOYMENT }], options([...chainOf(privesc), stream]));
    const [ns, web] = run.files;
    expect(ns.output).toBe(NAMESPACE + '  labels:\n    team: shop\n');
    // Edited by the per-resource transform first, then by the stream transform: both edits, one text.
    expect(web.output).toBe(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  template:
    spec:
      containers:
        - name: app   # the app
          image: example.com/web:1
          securityContext:
            allowPrivilegeEscalation: false
    metadata:
      annotations:
        checked: "yes"
`);
    expect(web.edits.map((e) => [e.transform, e.path, e.line, e.outputLine])).toEqual([
      ['disallow-privilege-escalation', '/spec/template/spec/containers/0/securityContext', 10, 12],
      ['test-labeller', '/spec/template/metadata', 7, 14],
    ]);
    expect(ns.edits.map((e) => [e.path, e.line, e.outputLine])).toEqual([['/metadata/labels', 4, 6]]);
    expect(web.findings.map((f) => [f.code, f.transform, f.path, f.line])).toEqual([['seen', 'test-labeller', '/spec/template/spec', 8]]);
    expect(run.findings).toEqual([{ code: 'total', severity: 'warning', message: '2 resources', transform: 'test-labeller' }]);
    expect(run.generated).toEqual([
      {
        transform: 'test-labeller',
        reason: 'one per namespace (shop)',
        ref: { apiVersion: 'v1', kind: 'ConfigMap', name: 'made-by-test', namespace: 'shop' },
        value: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'made-by-test', namespace: 'shop', labels: { 'app.kubernetes.io/managed-by': 'kharden' } }, data: { a: '1' } },
      },
    ]);
    // A second run over the output (with what was generated) changes and generates nothing.
    const again = hardenRun(
      [{ file: 'ns.yaml', text: ns.output }, { file: 'web.yaml', text: web.output }, { file: 'gen.yaml', text: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: made-by-test, namespace: shop}\n' }],
      options([...chainOf(privesc), stream]),
    );
    expect(again.files.map((f) => f.changed)).toEqual([false, false, false]);
    expect(again.generated).toEqual([]);
  });

  test('exemptions apply to stream edits too: an annotated resource is left alone, with a skipped finding', () => {
    const skipped = NAMESPACE.replace('  name: shop\n', '  name: shop\n  annotations:\n    kharden.dev/skip: test-labeller\n');
    const run = hardenRun([{ file: 'ns.yaml', text: skipped }], options([stream], { knownTransformIds: ['test-labeller'] }));
    expect(run.files[0].output).toBe(skipped);
    expect(run.files[0].findings.map((f) => f.code)).toEqual(['skipped']);
    expect(run.files[0].findings[0].message).toContain('annotation kharden.dev/skip');
  });

  test('exemptions reach generated resources: nothing is added into an exempted namespace or against an exclude rule', () => {
    const skipped = NAMESPACE.replace('  name: shop\n', '  name: shop\n  annotations:\n    kharden.dev/skip: test-labeller\n');
    const intoExempted = hardenRun([{ file: 'ns.yaml', text: skipped }, { file: 'web.yaml', text: DEPLOYMENT }], options([stream], { knownTransformIds: ['test-labeller'] }));
    expect(intoExempted.generated).toEqual([]);
    const notGenerated = intoExempted.findings.filter((f) => f.code === 'skipped');
    expect(notGenerated).toHaveLength(1);
    expect(notGenerated[0].message).toMatch(/ConfigMap shop\/made-by-test not generated .*annotation kharden\.dev\/skip/);
    // The workload in that namespace is still edited: the namespace's exemption covers what goes into it, not its workloads.
    expect(intoExempted.files[1].changed).toBe(true);

    const rule: ExcludeRule = { kinds: ['ConfigMap'], namespaces: ['shop'], reason: 'the team ships its own', source: '--exclude kind=ConfigMap;namespace=shop' };
    const byRule = hardenRun([{ file: 'ns.yaml', text: NAMESPACE }, { file: 'web.yaml', text: DEPLOYMENT }], options([stream], { exclude: [rule], knownTransformIds: ['test-labeller'] }));
    expect(byRule.generated).toEqual([]);
    expect(byRule.findings.filter((f) => f.code === 'skipped').map((f) => f.message)).toEqual([expect.stringContaining('--exclude kind=ConfigMap;namespace=shop')]);
    // A rule for another namespace leaves generation alone.
    const elsewhere = hardenRun([{ file: 'ns.yaml', text: NAMESPACE }, { file: 'web.yaml', text: DEPLOYMENT }], options([stream], { exclude: [{ ...rule, namespaces: ['other'] }], knownTransformIds: ['test-labeller'] }));
    expect(elsewhere.generated.map((g) => g.ref.name)).toEqual(['made-by-test']);
  });

  test('an asynchronous stream transform (an exec plugin) runs through hardenFiles; hardenRun refuses it', async () => {
    const slow = defineTransform({
      ...labeller,
      id: 'test-async',
      async run(target, ctx) {
        await new Promise((r) => setTimeout(r, 5));
        for (const r of target.resources) if (r.ref.kind === 'Namespace') ctx.on(r).set('/metadata/labels/async', 'yes', 'after a wait');
      },
    });
    const link: ChainLink = { id: slow.id, transform: slow, options: {} };
    const run = await hardenFiles([{ file: 'ns.yaml', text: NAMESPACE }], options([link]));
    expect(run.files[0].output).toContain('    async: "yes"\n');
    expect(() => hardenRun([{ file: 'ns.yaml', text: NAMESPACE }], options([link]))).toThrow(/asynchronous/);
  });

  test('a stream transform that throws, or hands back a resource of another run, is a transform error', async () => {
    const thrower = defineTransform({ ...labeller, id: 'test-thrower', run: () => { throw new Error('boom'); } });
    expect(() => hardenRun([{ file: 'ns.yaml', text: NAMESPACE }], options([{ id: thrower.id, transform: thrower, options: {} }]))).toThrow(TransformError);
    const foreign = { ref: { apiVersion: 'v1', kind: 'Namespace' }, value: {}, generated: false, templatePaths: [] } as StreamResource;
    const stranger = defineTransform({ ...labeller, id: 'test-stranger', run: (_t, ctx) => void ctx.on(foreign) });
    expect(() => hardenRun([{ file: 'ns.yaml', text: NAMESPACE }], options([{ id: stranger.id, transform: stranger, options: {} }]))).toThrow(/not part of this run/);
    const undeclared = defineTransform({ ...labeller, id: 'test-undeclared', run: (_t, ctx) => ctx.report({ code: 'nope', message: 'x' }) });
    expect(() => hardenRun([{ file: 'ns.yaml', text: NAMESPACE }], options([{ id: undeclared.id, transform: undeclared, options: {} }]))).toThrow(/does not declare/);
  });
});
