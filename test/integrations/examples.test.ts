/**
 * `npx kharden examples/` still hardens the bundled examples now that they hold kpt and kustomize
 * files: the Profile configs and the kustomization pass through byte for byte, workloads are
 * hardened, nothing is refused, and the output is a fixed point.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect, test } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { kharden, ROOT } from '../cli/spawn.js';

test('kharden examples/ hardens the workloads and passes the integration configs through untouched', async () => {
  const r = await kharden(['examples/'], { cwd: ROOT });
  expect(r.code, r.stderr).toBe(0);
  expect(r.stderr).not.toMatch(/kharden: (error|internal error)/);
  const out = r.stdout.toString('utf8');
  for (const file of ['examples/kpt-package/harden.yaml', 'examples/kustomize-plugin/base/harden.yaml', 'examples/kustomize-plugin/base/kustomization.yaml']) {
    expect(out, file).toContain(fs.readFileSync(path.join(ROOT, file), 'utf8'));
  }
  const docs = parseAllDocuments(out, { version: '1.1' }).map((d) => d.toJS()).filter(Boolean);
  const workloads = docs.filter((d: any) => ['Deployment', 'StatefulSet', 'CronJob'].includes(d.kind));
  expect(workloads.length).toBeGreaterThanOrEqual(5);
  for (const w of workloads as any[]) {
    const spec = w.kind === 'CronJob' ? w.spec.jobTemplate.spec.template.spec : w.spec.template.spec;
    expect(spec.securityContext?.seccompProfile?.type, `${w.kind} ${w.metadata.name}`).toBe('RuntimeDefault');
  }
  const again = await kharden(['-'], { cwd: ROOT, stdin: out });
  expect(again.stdout.toString('utf8')).toBe(out);
  for (const script of ['examples/kpt-package/run.sh', 'examples/kustomize-plugin/run.sh']) expect(fs.statSync(path.join(ROOT, script)).mode & 0o111, script).toBe(0o111);
});
