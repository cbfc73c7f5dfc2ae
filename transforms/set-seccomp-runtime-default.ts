import { defineTransform } from '../src/core/types.js';
import { string } from '../src/core/options.js';
import { containersOf, mapAt } from './util.js';

const ALLOWED = new Set(['RuntimeDefault', 'Localhost']);

export default defineTransform({
  id: 'set-seccomp-runtime-default',
  summary: 'Set the pod seccomp profile to RuntimeDefault and override containers that ask for Unconfined',
  reason: 'The restricted Pod Security Standard requires a RuntimeDefault or Localhost seccomp profile; Unconfined lets a container make any system call.',
  docs: 'https://kubernetes.io/docs/tutorials/security/seccomp/',
  scope: 'podTemplate',
  options: {
    type: string({ default: 'RuntimeDefault', oneOf: ['RuntimeDefault'], description: 'the seccomp profile type to set (Localhost needs a profile file on every node, so kharden sets only RuntimeDefault)' }),
  },
  changesPrivileges: true,
  messages: {},
  run(target, ctx) {
    if (target.pod.windows) return;
    const t = target.template;
    const type = ctx.options.type;
    const podType = mapAt(t, '/spec/securityContext/seccompProfile').type;
    const podOk = typeof podType === 'string' && ALLOWED.has(podType);
    const containers = containersOf(t);
    // A check that already passes gets nothing added: every container sets an allowed profile itself.
    const allContainersSet = containers.length > 0 && containers.every((c) => {
      const ct = mapAt(c.container, '/securityContext/seccompProfile').type;
      return typeof ct === 'string' && ALLOWED.has(ct);
    });
    if (!podOk && target.pod.podSecurityContext && !(podType === undefined && allContainersSet)) {
      ctx.set('/spec/securityContext/seccompProfile', { type }, podType === undefined
        ? `restricted requires a seccomp profile; ${type} is the container runtime's default filter`
        : `seccomp profile ${String(podType)} is not allowed by restricted; ${type} is the runtime's default filter`);
    }
    for (const c of containers) {
      const cType = mapAt(c.container, '/securityContext/seccompProfile').type;
      const set = cType !== undefined && cType !== null;
      if (set && !(typeof cType === 'string' && ALLOWED.has(cType))) {
        ctx.set(`${c.path}/securityContext/seccompProfile`, { type }, `container ${c.name} overrides the pod with seccomp ${String(cType)}, which restricted does not allow`);
      } else if (!set && !podOk && !target.pod.podSecurityContext) {
        ctx.set(`${c.path}/securityContext/seccompProfile`, { type }, `restricted requires a seccomp profile; set per container because this kind does not accept pod-level security fields`);
      }
    }
  },
});
