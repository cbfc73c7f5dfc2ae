import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, test } from 'vitest';
import YAML from 'yaml';
import transform from '../../transforms/restrict-security-context.js';
import { checkLevel } from '../../src/pss/index.js';
import { SHARED, chainOf, harden, runTransformFixtures } from '../helpers/harness.js';

runTransformFixtures(transform);

/** The upstream checks this transform fixes, by the fail fixtures generated to trip them. */
const FIXES: [RegExp, string[]][] = [
  [/^apparmorprofile\d+\.yaml$/, ['appArmorProfile']],
  [/^selinuxoptions\d+\.yaml$/, ['seLinuxOptions']],
  [/^procmount(_restricted)?\d+\.yaml$/, ['procMount', 'procMount_restricted']],
];
const FAIL = path.join(SHARED, 'corpus/psa');
const fixtures = ['baseline', 'restricted'].flatMap((level) =>
  ['v1.0', 'v1.37'].flatMap((v) => {
    const dir = path.join(FAIL, level, v, 'fail');
    return fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => FIXES.some(([re]) => re.test(f))).sort().map((f) => `${level}/${v}/fail/${f}`) : [];
  }),
);

describe.skipIf(fixtures.length === 0)('upstream PSA fail fixtures pass their check after the transform', () => {
  test.each(fixtures)('%s', (name) => {
    const checks = FIXES.find(([re]) => re.test(path.basename(name)))![1];
    const failing = (t: string) => { const v = YAML.parse(t); return checkLevel(v.metadata, v.spec, 'restricted').map((f) => f.check); };
    const text = fs.readFileSync(path.join(FAIL, name), 'utf8');
    expect(failing(text).some((c) => checks.includes(c)), 'fails to begin with').toBe(true);
    const result = harden(text, chainOf(transform));
    expect(failing(result.output).filter((c) => checks.includes(c))).toEqual([]);
    expect(result.findings.some((f) => checks.includes(f.pssCheck ?? '')), 'a finding names the check').toBe(true);
  });
});

/**
 * The API server's AppArmor rule since 1.30 (pkg/apis/core/validation,
 * validateAppArmorAnnotationsAndFieldsMatchOnCreate, run on pods and pod templates): where a
 * container's annotation is set, it must name the profile the container runs with, its own field
 * or else the pod's. Stated here, outside the transform, to check its output.
 */
function appArmorMismatches(template: Record<string, any>): string[] {
  if (template.spec?.os?.name === 'windows') return [];
  const ann: Record<string, string> = template.metadata?.annotations ?? {};
  const pod = template.spec?.securityContext?.appArmorProfile;
  const out: string[] = [];
  for (const list of ['initContainers', 'containers', 'ephemeralContainers']) {
    for (const c of template.spec?.[list] ?? []) {
      const p = c.securityContext?.appArmorProfile ?? pod;
      const a = ann[`container.apparmor.security.beta.kubernetes.io/${c.name}`];
      if (!p || a === undefined) continue;
      const ok = p.type === 'Unconfined' ? a === 'unconfined' : p.type === 'RuntimeDefault' ? a === 'runtime/default' : p.type === 'Localhost' ? a === `localhost/${p.localhostProfile}` : true;
      if (!ok) out.push(c.name);
    }
  }
  return out;
}

describe('AppArmor annotations agree with the fields in every output', () => {
  const dir = path.join(path.dirname(new URL(import.meta.url).pathname), transform.id);
  const cases = fs.readdirSync(dir).filter((d) => fs.existsSync(path.join(dir, d, 'expected.yaml')));
  const templatesOf = (doc: any): any[] => (doc?.kind === 'Pod' ? [doc] : doc?.spec?.template ? [doc.spec.template] : doc?.spec?.jobTemplate?.spec?.template ? [doc.spec.jobTemplate.spec.template] : []);
  test.each(cases)('%s', (name) => {
    for (const d of YAML.parseAllDocuments(fs.readFileSync(path.join(dir, name, 'expected.yaml'), 'utf8'))) for (const t of templatesOf(d.toJS())) expect(appArmorMismatches(t)).toEqual([]);
  });
  test('the rule is not vacuous: the #128306 input breaks it', () => {
    const input = YAML.parse(fs.readFileSync(path.join(dir, 'apparmor-pod-unconfined-issue-128306', 'input.yaml'), 'utf8'));
    expect(appArmorMismatches(input.spec.template)).toEqual(['app']);
  });
});
