import { defineTransform } from '../src/core/types.js';
import { mapAt, str } from './util.js';

const ID = 'disable-service-account-token';

export default defineTransform({
  id: ID,
  summary: 'Stop mounting the default service account\'s API token into pods (automountServiceAccountToken: false)',
  reason:
    'Every pod gets a token for its service account unless told otherwise; with the namespace\'s default account that token is of no use to most apps but lets anyone who compromises the pod call the Kubernetes API.',
  docs: 'https://kubernetes.io/docs/tasks/configure-pod-container/configure-service-account/#opt-out-of-api-credential-automounting',
  scope: 'podTemplate',
  options: {},
  messages: {
    serviceAccountFieldDeprecated: { severity: 'info', title: 'spec.serviceAccount is deprecated' },
    defaultServiceAccountTokenMounted: {
      severity: 'warning',
      title: "default service account's token mounted explicitly",
      help: 'If the app does not call the Kubernetes API, set automountServiceAccountToken: false; if it does, give it its own service account with only the permissions it needs.',
    },
    serviceAccountTokenReview: { severity: 'info', title: 'service account token mounted', help: 'If the app does not call the Kubernetes API, set automountServiceAccountToken: false on the pod or its service account.' },
  },
  run(target, ctx) {
    const t = target.template;
    const spec = mapAt(t, '/spec');
    // serviceAccountName wins; the deprecated serviceAccount is read when it is empty (as the API server does).
    const name = str(spec.serviceAccountName) || str(spec.serviceAccount) || 'default';
    const automount = spec.automountServiceAccountToken;
    if (str(spec.serviceAccount) && !str(spec.serviceAccountName)) {
      ctx.report({
        code: 'serviceAccountFieldDeprecated',
        message: `spec.serviceAccount is a deprecated alias; use serviceAccountName: ${str(spec.serviceAccount)}`,
        path: '/spec/serviceAccount',
      });
    }
    if (name === 'default') {
      if (automount === true) {
        ctx.report({
          code: 'defaultServiceAccountTokenMounted',
          message: 'the pod runs as the namespace\'s default service account and explicitly mounts its API token (automountServiceAccountToken: true); left as asked',
          path: '/spec/automountServiceAccountToken',
        });
      } else {
        ctx.set('/spec/automountServiceAccountToken', false,
          'the pod uses the namespace\'s default service account, whose API token most apps never use; not mounting it keeps a compromised pod from calling the API. An app that needs the API should get its own service account (an explicit automountServiceAccountToken: true is left alone)');
      }
    } else if (automount !== false) {
      ctx.report({
        code: 'serviceAccountTokenReview',
        message: `the pod runs as service account ${name}, ${automount === true ? 'with its token mounted explicitly' : 'so its token is mounted unless that account sets automountServiceAccountToken: false'}; left as is`,
        path: '/spec',
      });
    }
  },
});
