import type { FindingInput, JsonObject } from '../src/core/types.js';
import { defineTransform } from '../src/core/types.js';
import { DefaultAccountBindings, describeBindings } from './data/rbac.js';
import { isPlainObject, obj, str, valueAt } from './util.js';

const ID = 'disable-service-account-token';

const where = (ns: string) => (ns === '' ? 'the namespace the manifests are applied to' : `namespace ${ns}`);

/** The projected serviceAccountToken volume the pod mounts, if any: it asks for a token explicitly. */
function projectedTokenVolume(spec: JsonObject): string | undefined {
  for (const v of Array.isArray(spec.volumes) ? spec.volumes : []) {
    const sources = obj(obj(v).projected).sources;
    if (Array.isArray(sources) && sources.some((s) => obj(s).serviceAccountToken !== undefined)) return str(obj(v).name) ?? '?';
  }
  return undefined;
}

export default defineTransform({
  id: ID,
  summary: 'Stop mounting the default service account\'s API token into pods (automountServiceAccountToken: false)',
  reason:
    'Every pod gets a token for its service account unless told otherwise; with the namespace\'s default account that token is of no use to most apps but lets anyone who compromises the pod call the Kubernetes API.',
  docs: 'https://kubernetes.io/docs/tasks/configure-pod-container/configure-service-account/#opt-out-of-api-credential-automounting',
  // Stream: whether the default account's token is of use depends on the bindings of the run.
  scope: 'stream',
  // Workloads, and the bindings that give a default account a role.
  reads: ['workloads', { group: 'rbac.authorization.k8s.io', kinds: ['RoleBinding', 'ClusterRoleBinding'] }],
  options: {},
  messages: {
    serviceAccountFieldDeprecated: { severity: 'info', title: 'spec.serviceAccount is deprecated' },
    defaultServiceAccountTokenMounted: {
      severity: 'warning',
      title: "default service account's token mounted explicitly",
      help: 'If the app does not call the Kubernetes API, set automountServiceAccountToken: false; if it does, give it its own service account with only the permissions it needs.',
    },
    defaultAccountHasRoles: {
      severity: 'warning',
      title: 'default service account has roles: token left mounted',
      help: 'The input binds a role to the namespace\'s default service account (or to a group of accounts it is in), so a pod running as it may call the API with that role, and its token is left mounted. Give the app its own ServiceAccount with the role bound to it, or, if it never calls the API, set automountServiceAccountToken: false yourself.',
    },
    serviceAccountTokenReview: { severity: 'info', title: 'service account token mounted', help: 'If the app does not call the Kubernetes API, set automountServiceAccountToken: false on the pod or its service account.' },
  },
  run(target, ctx) {
    const bindings = new DefaultAccountBindings(target.resources);
    for (const r of target.resources) {
      if (r.generated) continue;
      if (r.templatePaths.length === 0) continue;
      const on = ctx.on(r);
      // Exempted: its edits are not applied (the engine reports them as skipped), and it gets no findings.
      const report = (f: FindingInput) => {
        if (!r.exempt) on.report(f);
      };
      for (const tp of r.templatePaths) {
        const template = tp === '' ? r.value : valueAt(r.value, tp);
        const rawSpec = isPlainObject(template) ? template.spec : undefined;
        // A spec that is not a map is refused by the API server (and by the per-pod transforms).
        if (rawSpec !== undefined && rawSpec !== null && !isPlainObject(rawSpec)) continue;
        const spec = obj(rawSpec);
        const at = `${tp}/spec`;
        // serviceAccountName wins; the deprecated serviceAccount is read when it is empty (as the API server does).
        const name = str(spec.serviceAccountName) || str(spec.serviceAccount) || 'default';
        const automount = spec.automountServiceAccountToken;
        if (str(spec.serviceAccount) && !str(spec.serviceAccountName)) {
          report({
            code: 'serviceAccountFieldDeprecated',
            message: `spec.serviceAccount is a deprecated alias; use serviceAccountName: ${str(spec.serviceAccount)}`,
            path: `${at}/serviceAccount`,
          });
        }
        if (name !== 'default') {
          if (automount !== false) {
            report({
              code: 'serviceAccountTokenReview',
              message: `the pod runs as service account ${name}, ${automount === true ? 'with its token mounted explicitly' : 'so its token is mounted unless that account sets automountServiceAccountToken: false'}; left as is`,
              path: at,
            });
          }
          continue;
        }
        if (automount === false) continue;
        if (automount === true) {
          report({
            code: 'defaultServiceAccountTokenMounted',
            message: 'the pod runs as the namespace\'s default service account and explicitly mounts its API token (automountServiceAccountToken: true); left as asked',
            path: `${at}/automountServiceAccountToken`,
          });
          continue;
        }
        const projected = projectedTokenVolume(spec);
        if (projected !== undefined) {
          report({
            code: 'defaultServiceAccountTokenMounted',
            message: `the pod runs as the namespace's default service account and mounts a projected token of it (volume ${projected}), so it asks for a token explicitly; automountServiceAccountToken left unset`,
            path: at,
          });
          continue;
        }
        const ns = r.ref.namespace ?? '';
        const bound = bindings.of(ns);
        if (bound.length) {
          report({
            code: 'defaultAccountHasRoles',
            message: `the pod runs as the default service account of ${where(ns)}, which ${describeBindings(bound)} bind${bound.length === 1 ? 's' : ''} to a role: its API token is left mounted, as the app may use that role`,
            path: at,
          });
          continue;
        }
        on.set(`${at}/automountServiceAccountToken`, false,
          'the pod uses the namespace\'s default service account, whose API token most apps never use; not mounting it keeps a compromised pod from calling the API. An app that needs the API should get its own service account (an explicit automountServiceAccountToken: true is left alone)');
      }
    }
  },
});
