import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, test } from 'vitest';
import YAML from 'yaml';
import transform from '../../transforms/report-unfixable.js';
import disallowPrivileged from '../../transforms/disallow-privileged.js';
import restrictSecurityContext from '../../transforms/restrict-security-context.js';
import type { Transform } from '../../src/core/types.js';
import { checkLevel } from '../../src/pss/index.js';
import { REPO_ROOT, SHARED, chainOf, harden, runFixtureDir } from '../helpers/harness.js';
import { checksNamedBy } from '../helpers/unfixable.js';

/**
 * report-unfixable never edits, so its own cases are all `unchanged`. A case's options.yaml may
 * name transforms to run first (`precededBy`), as a profile does: those cases change, and show
 * that what earlier transforms fix is not reported.
 */
const BEFORE: Record<string, Transform<any>> = { 'disallow-privileged': disallowPrivileged, 'restrict-security-context': restrictSecurityContext };
runFixtureDir(path.join(REPO_ROOT, 'test/transforms', transform.id), ({ precededBy = [], ...options }) => [
  ...(precededBy as string[]).flatMap((id) => chainOf(BEFORE[id])),
  ...chainOf(transform, options),
], transform.id);

/** The upstream checks report-unfixable reports. */
const REPORTED = new Set(['hostNamespaces', 'hostPathVolumes', 'restrictedVolumes', 'hostPorts', 'sysctls', 'windowsHostProcess', 'hostProbesAndHostLifecycle']);
const PSA = path.join(SHARED, 'corpus/psa');
const fixtures = ['baseline', 'restricted'].flatMap((level) =>
  ['v1.0', 'v1.37'].flatMap((v) => ['pass', 'fail'].flatMap((kind) => {
    const dir = path.join(PSA, level, v, kind);
    return fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort().map((f) => `${level}/${v}/${kind}/${f}`) : [];
  })),
);

describe.skipIf(fixtures.length === 0)('upstream PSA fixtures: a finding for exactly the reported checks that fail', () => {
  test.each(fixtures)('%s', (name) => {
    const text = fs.readFileSync(path.join(PSA, name), 'utf8');
    const pod = YAML.parse(text);
    // Checked at the latest policy (what src/pss models), at baseline and, for restricted
    // fixtures, at restricted too: a hostPath volume fails hostPathVolumes at baseline and
    // restrictedVolumes (which replaces it) at restricted, and both are reported.
    const level = name.startsWith('baseline') ? 'baseline' : 'restricted';
    const failures = [...checkLevel(pod.metadata, pod.spec, 'baseline'), ...(level === 'restricted' ? checkLevel(pod.metadata, pod.spec, 'restricted') : [])];
    const failing = new Set(failures.map((f) => f.check).filter((c) => REPORTED.has(c)));
    const result = harden(text, chainOf(transform));
    expect(result.output).toBe(text);
    const named = new Set(result.findings.flatMap(checksNamedBy));
    if (level === 'baseline') named.delete('restrictedVolumes');
    expect([...named].sort()).toEqual([...failing].sort());
    for (const f of result.findings) expect(f.severity).toBe('error');
  });
});
