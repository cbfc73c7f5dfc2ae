import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, test } from 'vitest';
import transform from '../../transforms/set-runtime-class.js';
import { REPO_ROOT, chainOf, harden, runTransformFixtures } from '../helpers/harness.js';

runTransformFixtures(transform);

const DIR = path.join(REPO_ROOT, 'test/transforms', transform.id);
const read = (c: string) => fs.readFileSync(path.join(DIR, c, 'input.yaml'), 'utf8');

describe('set-runtime-class', () => {
  test('the edit says how the workload was selected and that the cluster needs the RuntimeClass', () => {
    const r = harden(read('by-namespace'), chainOf(transform, { runtimeClassName: 'gvisor', namespaces: ['untrusted', 'sandbox-*'] }));
    expect(r.edits.map((e) => [e.resource.name, e.reason])).toEqual([
      ['untrusted-app', 'selected by namespace untrusted (options namespaces/labels): the pod runs in the sandboxed runtime gvisor; the cluster needs a RuntimeClass named gvisor, or the API server refuses the pods'],
      ['preview', 'selected by namespace sandbox-pr-42 (options namespaces/labels): the pod runs in the sandboxed runtime gvisor; the cluster needs a RuntimeClass named gvisor, or the API server refuses the pods'],
    ]);
  });

  test('host pods: the finding names what ties them to the host, whatever the node-agent policy', () => {
    for (const nodeAgents of ['keep', 'harden'] as const) {
      const r = harden(read('host-pods'), chainOf(transform, { runtimeClassName: 'gvisor', namespaces: ['untrusted'] }), 'input.yaml', { nodeAgents });
      expect(r.edits).toEqual([]);
      expect(r.findings.map((f) => [f.code, f.severity])).toEqual([
        ['runtimeClassNotForHostPod', 'warning'],
        ['runtimeClassNotForHostPod', 'warning'],
      ]);
      expect(r.findings[0].message).toContain('hostNetwork=true');
      expect(r.findings[1].message).toMatch(/privileged/);
    }
  });

  test.each([
    [{ runtimeClassName: 'gVisor' }, /runtimeClassName: .*not a RuntimeClass name/],
    [{ runtimeClassName: '' }, /runtimeClassName/],
    [{ labels: 'sandbox in true' }, /labels: cannot read label selector/],
    [{ namespaces: 'untrusted' }, /namespaces: must be a list/],
  ])('%j is refused when the profile is read', (options, message) => {
    expect(() => chainOf(transform, options)).toThrow(message);
  });
});
