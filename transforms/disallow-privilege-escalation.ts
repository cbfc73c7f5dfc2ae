import { defineTransform } from '../src/core/types.js';
import { capabilityName, listAt, mapAt } from './util.js';

export default defineTransform({
  id: 'disallow-privilege-escalation',
  summary: 'Set allowPrivilegeEscalation: false on every container',
  reason: 'Without it a process can gain more privileges than its parent (setuid binaries, file capabilities); the restricted Pod Security Standard requires it to be false.',
  docs: 'https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted',
  scope: 'container',
  options: {},
  changesPrivileges: true,
  messages: {
    privilegeEscalationNotSet: {
      severity: 'warning',
      title: 'allowPrivilegeEscalation left unset',
      help: 'The API server rejects allowPrivilegeEscalation: false on a container that is privileged or given CAP_SYS_ADMIN; remove those first if the app does not need them.',
      pssCheck: 'allowPrivilegeEscalation',
    },
  },
  run(target, ctx) {
    if (target.pod.windows) return;
    const c = target.container;
    const sc = mapAt(c, '/securityContext');
    const adds = listAt(c, '/securityContext/capabilities/add').map(capabilityName);
    // The API server rejects allowPrivilegeEscalation: false together with privileged or CAP_SYS_ADMIN.
    if (sc.privileged === true || adds.includes('SYS_ADMIN')) {
      ctx.report({
        code: 'privilegeEscalationNotSet',
        message: `container ${target.name} is ${sc.privileged === true ? 'privileged' : 'given CAP_SYS_ADMIN'}; allowPrivilegeEscalation cannot be false with that, so it was left alone`,
        path: '/securityContext',
      });
      return;
    }
    ctx.set('/securityContext/allowPrivilegeEscalation', false, sc.allowPrivilegeEscalation === true
      ? 'allowPrivilegeEscalation: true lets the process gain privileges through setuid binaries; restricted requires false'
      : 'restricted requires allowPrivilegeEscalation: false (it defaults to true)');
  },
});
