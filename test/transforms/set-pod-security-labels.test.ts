import * as path from 'node:path';
import { describe, expect, test } from 'vitest';
import transform from '../../transforms/set-pod-security-labels.js';
import { resolveProfile } from '../../src/profiles/resolve.js';
import { loadProfileFile } from '../../src/io/profiles.js';
import { REPO_ROOT, chainOf, harden, runFixtureDir } from '../helpers/harness.js';

/**
 * A case's options.yaml may say `precededBy: restricted`: the transforms of the
 * restricted profile that harden pods run first, as in a real run, so the levels are those of the hardened pods.
 */
const restricted = await resolveProfile('restricted', loadProfileFile);
// disable-service-account-token is a stream transform (it reads the bindings) that only edits pods.
const hardening = restricted.chain.filter((l) => l.transform.scope !== 'stream' || l.id === 'disable-service-account-token');
runFixtureDir(path.join(REPO_ROOT, 'test/transforms', transform.id), ({ precededBy, ...options }) => [
  ...(precededBy === 'restricted' ? hardening : []),
  ...chainOf(transform, options),
], transform.id);

describe('set-pod-security-labels options', () => {
  test.each([[{ version: '1.30' }], [{ version: 'v2.0' }], [{ level: 'strict' }], [{ auditLevel: 'none' }]])('%j is refused', (options) => {
    expect(() => chainOf(transform, options)).toThrow(/must be/);
  });

  test('the held-back finding names the workloads and the checks that hold the namespace back', () => {
    const input = [
      'apiVersion: v1\nkind: Namespace\nmetadata: {name: ops}\n',
      'apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: agent, namespace: ops}\nspec:\n  template:\n    spec:\n      hostPID: true\n      containers: [{name: a, image: x}]\n',
    ].join('---\n');
    const result = harden(input, chainOf(transform));
    const held = result.findings.find((f) => f.code === 'enforceHeldBack');
    expect(held?.message).toBe('namespace ops enforces privileged, not restricted, so that these are not refused: DaemonSet agent (privileged: hostNamespaces)');
    expect(result.output).toContain('pod-security.kubernetes.io/enforce: privileged');
    expect(result.output).toContain('pod-security.kubernetes.io/warn: restricted');
  });
});
