/**
 * Fidelity over every file of ../shared/corpus/real: output parses; documents kept; comments
 * kept; untouched documents byte-identical; in edited documents every removed input line lies
 * inside a value an edit replaced or removed; a second run is byte-identical. Files that are not
 * valid YAML are refused with an error naming file and line (INVALID lists them, with why).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, test, beforeAll } from 'vitest';
import { hardenText } from '../../src/core/engine.js';
import type { HardenOptions } from '../../src/core/engine.js';
import { InputError } from '../../src/lib/errors.js';
import { decodeInput } from '../../src/yaml/stream.js';
import { hardenOptionsOf, resolveProfile } from '../../src/profiles/resolve.js';
import { loadProfileFile } from '../../src/io/profiles.js';
import { listManifests, SHARED } from '../helpers/harness.js';
import { expectFaithful } from '../helpers/fidelity.js';

const ROOT = path.join(SHARED, 'corpus/real');
const present = fs.existsSync(ROOT);
if (!present) console.warn(`skipping the real-manifest corpus: ${ROOT} is absent (../shared is not beside the project)`);

/** Files that are not valid YAML (the corpus README names them), and what the error must say. */
const INVALID: Record<string, RegExp> = {
  'argo-cd/reposerver/repository/testdata/invalid-json/invalid.json': /Flow sequence/,
  'argo-cd/reposerver/repository/testdata/invalid-manifests/bad.yaml': /unrendered Helm\/Go template/,
  'argo-cd/reposerver/repository/testdata/invalid-manifests-skipped/bad.yaml': /unrendered Helm\/Go template/,
  'argo-cd/reposerver/repository/testdata/json-list/list.json': /NDJSON/,
  'argo-cd/reposerver/repository/testdata/utf-16/utf-16.yaml': /UTF-16/,
  // kubectl accepts this multi-line single-quoted scalar; the yaml package (YAML 1.2 rules) does not.
  'kubernetes-dashboard/hack/test-resources/init-container-error-pod.yaml': /Missing closing 'quote/,
  'kubernetes-examples/_archived/newrelic/newrelic-config-template.yaml': /unrendered template placeholder/,
  'kubernetes-examples/_archived/newrelic-infrastructure/newrelic-config-template.yaml': /unrendered template placeholder/,
  'kubernetes-examples/_archived/openshift-origin/etcd-controller.yaml': /duplicate keys/,
  'kubernetes-examples/_archived/openshift-origin/etcd-discovery-controller.yaml': /duplicate keys/,
  'kubernetes-examples/_archived/openshift-origin/openshift-controller.yaml': /duplicate keys/,
  'kubernetes-examples/_archived/persistent-volume-provisioning/quobyte/quobyte-admin-secret.yaml': /duplicate keys/,
  'kubernetes-examples/_archived/storage/vitess/etcd-controller-template.yaml': /unrendered template placeholder/,
  'kubernetes-examples/_archived/storage/vitess/etcd-service-template.yaml': /unrendered template placeholder/,
  'kubernetes-examples/_archived/storage/vitess/vtgate-controller-template.yaml': /unrendered template placeholder/,
  'kubernetes-examples/_archived/volumes/scaleio/sc-pvc.yaml': /duplicate keys/,
  'local-path-provisioner/examples/quota/local-path-storage.yaml': /duplicate keys/,
  'metrics-server/charts/metrics-server/templates/apiservice.yaml': /unrendered Helm\/Go template/,
  'metrics-server/charts/metrics-server/templates/deployment.yaml': /unrendered Helm\/Go template/,
  'metrics-server/charts/metrics-server/templates/service.yaml': /unrendered Helm\/Go template/,
};


let options: HardenOptions;
beforeAll(async () => {
  const p = await resolveProfile('restricted', loadProfileFile);
  options = { ...hardenOptionsOf(p), freezeTargets: true };
});

describe.skipIf(!present)('real-world corpus', () => {
  const files = present ? listManifests(ROOT) : [];
  const rel = (f: string) => path.relative(ROOT, f);

  test('every INVALID entry still exists', () => {
    for (const f of Object.keys(INVALID)) expect(fs.existsSync(path.join(ROOT, f)), f).toBe(true);
  });

  test.each(files.map((f) => [rel(f), f]))('%s', async (name, file) => {
    const bytes = fs.readFileSync(file);
    const invalid = INVALID[name];
    if (invalid) {
      let error: unknown;
      try {
        hardenText(file, decodeInput(bytes, file), options);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(InputError);
      expect((error as InputError).message).toMatch(invalid);
      expect((error as InputError).position.line, 'error names a line').toBeGreaterThan(0);
      expect((error as InputError).message).toContain(file);
      return;
    }
    const input = decodeInput(bytes, file);
    await expectFaithful(file, input, hardenText(file, input, options), options);
  });
});
