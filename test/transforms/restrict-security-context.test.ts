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
