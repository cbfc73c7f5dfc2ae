import type { Edit, Finding, Target, Transform } from '../src/core/types.js';
import { containersOf, ensure, isWindowsPod, mapAt } from './util.js';

const ALLOWED = new Set(['RuntimeDefault', 'Localhost']);

const transform: Transform<{ type: string }> = {
  id: 'set-seccomp-runtime-default',
  summary: 'Set the pod seccomp profile to RuntimeDefault and override containers that ask for Unconfined',
  reason: 'The restricted Pod Security Standard requires a RuntimeDefault or Localhost seccomp profile; Unconfined lets a container make any system call.',
  docs: 'https://kubernetes.io/docs/tutorials/security/seccomp/',
  scope: 'podTemplate',
  defaults: { type: 'RuntimeDefault' },
  run(target: Target, options) {
    const edits: Edit[] = [];
    const findings: Finding[] = [];
    const t = target.template!;
    if (isWindowsPod(t)) return { edits, findings };
    const pod = mapAt(t, '/spec/securityContext');
    const podType = mapAt(pod, '/seccompProfile').type;
    if (typeof podType !== 'string' || !ALLOWED.has(podType)) {
      edits.push(
        ...ensure(t, '/spec/securityContext/seccompProfile', { type: options.type }, podType === undefined
          ? `restricted requires a seccomp profile; ${options.type} is the container runtime's default filter`
          : `seccomp profile ${String(podType)} is not allowed by restricted; ${options.type} is the runtime's default filter`),
      );
    }
    for (const c of containersOf(t)) {
      const cType = mapAt(c.container, '/securityContext/seccompProfile').type;
      if (cType !== undefined && cType !== null && !(typeof cType === 'string' && ALLOWED.has(cType))) {
        edits.push(...ensure(t, `${c.path}/securityContext/seccompProfile`, { type: options.type }, `container ${c.name} overrides the pod with seccomp ${String(cType)}, which restricted does not allow`));
      }
    }
    return { edits, findings };
  },
};
export default transform;
