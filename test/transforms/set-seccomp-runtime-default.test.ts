import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, test } from 'vitest';
import YAML from 'yaml';
import transform from '../../transforms/set-seccomp-runtime-default.js';
import { hardenText } from '../../src/core/engine.js';
import { BUILTIN_POD_TEMPLATE_LOCATIONS } from '../../src/core/resources.js';
import { checkLevel } from '../../src/pss/index.js';
import { annotationKeys } from '../../transforms/data/annotations.js';
import { REPO_ROOT, chainOf, runTransformFixtures } from '../helpers/harness.js';

runTransformFixtures(transform);

type Obj = Record<string, any>;
const POD = 'seccomp.security.alpha.kubernetes.io/pod';
const CONTAINER = 'container.seccomp.security.alpha.kubernetes.io/';

/**
 * The API server's rule (pkg/apis/core/validation, validateSeccompAnnotationsAndFieldsMatch, run on
 * pods and on pod templates): where an annotation and the field beside it are both set, they
 * must name the same profile. Stated here, outside the transform, to check its output.
 */
function seccompMismatches(template: Obj): string[] {
  const ann: Obj = template.metadata?.annotations ?? {};
  const matches = (a: string, f: Obj) =>
    f.type === 'Unconfined' ? a === 'unconfined' : f.type === 'RuntimeDefault' ? a === 'runtime/default' || a === 'docker/default' : f.type === 'Localhost' ? a === `localhost/${f.localhostProfile}` : true;
  const out: string[] = [];
  const podField = template.spec?.securityContext?.seccompProfile;
  if (podField && POD in ann && !matches(ann[POD], podField)) out.push('pod');
  for (const list of ['initContainers', 'containers', 'ephemeralContainers']) {
    for (const c of template.spec?.[list] ?? []) {
      const f = c.securityContext?.seccompProfile;
      if (f && CONTAINER + c.name in ann && !matches(ann[CONTAINER + c.name], f)) out.push(c.name);
    }
  }
  return out;
}

const templatesOf = (doc: Obj): Obj[] => (doc?.kind === 'Pod' ? [doc] : doc?.spec?.template ? [doc.spec.template] : []);
const DIR = path.join(REPO_ROOT, 'test/transforms', transform.id);

describe('the output is what the API server and restricted accept', () => {
  const cases = fs.readdirSync(DIR).filter((d) => fs.existsSync(path.join(DIR, d, 'expected.yaml')));
  test.each(cases)('%s', (name) => {
    const input = YAML.parseAllDocuments(fs.readFileSync(path.join(DIR, name, 'input.yaml'), 'utf8')).map((d) => d.toJS());
    const output = YAML.parseAllDocuments(fs.readFileSync(path.join(DIR, name, 'expected.yaml'), 'utf8')).map((d) => d.toJS());
    for (const [i, doc] of output.entries()) {
      for (const [j, t] of templatesOf(doc).entries()) {
        expect(seccompMismatches(t), `${name}: annotation and field disagree`).toEqual([]);
        // The check this transform answers for passes, unless an exempted container keeps the pod from it.
        const exempted = Object.keys(doc.metadata?.annotations ?? {}).some((k) => k.startsWith('kharden.dev/skip'));
        const failing = checkLevel(t.metadata, t.spec, 'restricted').map((f) => f.check);
        if (!exempted) expect(failing, name).not.toContain('seccompProfile_restricted');
        else expect(checkLevel(templatesOf(input[i])[j].metadata, templatesOf(input[i])[j].spec, 'restricted').map((f) => f.check)).toContain('seccompProfile_restricted');
      }
    }
  });

  test('the check is not vacuous: the inputs with both an annotation and a field disagree', () => {
    const input = YAML.parse(fs.readFileSync(path.join(DIR, 'mismatch-in-input', 'input.yaml'), 'utf8'));
    expect(seccompMismatches(input)).toEqual(['pod']);
  });
});

describe('a kind that rejects pod-level security fields (Knative Serving)', () => {
  const SERVICE = `apiVersion: serving.knative.dev/v1
kind: Service
metadata:
  name: hello
spec:
  template:
    metadata:
      annotations:
        seccomp.security.alpha.kubernetes.io/pod: unconfined
    spec:
      containers:
        - image: ghcr.io/knative/helloworld-go:latest
        - name: sidecar
          image: ghcr.io/example/sidecar:1
          securityContext:
            seccompProfile: {type: Localhost, localhostProfile: profiles/sidecar.json}
`;
  const locations = [...BUILTIN_POD_TEMPLATE_LOCATIONS, { apiVersion: 'serving.knative.dev/*', kinds: ['Service'], path: '/spec/template', podSecurityContext: 'forbidden' as const }];
  const run = (text: string) => hardenText('knative.yaml', text, { chain: chainOf(transform), podTemplateLocations: locations, knownAnnotations: annotationKeys(), freezeTargets: true });

  test('seccomp goes on each container; no pod-level field; the pod annotation follows', () => {
    const result = run(SERVICE);
    expect(result.edits.map((e) => ({ op: e.op, path: e.path, value: e.value }))).toEqual([
      { op: 'add', path: '/spec/template/spec/containers/0/securityContext', value: { seccompProfile: { type: 'RuntimeDefault' } } },
      { op: 'replace', path: '/spec/template/metadata/annotations/seccomp.security.alpha.kubernetes.io~1pod', value: 'runtime/default' },
    ]);
    expect(result.findings.map((f) => f.code)).toEqual(['seccompAnnotationAligned']);
    const out = YAML.parse(result.output);
    expect(out.spec.template.spec.securityContext).toBeUndefined();
    expect(checkLevel(out.spec.template.metadata, out.spec.template.spec, 'restricted').map((f) => f.check)).not.toContain('seccompProfile_restricted');
    expect(run(result.output).edits).toEqual([]);
  });

  test('without the location the same Service is not a pod template and passes through', () => {
    const result = hardenText('knative.yaml', SERVICE, { chain: chainOf(transform), podTemplateLocations: BUILTIN_POD_TEMPLATE_LOCATIONS, knownAnnotations: annotationKeys() });
    expect(result.output).toBe(SERVICE);
  });
});
