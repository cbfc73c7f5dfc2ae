import { defineTransform } from '../src/core/types.js';
import { mapAt } from './util.js';

const ID = 'disallow-privileged';

export default defineTransform({
  id: ID,
  summary: 'Override privileged: true with false on every container',
  reason: 'A privileged container has every capability and every host device, and can take over the node; the baseline and restricted Pod Security Standards forbid it.',
  docs: 'https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline',
  scope: 'container',
  options: {},
  changesPrivileges: true,
  messages: {
    privilegedRemoved: {
      severity: 'warning',
      title: 'privileged: true overridden',
      help: `If the app needs host access (devices, kernel modules, mounts) it will fail: grant only the capabilities it needs, or exempt the container with the annotation kharden.dev/skip.<container>: ${ID} and run it in a namespace that enforces the privileged Pod Security level.`,
      pssCheck: 'privileged',
    },
  },
  run(target, ctx) {
    // Absent or false is already right: no `privileged: false` noise.
    if (mapAt(target.container, '/securityContext').privileged !== true) return;
    if (target.pod.windows) {
      // The API server rejects the field on Windows pods whatever its value, so false would not do.
      ctx.remove('/securityContext/privileged', 'privileged is not allowed (and cannot be set at all on a Windows pod)');
    } else {
      ctx.set('/securityContext/privileged', false, 'privileged: true gives the container every capability and the host devices; baseline requires it unset or false');
    }
    ctx.report({
      code: 'privilegedRemoved',
      message: `container ${target.name} set privileged: true; ${target.pod.windows ? 'removed' : 'changed to false'} to meet baseline`,
      path: '/securityContext/privileged',
    });
  },
});
