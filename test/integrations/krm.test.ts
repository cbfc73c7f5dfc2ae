/**
 * KRM function mode through the real binary, with ResourceLists written the way kpt and kustomize
 * write them: items hardened in place (every orchestrator annotation and comment kept), results
 * appended, functionConfig read as a Profile or a ConfigMap, fatal errors answered as the
 * specification asks (an error result, a message on stderr, a non-zero exit).
 */
import { describe, expect, test } from 'vitest';
import YAML from 'yaml';
import { kharden, ROOT } from '../cli/spawn.js';
import { fieldPath, krmResults } from '../../src/krm/results.js';
import { annotateNewItems, spliceResourceList, GENERATED_FILE } from '../../src/krm/write.js';
import { looksLikeResourceList, readResourceList } from '../../src/krm/resource-list.js';
import { hardenText } from '../../src/core/engine.js';
import { resolveProfile } from '../../src/profiles/resolve.js';
import { loadProfileFile } from '../../src/io/profiles.js';
import { InputError } from '../../src/lib/errors.js';

const ITEMS = `items:
- # the web tier
  apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: web
    namespace: shop
    annotations:
      config.kubernetes.io/index: '0'
      config.kubernetes.io/path: 'apps/web.yaml'
      internal.config.kubernetes.io/index: '0'
      internal.config.kubernetes.io/path: 'apps/web.yaml'
      internal.config.kubernetes.io/seqindent: 'compact'
      config.k8s.io/id: '1'
  spec:
    template:
      spec:
        containers:
        - name: app
          image: registry.example.com/web:1.0   # pinned
          securityContext:
            privileged: true
- apiVersion: v1
  kind: ConfigMap
  metadata:
    name: settings
    annotations:
      config.kubernetes.io/index: '1'
      internal.config.kubernetes.io/path: 'apps/web.yaml'
      internal.config.kubernetes.io/index: '1'
  data: {LOG: "debug",   MODE: 'fast'}
`;

const list = (functionConfig = '', apiVersion = 'config.kubernetes.io/v1') => `apiVersion: ${apiVersion}\nkind: ResourceList\n${ITEMS}${functionConfig}`;

const configMap = (data: Record<string, string>) =>
  `functionConfig:\n  apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: function-input\n  data:\n${Object.entries(data).map(([k, v]) => `    ${k}: ${JSON.stringify(v)}\n`).join('')}`;

async function krm(input: string, args: string[] = []) {
  const r = await kharden(args, { cwd: ROOT, stdin: input });
  return { ...r, out: r.stdout.toString('utf8'), value: YAML.parse(r.stdout.toString('utf8') || 'null') };
}

describe('a ResourceList on stdin', () => {
  test('is answered with a ResourceList: items hardened like the plain CLI does, results appended', async () => {
    const r = await krm(list());
    expect(r.code, r.stderr).toBe(0);
    expect(r.value.kind).toBe('ResourceList');
    expect(r.value.apiVersion).toBe('config.kubernetes.io/v1');
    // The same objects as the CLI gives for the items as a plain stream.
    const plain = await kharden(['-q'], { cwd: ROOT, stdin: YAML.stringify(YAML.parse(list()).items[0]) });
    const plainDocs = YAML.parseAllDocuments(plain.stdout.toString('utf8')).map((d) => d.toJS());
    expect(r.value.items[0]).toEqual(plainDocs[0]);
    // What the plain CLI generates after the stream (NetworkPolicies, a LimitRange for namespace
    // shop) the function appends to the items: the same objects.
    expect(plainDocs.length).toBeGreaterThan(1);
    // In the function they also carry the orchestrator's path annotations: where kpt writes them.
    const appended = r.value.items.slice(-(plainDocs.length - 1));
    for (const [i, g] of appended.entries()) {
      expect(g.metadata.annotations).toEqual({
        'config.kubernetes.io/index': String(i),
        'config.kubernetes.io/path': 'kharden-generated.yaml',
        'internal.config.kubernetes.io/index': String(i),
        'internal.config.kubernetes.io/path': 'kharden-generated.yaml',
      });
      delete g.metadata.annotations;
    }
    expect(appended).toEqual(plainDocs.slice(1));
    expect(r.value.items[0].spec.template.spec.containers[0].securityContext.privileged).toBe(false);
    expect(r.value.results.length).toBeGreaterThan(2);
  });

  test('keeps every orchestrator annotation, the comments and the untouched item byte for byte', async () => {
    const r = await krm(list());
    for (const line of ITEMS.split('\n').filter((l) => /config\.k(ubernetes\.io|8s\.io)\//.test(l))) expect(r.out).toContain(line + '\n');
    expect(r.out).toContain('- # the web tier\n');
    expect(r.out).toContain('image: registry.example.com/web:1.0   # pinned\n');
    const cm = ITEMS.slice(ITEMS.indexOf('- apiVersion: v1'));
    expect(r.out).toContain(cm);
  });

  test('results point at resource, field (kpt\'s dotted form) and file (from the path and index annotations)', async () => {
    const r = await krm(list());
    const privileged = r.value.results.find((x: any) => x.tags?.transform === 'disallow-privileged');
    expect(privileged).toEqual({
      message: expect.stringMatching(/^disallow-privileged: changed from true to false: /),
      severity: 'info',
      resourceRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', namespace: 'shop' },
      field: { path: 'spec.template.spec.containers[0].securityContext.privileged' },
      file: { path: 'apps/web.yaml', index: 0 },
      tags: { transform: 'disallow-privileged', op: 'replace' },
    });
    const finding = r.value.results.find((x: any) => x.tags?.code === 'writablePathsUnknown');
    expect(finding).toMatchObject({ severity: 'warning', resourceRef: { name: 'web' }, file: { path: 'apps/web.yaml', index: 0 } });
    expect(r.value.results[0]).toMatchObject({ severity: 'info', tags: { summary: 'true' }, message: expect.stringContaining('kharden (profile restricted): 1 resource(s) hardened') });
  });

  test('results the input already carries are kept, ours come after them', async () => {
    const prior = 'results:\n- message: from an earlier function\n  severity: warning\n';
    const r = await krm(list(prior));
    expect(r.value.results[0]).toEqual({ message: 'from an earlier function', severity: 'warning' });
    expect(r.value.results.length).toBeGreaterThan(2);
  });

  test('config.kubernetes.io/v1alpha1 (older kustomize) is read and answered in the same version', async () => {
    const r = await krm(list('', 'config.kubernetes.io/v1alpha1'));
    expect(r.code).toBe(0);
    expect(r.value.apiVersion).toBe('config.kubernetes.io/v1alpha1');
    expect(r.value.items[0].spec.template.spec.containers[0].securityContext.privileged).toBe(false);
  });

  test('hardening the answer again changes no item (idempotent): only the summary and findings come back', async () => {
    const first = await krm(list());
    const again = YAML.parse(first.out);
    delete again.results;
    const second = await krm(YAML.stringify(again));
    expect(second.value.items).toEqual(first.value.items);
    expect(second.value.results.filter((x: any) => x.tags?.op)).toEqual([]);
  });

  test('a JSON ResourceList is recognized too', async () => {
    const r = await krm(JSON.stringify(YAML.parse(list())));
    expect(r.code, r.stderr).toBe(0);
    expect(r.value.items[0].spec.template.spec.containers[0].securityContext.privileged).toBe(false);
  });
});

describe('functionConfig', () => {
  test('a ConfigMap picks the profile, disables transforms and sets options (what kpt fn eval -- key=value sends)', async () => {
    const r = await krm(list(configMap({ profile: 'baseline', disable: 'disallow-privileged', 'options.set-memory-limits': '{defaultMemoryLimit: 1Gi}' })));
    expect(r.code, r.stderr).toBe(0);
    const c = r.value.items[0].spec.template.spec.containers[0];
    expect(c.securityContext.privileged).toBe(true);
    expect(c.resources.limits.memory).toBe('1Gi');
    expect(r.value.results[0].message).toContain('profile baseline (functionConfig ConfigMap/function-input)');
  });

  test('an empty ConfigMap (kpt\'s default) means the command line\'s --profile', async () => {
    const r = await krm(list(configMap({})), ['--profile', 'baseline']);
    expect(r.code).toBe(0);
    expect(r.value.results[0].message).toContain('(profile baseline)');
  });

  test('a Profile is read exactly like a profile file (same result as --profile with that file)', async () => {
    const profile = 'apiVersion: kharden.dev/v1alpha1\nkind: Profile\nmetadata:\n  name: mine\nextends: restricted\ntransforms:\n  - id: disallow-privileged\n    enabled: false\n';
    const r = await krm(list('functionConfig:\n' + profile.replace(/^/gm, '  ')));
    expect(r.code, r.stderr).toBe(0);
    expect(r.value.items[0].spec.template.spec.containers[0].securityContext.privileged).toBe(true);
    expect(r.value.results[0].message).toContain('(profile mine)');
  });

  test.each([
    ['an unknown transform in a Profile', 'functionConfig:\n  apiVersion: kharden.dev/v1alpha1\n  kind: Profile\n  metadata: {name: p}\n  transforms:\n    - id: no-such-thing\n', /functionConfig Profile\/p:\d+: unknown transform "no-such-thing"/],
    ['an unknown key in a Profile', 'functionConfig:\n  apiVersion: kharden.dev/v1alpha1\n  kind: Profile\n  metadata: {name: p}\n  extend: restricted\n', /functionConfig Profile\/p:\d+:\d+: unknown key "extend"/],
    ['an unknown ConfigMap key', configMap({ profiel: 'baseline' }), /unknown data key "profiel" \(known: profile, disable, options.<transform-id>\)/],
    ['an unknown option in a ConfigMap', configMap({ 'options.set-memory-limits': '{limit: 1Gi}' }), /(^|error: )functionConfig ConfigMap\/function-input data: set-memory-limits: option limit: unknown option "limit"/m],
    ['options that are not a map', configMap({ 'options.set-memory-limits': '1Gi' }), /data.options.set-memory-limits must be a YAML map/],
    ['a kind kharden does not take', 'functionConfig:\n  apiVersion: example.com/v1\n  kind: Settings\n  metadata: {name: s}\n', /takes a functionConfig of apiVersion kharden.dev\/v1alpha1 kind Profile, or apiVersion v1 kind ConfigMap/],
  ])('%s: exit 2, the message on stderr and as an error result, items echoed unchanged', async (_name, fc, message) => {
    const r = await krm(list(fc));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.value.kind).toBe('ResourceList');
    expect(r.value.items).toEqual(YAML.parse(list(fc)).items);
    expect(r.value.results).toEqual([{ message: expect.stringMatching(message), severity: 'error', tags: { fatal: 'true' } }]);
  });
});

describe('bad input', () => {
  test('an item of a type Kubernetes refuses: exit 2, an error result naming the line', async () => {
    const bad = list().replace('securityContext:\n            privileged: true', 'securityContext: []');
    const r = await krm(bad);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/ResourceList on stdin:\d+:\d+ \(document 0\): \/items\/0\/spec\/template\/spec\/containers\/0\/securityContext must be a map/);
    expect(r.value.results[0].severity).toBe('error');
  });

  test('items that are not a list: exit 2 with an error result in an otherwise empty ResourceList', async () => {
    const r = await krm('apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: {a: 1}\n');
    expect(r.code).toBe(2);
    expect(r.value).toEqual({ apiVersion: 'config.kubernetes.io/v1', kind: 'ResourceList', items: [], results: [{ message: expect.stringContaining('`items` must be a list'), severity: 'error', tags: { fatal: 'true' } }] });
  });

  test('--check and --diff do not apply to a ResourceList', async () => {
    const r = await krm(list(), ['--check']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('KRM function mode');
  });

  test('a stream that merely contains kind: ResourceList of another group is not taken for one', () => {
    expect(looksLikeResourceList('apiVersion: delivery.ocm.software/v1alpha1\nkind: ResourceList\n')).toBe(false);
    expect(looksLikeResourceList(list())).toBe(true);
    expect(() => readResourceList('apiVersion: config.kubernetes.io/v2\nkind: ResourceList\nitems: []\n', 'x')).toThrow(InputError);
  });
});

describe('results and splicing (pure parts)', () => {
  test('field paths: dotted, indexes in brackets, odd keys quoted', () => {
    expect(fieldPath('/spec/template/spec/containers/0/securityContext')).toBe('spec.template.spec.containers[0].securityContext');
    expect(fieldPath('/metadata/annotations/kharden.dev~1skip')).toBe("metadata.annotations['kharden.dev/skip']");
    expect(fieldPath("/data/it's")).toBe("data['it\\'s']");
  });

  test('new items get the generated file and the next free index; results and items are spliced, nothing else moves', () => {
    const text = list();
    const added = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'deny-all', namespace: 'shop' }, spec: { podSelector: {}, policyTypes: ['Ingress'] } };
    const out = spliceResourceList(text, 'x', { newItems: [added, { ...added, metadata: { name: 'two', annotations: { 'config.kubernetes.io/path': 'apps/web.yaml' } } }], results: [{ message: 'hi', severity: 'info' }] });
    expect(out.startsWith(text.trimEnd())).toBe(true);
    const v = YAML.parse(out);
    expect(v.items).toHaveLength(4);
    expect(v.items[2].metadata.annotations).toEqual({
      'internal.config.kubernetes.io/path': GENERATED_FILE,
      'config.kubernetes.io/path': GENERATED_FILE,
      'internal.config.kubernetes.io/index': '0',
      'config.kubernetes.io/index': '0',
    });
    // A new item that names an existing file comes after that file's items.
    expect(v.items[3].metadata.annotations['internal.config.kubernetes.io/index']).toBe('2');
    expect(v.results).toEqual([{ message: 'hi', severity: 'info' }]);
    expect(annotateNewItems([], [added])[0]).not.toBe(added);
  });

  test('an item without a name gets results without resourceRef (the specification requires a name there)', async () => {
    const text = 'apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- apiVersion: v1\n  kind: Pod\n  spec:\n    containers: [{name: c, image: busybox}]\n';
    const profile = await resolveProfile('restricted', loadProfileFile);
    const result = hardenText('x', text, { chain: profile.chain, podTemplateLocations: profile.podTemplateLocations });
    const results = krmResults(result, readResourceList(text, 'x').items, { profile: 'restricted' });
    expect(results.length).toBeGreaterThan(1);
    for (const r of results) {
      expect(r.resourceRef).toBeUndefined();
      expect(r.field).toBeUndefined();
    }
  });
});
