/**
 * schema/report.schema.json, the JSON report's documented shape: real reports validate against it
 * (every field they can carry, diffs and output lines included), reports that break it do not,
 * and the npm package ships it.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import Ajv2020 from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv';
import { renderJson } from '../../src/report/build.js';
import { REPO_ROOT } from '../helpers/harness.js';
import { CLEAN_PROJECTS, CORPUS, corpusPresent, manifestsOf, reportOf, withOutputLines } from './helpers.js';

const SCHEMA = path.join(REPO_ROOT, 'schema/report.schema.json');
let validate: ValidateFunction;
beforeAll(() => {
  // strict: an unknown keyword or a loose type in the schema itself is an error, not ignored.
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  validate = ajv.compile(JSON.parse(fs.readFileSync(SCHEMA, 'utf8')));
});

const errorsOf = (value: unknown) => (validate(value) ? [] : validate.errors!.map((e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`));

/** A report round-tripped through its JSON text, as a consumer reads it. */
const asJson = (report: unknown) => JSON.parse(renderJson(report as any));

const POD = `apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  hostPID: true
  containers:
    - name: app
      image: nginx:1.27
      securityContext:
        privileged: true
---
kind_of: not a kubernetes object
`;

describe('report schema', () => {
  let pod: Awaited<ReturnType<typeof reportOf>>;
  beforeAll(async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kharden-schema-'));
    fs.writeFileSync(path.join(dir, 'pod.yaml'), POD);
    pod = await reportOf([path.join(dir, 'pod.yaml')], { cwd: dir, diffs: true });
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('a report with every field: edits, findings, document findings, PSS, transforms, diffs, output lines, exemptions, generated', () => {
    const full = {
      ...withOutputLines(pod.report, pod.results),
      generated: [{ file: 'kharden-generated.yaml', apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', name: 'deny', namespace: 'default', reason: 'deny by default', transform: 'add-network-policy' }],
    };
    full.resources = full.resources.map((r) => ({
      ...r,
      exemptions: [{ transform: 'run-as-non-root', container: 'app', by: 'annotation' as const, where: 'kharden.dev/skip.app' }],
      nodeAgent: { checks: [{ check: 'hostNamespaces', detail: 'hostNetwork=true' }] },
    }));
    const json = asJson(full);
    expect(json.files[0].diff).toMatch(/^Index: pod\.yaml/m);
    expect(json.findings.map((f: any) => f.code)).toEqual(['notKubernetesObject']);
    expect(json.resources[0].pss).toMatchObject({ before: 'privileged' });
    expect(json.resources[0].edits[0].outputLine).toBeGreaterThan(0);
    expect(errorsOf(json)).toEqual([]);
  });

  test('what breaks it is refused (the schema is not vacuous)', () => {
    const good = asJson(pod.report);
    const broken: [string, (r: any) => void][] = [
      ['no totals', (r) => delete r.totals],
      ['unknown severity', (r) => (r.resources[0].findings[0].severity = 'critical')],
      ['edit without a reason', (r) => delete r.resources[0].edits[0].reason],
      ['line 0', (r) => (r.resources[0].edits[0].line = 0)],
      ['op not in RFC 6902 subset', (r) => (r.resources[0].edits[0].op = 'move')],
      ['path not a JSON Pointer', (r) => (r.resources[0].edits[0].path = 'spec.containers')],
      ['a misspelt field', (r) => (r.resources[0].findigns = [])],
      ['unknown Pod Security level', (r) => (r.resources[0].pss.after = 'strict')],
      ['another tool', (r) => (r.tool = 'other')],
    ];
    for (const [what, breakIt] of broken) {
      const r = structuredClone(good);
      breakIt(r);
      expect(errorsOf(r).length, what).toBeGreaterThan(0);
    }
  });

  test.skipIf(!corpusPresent)(corpusPresent ? 'reports of six real projects validate' : `SKIPPED: ${CORPUS} is absent`, async () => {
    const { report } = await reportOf(manifestsOf(CLEAN_PROJECTS.map((p) => path.join(CORPUS, p))), { cwd: CORPUS });
    expect(report.resources.length).toBeGreaterThan(50);
    expect(errorsOf(asJson(report))).toEqual([]);
  }, 180_000);

  test('the npm package ships the schema', () => {
    const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const files = JSON.parse(out)[0].files.map((f: { path: string }) => f.path);
    expect(files).toContain('schema/report.schema.json');
  });
});
