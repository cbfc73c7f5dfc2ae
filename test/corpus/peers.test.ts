/**
 * The peer tools' fixtures (../shared/corpus/peers: kubeaudit, kubescape, kyverno-policies,
 * polaris) are hand-made insecure and odd manifests. Every one of them must harden under the
 * fidelity promise (see helpers/fidelity.ts), and no workload may come out at a lower Pod
 * Security level than it went in.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { hardenText } from '../../src/core/engine.js';
import type { HardenOptions } from '../../src/core/engine.js';
import { decodeInput } from '../../src/yaml/stream.js';
import { hardenOptionsOf, resolveProfile } from '../../src/profiles/resolve.js';
import { loadProfileFile } from '../../src/io/profiles.js';
import { listManifests, SHARED } from '../helpers/harness.js';
import { expectFaithful } from '../helpers/fidelity.js';
import { levelsFromText, RANK } from '../helpers/levels.js';

const ROOT = path.join(SHARED, 'corpus/peers');
const present = fs.existsSync(ROOT);

let options: HardenOptions;
beforeAll(async () => {
  const p = await resolveProfile('restricted', loadProfileFile);
  options = { ...hardenOptionsOf(p), freezeTargets: true };
});

describe.skipIf(!present)(present ? 'peer tools\' fixtures' : `peer fixtures: SKIPPED because ${ROOT} is absent`, () => {
  const files = present ? listManifests(ROOT) : [];

  test('the corpus is there in full', () => {
    expect(files.length).toBeGreaterThan(800);
  });

  test.each(files.map((f) => [path.relative(ROOT, f), f]))('%s', async (_name, file) => {
    const input = decodeInput(fs.readFileSync(file), file);
    const result = hardenText(file, input, options);
    await expectFaithful(file, input, result, options);
    for (const { workload: w, before, after } of levelsFromText(result)) {
      expect(RANK[after], `${w.resource.kind}/${w.resource.name}: ${before} → ${after}`).toBeGreaterThanOrEqual(RANK[before]);
    }
  });
});
