import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, test } from 'vitest';
import YAML from 'yaml';
import transform from '../../transforms/disallow-privileged.js';
import { checkLevel } from '../../src/pss/index.js';
import { SHARED, chainOf, harden, runTransformFixtures } from '../helpers/harness.js';

runTransformFixtures(transform);

const FAIL = path.join(SHARED, 'corpus/psa/restricted/v1.37/fail');
const fixtures = fs.existsSync(FAIL) ? fs.readdirSync(FAIL).filter((f) => /^privileged\d+\.yaml$/.test(f)).sort() : [];

describe.skipIf(fixtures.length === 0)('upstream PSA fail fixtures pass the privileged check after the transform', () => {
  test.each(fixtures)('%s', (name) => {
    const text = fs.readFileSync(path.join(FAIL, name), 'utf8');
    const checks = (t: string) => { const v = YAML.parse(t); return checkLevel(v.metadata, v.spec, 'restricted').map((f) => f.check); };
    expect(checks(text)).toContain('privileged');
    const result = harden(text, chainOf(transform));
    expect(checks(result.output)).not.toContain('privileged');
    expect(result.findings.map((f) => f.pssCheck)).toContain('privileged');
  });
});
