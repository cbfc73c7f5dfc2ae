import type { Edit, Finding, Target, Transform } from '../src/core/types.js';
import { ensure, mapAt, str } from './util.js';

const ID = 'disable-service-account-token';

const transform: Transform<{}> = {
  id: ID,
  summary: 'Stop mounting the default service account\'s API token into pods (automountServiceAccountToken: false)',
  reason:
    'Every pod gets a token for its service account unless told otherwise; with the namespace\'s default account that token is of no use to most apps but lets anyone who compromises the pod call the Kubernetes API.',
  docs: 'https://kubernetes.io/docs/tasks/configure-pod-container/configure-service-account/#opt-out-of-api-credential-automounting',
  scope: 'podTemplate',
  defaults: {},
  run(target: Target) {
    const edits: Edit[] = [];
    const findings: Finding[] = [];
    const t = target.template!;
    const spec = mapAt(t, '/spec');
    // serviceAccountName wins; the deprecated serviceAccount is read when it is empty (as the API server does).
    const name = str(spec.serviceAccountName) || str(spec.serviceAccount) || 'default';
    const automount = spec.automountServiceAccountToken;
    if (str(spec.serviceAccount) && !str(spec.serviceAccountName)) {
      findings.push({
        code: 'serviceAccountFieldDeprecated',
        severity: 'info',
        message: `spec.serviceAccount is a deprecated alias; use serviceAccountName: ${str(spec.serviceAccount)}`,
        path: '/spec/serviceAccount',
      });
    }
    if (name === 'default') {
      if (automount === true) {
        findings.push({
          code: 'defaultServiceAccountTokenMounted',
          severity: 'warning',
          message: 'the pod runs as the namespace\'s default service account and explicitly mounts its API token (automountServiceAccountToken: true); left as asked. If the app does not call the Kubernetes API, set it to false; if it does, give it its own service account with only the permissions it needs',
          path: '/spec/automountServiceAccountToken',
        });
      } else {
        edits.push(...ensure(t, '/spec/automountServiceAccountToken', false,
          'the pod uses the namespace\'s default service account, whose API token most apps never use; not mounting it keeps a compromised pod from calling the API. An app that needs the API should get its own service account (an explicit automountServiceAccountToken: true is left alone)'));
      }
    } else if (automount !== false) {
      findings.push({
        code: 'serviceAccountTokenReview',
        severity: 'info',
        message: `the pod runs as service account ${name}, ${automount === true ? 'with its token mounted explicitly' : 'so its token is mounted unless that account sets automountServiceAccountToken: false'}; left as is. If the app does not call the Kubernetes API, set automountServiceAccountToken: false`,
        path: '/spec',
      });
    }
    return { edits, findings };
  },
};
export default transform;
