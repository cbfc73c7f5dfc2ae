/**
 * Over ../shared/corpus/real: every workload without an unfixable finding comes out at
 * `restricted`, judged by the Pod Security Standards evaluator (src/pss, itself checked against
 * every upstream PSA fixture), and the report's before/after levels agree with that evaluator.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { hardenText } from '../../src/core/engine.js';
import type { FileResult, HardenOptions } from '../../src/core/engine.js';
import { InputError } from '../../src/lib/errors.js';
import { decodeInput, parseStream } from '../../src/yaml/stream.js';
import { hardenOptionsOf, resolveProfile } from '../../src/profiles/resolve.js';
import { loadProfileFile } from '../../src/io/profiles.js';
import { evaluatePod } from '../../src/pss/index.js';
import { buildReport } from '../../src/report/build.js';
import { summarizePss } from '../../src/report/pss-summary.js';
import { getAt } from '../../src/lib/pointer.js';
import { listManifests, SHARED } from '../helpers/harness.js';
import { checksNamedBy, KEPT_ON_PURPOSE, UNFIXABLE } from '../helpers/unfixable.js';
import { levelsFromText } from '../helpers/levels.js';
import { yieldEvery } from '../helpers/yielding.js';

const ROOT = path.join(SHARED, 'corpus/real');
const present = fs.existsSync(ROOT);
if (!present) console.warn(`skipping corpus PSS levels: ${ROOT} is absent`);


let options: HardenOptions;
const results: FileResult[] = [];
beforeAll(async () => {
  const p = await resolveProfile('restricted', loadProfileFile);
  options = { ...hardenOptionsOf(p), freezeTargets: true };
  const pause = yieldEvery();
  for (const f of present ? listManifests(ROOT) : []) {
    await pause();
    try {
      results.push(hardenText(f, decodeInput(fs.readFileSync(f), f), options));
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
    }
    // Let the worker answer vitest between files: a minute-long synchronous loop times its RPC out.
    await new Promise((r) => setImmediate(r));
  }
});

describe.skipIf(!present)('Pod Security levels over the real corpus', () => {
  test('every workload reaches restricted or carries an unfixable finding for what still fails (node agents: a nodeAgent finding for what they keep)', async () => {
    let workloads = 0;
    let restricted = 0;
    let agents = 0;
    const problems: string[] = [];
    const pause = yieldEvery();
    for (const r of results) {
      await pause();
      const out = parseStream(r.output, r.file);
      for (const w of r.workloads) {
        workloads++;
        const doc = out.documents[w.document].value;
        const template = getAt(doc, w.templatePath) as Record<string, unknown>;
        const verdict = evaluatePod(template.metadata, template.spec);
        if (verdict.level === 'restricted') {
          restricted++;
          continue;
        }
        const mine = r.findings.filter((f) => f.document === w.document && f.resource?.path === w.resource.path);
        const agent = w.nodeAgent !== undefined && mine.some((f) => f.code === 'nodeAgent');
        if (agent) agents++;
        for (const check of new Set(verdict.failures.map((f) => f.check))) {
          const reported = mine.some((f) => checksNamedBy(f).includes(check));
          // A node agent keeps the privileges it needs on purpose; what holds it at privileged is still reported.
          if (agent && !UNFIXABLE.has(check)) continue;
          // So does a workload a transform deliberately left as it was, with a finding that says why.
          if (mine.some((f) => KEPT_ON_PURPOSE.has(f.code) && checksNamedBy(f).includes(check))) continue;
          if (!UNFIXABLE.has(check) || !reported) problems.push(`${path.relative(ROOT, r.file)} doc ${w.document} ${w.resource.kind}/${w.resource.name}: ${check}${reported ? '' : ' (no finding)'}`);
        }
      }
    }
    expect(problems).toEqual([]);
    expect(workloads).toBeGreaterThan(300);
    expect(agents).toBeGreaterThan(5);
    console.log(`corpus: ${workloads} workloads, ${restricted} at restricted after hardening, ${agents} node agents kept privileged`);
  });

  test('no edit lands outside a pod template spec or its metadata annotations (or the Pod Security labels of a Namespace)', () => {
    let edits = 0;
    let namespaceEdits = 0;
    for (const r of results) {
      for (const e of r.edits) {
        const w = r.workloads.find((x) => x.document === e.document && x.resource.path === e.resource.path);
        if (!w && e.resource.kind === 'Namespace') {
          expect(e.transform, `${r.file}: edit ${e.path} of a Namespace`).toBe('set-pod-security-labels');
          expect(e.path.startsWith(`${e.resource.path}/metadata/labels`), `${r.file}: Namespace edit ${e.path}`).toBe(true);
          namespaceEdits++;
          continue;
        }
        expect(w, `${r.file}: edit ${e.path} on a resource without a pod template`).toBeDefined();
        const ok = e.path.startsWith(`${w!.templatePath}/spec/`) || e.path.startsWith(`${w!.templatePath}/metadata/annotations/`);
        expect(ok, `${r.file} document ${e.document}: ${e.transform} edits ${e.path}`).toBe(true);
        edits++;
      }
    }
    expect(edits).toBeGreaterThan(1000);
    expect(namespaceEdits).toBeGreaterThan(10);
  });

  test("the report's before/after levels agree with the evaluator", async () => {
    const report = buildReport(results, { version: 'test', profile: 'restricted', pss: summarizePss });
    let checked = 0;
    const pause = yieldEvery();
    for (const r of results) {
      await pause();
      for (const { workload: w, before, after } of levelsFromText(r)) {
        const res = report.resources.find((x) => x.file === r.file && x.document === w.document && x.path === w.resource.path);
        expect(res?.pss).toBeDefined();
        expect(res!.pss!.before).toBe(before);
        expect(res!.pss!.after).toBe(after);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(300);
  });
});
