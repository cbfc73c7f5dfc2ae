/**
 * Documents no link of the chain reads are not composed (src/core/engine.ts skipUnread): a line
 * scan proves them well-formed and their bytes are copied. Nothing a user sees may change: the
 * output, every edit and finding (document indexes and lines included), and every error (the same
 * message, document and line as when everything is composed).
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { hardenText, skipUnread } from '../../src/core/engine.js';
import type { ChainLink, HardenOptions } from '../../src/core/engine.js';
import { defineTransform } from '../../src/core/types.js';
import { InputError } from '../../src/lib/errors.js';
import { hardenOptionsOf, resolveProfile } from '../../src/profiles/resolve.js';
import { loadProfileFile } from '../../src/io/profiles.js';
import { readStream } from '../../src/yaml/stream.js';

let restricted: HardenOptions;
/** The same chain with a link that reads everything: nothing is skipped. */
let composeAll: HardenOptions;

const readsAll: ChainLink = {
  id: 'reads-all',
  options: {},
  transform: defineTransform({ id: 'reads-all', summary: '', reason: '', docs: '', scope: 'stream', options: {}, messages: {}, run() {} }),
};

beforeAll(async () => {
  restricted = hardenOptionsOf(await resolveProfile('restricted', loadProfileFile));
  composeAll = { ...restricted, chain: [...restricted.chain, readsAll] };
});

const CONFIGMAP = (name: string, extra = '') => `apiVersion: v1
kind: ConfigMap
metadata:
  name: ${name}
  namespace: shop   # trailing comment
data:
  a: "1"
  b: |
    line one
    line two
${extra}`;

const POD = `apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: shop
spec:
  containers:
  - name: web
    image: nginx:1.25.3
`;

const CRD = (conversion: boolean) => `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
${conversion ? '  conversion:\n    strategy: Webhook\n    webhook:\n      clientConfig:\n        service: {name: widget-webhook, namespace: shop}\n' : ''}`;

function run(text: string, options: HardenOptions) {
  try {
    return hardenText('in.yaml', text, options);
  } catch (e) {
    if (e instanceof InputError) return { error: e.message, position: e.position };
    throw e;
  }
}

function skippedIndexes(text: string, options: HardenOptions): number[] {
  const skip = skipUnread(options.chain, options.podTemplateLocations);
  return [...readStream(text, 'in.yaml', skip).documents()].filter((d) => d.skimmed).map((d) => d.index);
}

describe('documents no link reads', () => {
  test('are not composed, and the result is the same as when every document is', () => {
    const text = ['# Source: chart/templates/cm.yaml\n' + CONFIGMAP('one'), POD, CONFIGMAP('two'), CRD(false), POD.replace('name: web', 'name: api')].join('---\n');
    expect(skippedIndexes(text, restricted)).toEqual([0, 2, 3]);
    expect(skippedIndexes(text, composeAll)).toEqual([]);
    const a = run(text, restricted) as ReturnType<typeof hardenText>;
    const b = run(text, composeAll) as ReturnType<typeof hardenText>;
    expect(a.output).toBe(b.output);
    expect(a.output).not.toBe(text);
    expect(a.documents).toBe(5);
    expect(a.edits).toEqual(b.edits);
    expect(a.findings).toEqual(b.findings.filter((f) => f.transform !== 'reads-all'));
    expect(a.workloads).toEqual(b.workloads);
    expect(a.generated).toEqual(b.generated);
    // The untouched documents are byte-identical in the output.
    expect(a.output.startsWith('# Source: chart/templates/cm.yaml\n' + CONFIGMAP('one') + '---\n')).toBe(true);
    expect(a.output).toContain('---\n' + CONFIGMAP('two') + '---\n' + CRD(false) + '---\n');
  });

  test('a CRD with a conversion webhook is read (the network policies look at its Service)', () => {
    expect(skippedIndexes(CRD(true), restricted)).toEqual([]);
    expect(skippedIndexes(CRD(false), restricted)).toEqual([0]);
  });

  test('a CRD is read only when it is cluster-scoped, however the scope is written; one that only mentions "Cluster" is not', () => {
    const crd = (scope: string, description = '') =>
      `apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: gadgets.example.com\nspec:\n  group: example.com\n  names: {kind: Gadget, plural: gadgets}\n${scope}\n  versions:\n  - name: v1\n    schema:\n      openAPIV3Schema:\n        description: ${JSON.stringify(description || 'A gadget.')}\n`;
    const role = `apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: gadgets}\nrules:\n- apiGroups: [example.com]\n  resources: [gadgets]\n  verbs: [get]\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: gadgets}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: gadgets}\nsubjects: [{kind: ServiceAccount, name: op, namespace: ops}]\n`;
    const couldBeRoleIn = (r: ReturnType<typeof hardenText>) => [...r.findings, ...r.runFindings].filter((f) => f.code === 'clusterRoleCouldBeRole').length;
    const couldBeRole = (text: string) => couldBeRoleIn(run(text, restricted) as ReturnType<typeof hardenText>);
    for (const scope of ['  scope: Cluster', '  scope: "Cluster"', "  scope: 'Cluster'", '  "scope": "Cluster"', '  scope: # cluster-wide\n    Cluster', '  scope: &s Cluster', '  scope: !!str Cluster']) {
      const text = `${crd(scope)}---\n${role}`;
      expect(skippedIndexes(text, restricted), scope).toEqual([]);
      // Gadgets are cluster-wide, so the ClusterRole could not be a Role.
      expect(couldBeRole(text), scope).toBe(0);
    }
    const namespaced = `${crd('  scope: Namespaced', 'Cluster-wide defaults live in a ClusterGadgetPolicy; scope: see docs.')}---\n${role}`;
    expect(skippedIndexes(namespaced, restricted)).toEqual([0]);
    expect(couldBeRole(namespaced)).toBe(1);
    // Skipping it changed nothing: composing every document gives the same verdict.
    expect(couldBeRoleIn(run(namespaced, composeAll) as ReturnType<typeof hardenText>)).toBe(1);
  });

  test("a CRD that is read is composed without its schemas (every reader ignores them), with the same result as composing all of it", () => {
    const crd = `apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: gadgets.example.com\nspec:\n  group: example.com\n  names: {kind: Gadget, plural: gadgets}\n  scope: Cluster\n  versions:\n  - name: v1\n    served: true\n    schema:\n      openAPIV3Schema:\n        type: object\n        description: "Cluster-wide gadgets."\n  conversion:\n    strategy: Webhook\n    webhook:\n      clientConfig:\n        service: {name: gadget-webhook, namespace: shop}\n`;
    const text = [crd, POD].join('---\n');
    const skip = skipUnread(restricted.chain, restricted.podTemplateLocations);
    const docs = [...readStream(text, 'in.yaml', skip).documents()];
    expect(docs[0].pruned).toEqual([['spec', 'versions']]);
    expect((docs[0].value as any).spec).toEqual({ group: 'example.com', names: { kind: 'Gadget', plural: 'gadgets' }, scope: 'Cluster', versions: null, conversion: { strategy: 'Webhook', webhook: { clientConfig: { service: { name: 'gadget-webhook', namespace: 'shop' } } } } });
    const a = run(text, restricted) as ReturnType<typeof hardenText>;
    const b = run(text, composeAll) as ReturnType<typeof hardenText>;
    expect(a.output).toBe(b.output);
    expect(a.edits).toEqual(b.edits);
    expect(a.findings).toEqual(b.findings);
    expect(a.generated).toEqual(b.generated);
  });

  test('a transform that declares it ignores a value and then edits such a document stops the run instead of writing', () => {
    const liar: ChainLink = {
      id: 'liar',
      options: {},
      transform: defineTransform({
        id: 'liar', summary: '', reason: '', docs: '', scope: 'stream', options: {}, messages: {},
        reads: [{ group: 'apiextensions.k8s.io', kinds: ['CustomResourceDefinition'], ignores: ['/spec/versions'] }],
        run(target, ctx) {
          for (const r of target.resources) if (r.ref.kind === 'CustomResourceDefinition') ctx.on(r).set('/metadata/labels', { touched: 'yes' }, 'test');
        },
      }),
    };
    const crd = `apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: gadgets.example.com\nspec:\n  group: example.com\n  versions:\n  - name: v1\n    served: true\n`;
    expect(() => hardenText('in.yaml', crd, { ...restricted, chain: [liar] })).toThrow(/liar edited in\.yaml document 0, which was read without \/spec\/versions/);
  });

  test('kinds some link reads, Lists of them, and documents with kharden.dev/ annotations are composed', () => {
    const ns = 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n';
    const list = 'apiVersion: v1\nkind: ConfigMapList\nitems: []\n';
    const podList = 'apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  data: {a: b}\n- apiVersion: v1\n  kind: Pod\n  spec: {}\n';
    const cmList = 'apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  data: {a: b}\n-\n  apiVersion: v1\n  kind: Secret\n';
    const annotated = CONFIGMAP('three').replace('metadata:\n', 'metadata:\n  annotations:\n    kharden.dev/skipp: all\n');
    const text = [ns, list, annotated, CONFIGMAP('four'), podList, cmList].join('---\n');
    // A List of kinds nothing reads is skipped too (a Secret is read: report-committed-secrets).
    expect(skippedIndexes(text, restricted)).toEqual([3]);
    expect(skippedIndexes(cmList.replace('Secret', 'Role'), restricted)).toEqual([0]);
    const a = run(text, restricted) as ReturnType<typeof hardenText>;
    // The misspelt annotation is still reported, on its line.
    expect(a.findings.filter((f) => f.code === 'unknownAnnotation').map((f) => [f.document, f.line])).toEqual([[2, 14]]);
  });

  test('a chain with a link that reads everything (an exec plugin) skips nothing', () => {
    expect(skipUnread(composeAll.chain, composeAll.podTemplateLocations)).toBeUndefined();
  });

  // Each bad document is of a kind nothing reads: the error must be the one the library gives.
  const bad: [string, string][] = [
    ['a duplicate key', CONFIGMAP('x').replace('  a: "1"\n', '  a: "1"\n  a: "2"\n')],
    ['bad indentation', CONFIGMAP('x').replace('  a: "1"\n', '   a: "1"\n')],
    ['an unclosed quote', CONFIGMAP('x').replace('  a: "1"\n', '  a: "1\n')],
    ['a tab', CONFIGMAP('x').replace('  a: "1"\n', '\ta: "1"\n')],
    ['an undefined alias', CONFIGMAP('x').replace('  a: "1"\n', '  a: *nothing\n')],
    ['a nested map in a compact value', CONFIGMAP('x').replace('  a: "1"\n', '  a: b: c\n')],
    ['a block scalar less indented than its first line', CONFIGMAP('x').replace('    line two\n', '   line two\n  c: d\n')],
  ];
  test.each(bad)('%s in such a document is refused with the same message, document and line', (_, doc) => {
    const text = [POD, CONFIGMAP('ok'), doc, CONFIGMAP('after')].join('---\n');
    const a = run(text, restricted);
    const b = run(text, composeAll);
    expect('error' in a).toBe(true);
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect((a as { position: { document?: number } }).position.document).toBe(2);
  });
});
