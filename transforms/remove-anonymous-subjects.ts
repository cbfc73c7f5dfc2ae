import { defineTransform } from '../src/core/types.js';
import { obj } from './util.js';

const ID = 'remove-anonymous-subjects';
const RBAC_GROUP = 'rbac.authorization.k8s.io';

/** The subjects every request without credentials is: what a binding to them grants, anyone who can reach the API server has. */
function anonymous(subject: unknown): string | undefined {
  const s = obj(subject);
  if (s.kind === 'Group' && s.name === 'system:unauthenticated') return 'Group system:unauthenticated';
  if (s.kind === 'User' && s.name === 'system:anonymous') return 'User system:anonymous';
  return undefined;
}

export default defineTransform({
  id: ID,
  summary: 'Remove the anonymous subjects (Group system:unauthenticated, User system:anonymous) from RoleBindings and ClusterRoleBindings',
  reason:
    'A role bound to system:unauthenticated or system:anonymous is granted to every request that carries no credentials: anyone who can reach the API server has it. Nothing an app deploys should need that.',
  docs: 'https://kubernetes.io/docs/reference/access-authn-authz/rbac/#user-facing-roles',
  scope: 'resource',
  reads: [{ group: 'rbac.authorization.k8s.io', kinds: ['RoleBinding', 'ClusterRoleBinding'] }],
  example: 'anonymous-removed',
  options: {},
  messages: {
    anonymousSubjectRemoved: {
      severity: 'warning',
      title: 'anonymous subject removed from a binding',
      help: 'Requests without credentials no longer get the role. If something really must call the API anonymously (a public health or discovery endpoint), grant that one nonResourceURL in a role of its own and exempt the binding with the annotation kharden.dev/skip: remove-anonymous-subjects.',
    },
    bindingLeftWithoutSubjects: {
      severity: 'error',
      title: 'binding granted its role only to anonymous subjects',
      help: 'Its only subjects were anonymous, so after their removal it grants the role to no one. Delete the binding, or bind the role to the users, groups or service accounts that need it.',
    },
  },
  run(target, ctx) {
    const r = target.resource;
    const group = typeof r.apiVersion === 'string' && r.apiVersion.includes('/') ? r.apiVersion.split('/')[0] : '';
    if (group !== RBAC_GROUP || (r.kind !== 'RoleBinding' && r.kind !== 'ClusterRoleBinding')) return;
    if (!Array.isArray(r.subjects)) return;
    const found = r.subjects.map((s, i) => ({ i, what: anonymous(s) })).filter((x): x is { i: number; what: string } => x.what !== undefined);
    if (found.length === 0) return;
    const roleRef = obj(r.roleRef);
    const role = `${typeof roleRef.kind === 'string' ? roleRef.kind : 'role'} ${typeof roleRef.name === 'string' ? roleRef.name : '?'}`;
    const name = `${r.kind} ${target.ref.namespace ? `${target.ref.namespace}/` : ''}${target.ref.name ?? '(unnamed)'}`;
    const what = found.map((f) => f.what).join(' and ');
    const why = `${what} is every request without credentials: binding ${role} to it grants the role to anyone who can reach the API server`;
    if (found.length === r.subjects.length) {
      // No subject left: the key goes (subjects is optional; an empty list says the same).
      ctx.remove('/subjects', why);
      ctx.report({ code: 'bindingLeftWithoutSubjects', path: '/subjects', message: `${name} bound ${role} only to ${what}; removed, so it now grants the role to no one: delete it or give it real subjects` });
      return;
    }
    // From the last to the first, so the indices of those still to remove do not move.
    for (const f of [...found].reverse()) ctx.remove(`/subjects/${f.i}`, why);
    ctx.report({ code: 'anonymousSubjectRemoved', path: '/subjects', message: `${name}: removed ${what} from the subjects of its binding to ${role}` });
  },
});
