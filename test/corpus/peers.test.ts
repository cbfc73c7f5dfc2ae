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
import { decodeInput, parseStream } from '../../src/yaml/stream.js';
import { resolveProfile } from '../../src/profiles/resolve.js';
import { loadProfileFile } from '../../src/io/profiles.js';
import { getAt } from '../../src/core/pointer.js';
import { evaluatePod } from '../../src/pss/index.js';
import { listManifests, SHARED } from '../helpers/harness.js';
import { expectFaithful } from '../helpers/fidelity.js';

const ROOT = path.join(SHARED, 'corpus/peers');
const present = fs.existsSync(ROOT);
const RANK = { privileged: 0, baseline: 1, restricted: 2 } as const;

let options: HardenOptions;
beforeAll(async () => {
  const p = await resolveProfile('restricted', loadProfileFile);
  options = { chain: p.chain, podTemplateLocations: p.podTemplateLocations, freezeTargets: true };
});

describe.skipIf(!present)(present ? 'peer tools\' fixtures' : `peer fixtures: SKIPPED because ${ROOT} is absent`, () => {
  const files = present ? listManifests(ROOT) : [];

  test('the corpus is there in full', () => {
    expect(files.length).toBeGreaterThan(800);
  });

  test.each(files.map((f) => [path.relative(ROOT, f), f]))('%s', (_name, file) => {
    const input = decodeInput(fs.readFileSync(file), file);
    const result = hardenText(file, input, options);
    expectFaithful(file, input, result, options);
    const before = parseStream(input, file);
    const after = parseStream(result.output, file);
    for (const w of result.workloads) {
      const tb = getAt(before.documents[w.document].value, w.templatePath) as Record<string, unknown>;
      const ta = getAt(after.documents[w.document].value, w.templatePath) as Record<string, unknown>;
      const was = evaluatePod(tb.metadata, tb.spec).level;
      const is = evaluatePod(ta.metadata, ta.spec).level;
      expect(RANK[is], `${w.resource.kind}/${w.resource.name}: ${was} → ${is}`).toBeGreaterThanOrEqual(RANK[was]);
    }
  });
});
