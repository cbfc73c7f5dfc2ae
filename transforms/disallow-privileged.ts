import type { Edit, Finding, Target, Transform } from '../src/core/types.js';
import { ensure, isWindowsPod, mapAt } from './util.js';

const transform: Transform<{}> = {
  id: 'disallow-privileged',
  summary: 'Override privileged: true with false on every container',
  reason: 'A privileged container has every capability and every host device, and can take over the node; the baseline and restricted Pod Security Standards forbid it.',
  docs: 'https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline',
  scope: 'container',
  defaults: {},
  run(target: Target) {
    const edits: Edit[] = [];
    const findings: Finding[] = [];
    const c = target.container!;
    const name = typeof c.name === 'string' ? c.name : `#${target.containerIndex}`;
    // Absent or false is already right: no `privileged: false` noise.
    if (mapAt(c, '/securityContext').privileged !== true) return { edits, findings };
    if (isWindowsPod(target.template)) {
      // The API server rejects the field on Windows pods whatever its value, so false would not do.
      edits.push({ op: 'remove', path: '/securityContext/privileged', reason: 'privileged is not allowed (and cannot be set at all on a Windows pod)' });
    } else {
      edits.push(...ensure(c, '/securityContext/privileged', false, 'privileged: true gives the container every capability and the host devices; baseline requires it unset or false'));
    }
    findings.push({
      code: 'privilegedRemoved',
      severity: 'warning',
      message:
        `container ${name} set privileged: true; ${isWindowsPod(target.template) ? 'removed' : 'changed to false'} to meet baseline. ` +
        `If the app needs host access (devices, kernel modules, mounts), it will fail: grant only the capabilities it needs, ` +
        `or exempt it with the annotation kharden.dev/skip.${name}: disallow-privileged and run it in a namespace that allows privileged pods`,
      path: '/securityContext/privileged',
      pssCheck: 'privileged',
    });
    return { edits, findings };
  },
};
export default transform;
