/**
 * Pod template locations are data: a user profile adds a custom resource (an Argo Rollout) and
 * its pod template is hardened like a Deployment's; without the profile it passes through.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { expect, test } from 'vitest';
import { hardenText } from '../../src/core/engine.js';
import { resolveProfile } from '../../src/profiles/resolve.js';
import { loadProfileFile } from '../../src/io/profiles.js';

const ROLLOUT = `apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: web
spec:
  strategy:
    canary: {steps: [{setWeight: 20}]}
  template:
    spec:
      containers:
      - name: web
        image: ghcr.io/example/web:1
`;

test('a profile adds a pod template location for a custom resource', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kharden-profile-'));
  const file = path.join(dir, 'rollouts.yaml');
  fs.writeFileSync(
    file,
    'apiVersion: kharden.dev/v1alpha1\nkind: Profile\nname: with-rollouts\nextends: restricted\npodTemplateLocations:\n  - {apiVersion: argoproj.io/*, kinds: [Rollout], path: /spec/template}\n',
  );
  const withRollouts = await resolveProfile(file, loadProfileFile);
  const plain = await resolveProfile('restricted', loadProfileFile);
  const hardened = hardenText('rollout.yaml', ROLLOUT, withRollouts);
  expect(hardened.edits.length).toBeGreaterThan(5);
  expect(hardened.edits.every((e) => e.path.startsWith('/spec/template/spec/'))).toBe(true);
  expect(hardened.output).toContain('allowPrivilegeEscalation: false');
  expect(hardened.output.startsWith(ROLLOUT.slice(0, ROLLOUT.indexOf('      - name: web')))).toBe(true);
  const untouched = hardenText('rollout.yaml', ROLLOUT, plain);
  expect(untouched.output).toBe(ROLLOUT);
  expect(untouched.edits).toEqual([]);
});
