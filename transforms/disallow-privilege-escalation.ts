import type { Edit, Finding, Target, Transform } from '../src/core/types.js';
import { ensure, isWindowsPod, listAt, mapAt } from './util.js';

const transform: Transform<{}> = {
  id: 'disallow-privilege-escalation',
  summary: 'Set allowPrivilegeEscalation: false on every container',
  reason: 'Without it a process can gain more privileges than its parent (setuid binaries, file capabilities); the restricted Pod Security Standard requires it to be false.',
  docs: 'https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted',
  scope: 'container',
  defaults: {},
  run(target: Target) {
    const edits: Edit[] = [];
    const findings: Finding[] = [];
    if (isWindowsPod(target.template)) return { edits, findings };
    const c = target.container!;
    const sc = mapAt(c, '/securityContext');
    const adds = listAt(c, '/securityContext/capabilities/add').map((x) => String(x).toUpperCase().replace(/^CAP_/, ''));
    // The API server rejects allowPrivilegeEscalation: false together with privileged or CAP_SYS_ADMIN.
    if (sc.privileged === true || adds.includes('SYS_ADMIN')) {
      findings.push({
        code: 'privilegeEscalationNotSet',
        severity: 'warning',
        message: `container ${String(c.name)} is ${sc.privileged === true ? 'privileged' : 'given CAP_SYS_ADMIN'}; allowPrivilegeEscalation cannot be false with that, so it was left alone`,
        path: '/securityContext',
        pssCheck: 'allowPrivilegeEscalation',
      });
      return { edits, findings };
    }
    edits.push(
      ...ensure(c, '/securityContext/allowPrivilegeEscalation', false, sc.allowPrivilegeEscalation === true
        ? 'allowPrivilegeEscalation: true lets the process gain privileges through setuid binaries; restricted requires false'
        : 'restricted requires allowPrivilegeEscalation: false (it defaults to true)'),
    );
    return { edits, findings };
  },
};
export default transform;
