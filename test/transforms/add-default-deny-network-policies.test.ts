import { describe, expect, test } from 'vitest';
import transform, { policyName, policyTypes, selectorMatches, selectsEveryPod } from '../../transforms/add-default-deny-network-policies.js';
import { chainOf, harden, runTransformFixtures } from '../helpers/harness.js';

runTransformFixtures(transform);

describe('add-default-deny-network-policies: what the warning says is still blocked', () => {
  const input = `
apiVersion: apps/v1
kind: Deployment
metadata: {name: controller, namespace: ops}
spec:
  template:
    metadata: {labels: {app: controller}}
    spec:
      serviceAccountName: controller
      containers: [{name: c, image: example/controller:1}]
---
apiVersion: v1
kind: Service
metadata: {name: webhook, namespace: ops}
spec:
  selector: {app: controller}
  ports: [{port: 443, targetPort: 9443}]
---
apiVersion: v1
kind: Service
metadata: {name: public, namespace: ops}
spec:
  type: LoadBalancer
  selector: {app: controller}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata: {name: ops-validator}
webhooks:
- name: validate.ops.example.com
  clientConfig:
    service: {name: webhook, namespace: ops, path: /validate}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: dashboard, namespace: ops}
spec:
  rules:
  - http:
      paths:
      - path: /
        pathType: Prefix
        backend: {service: {name: public, port: {number: 80}}}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: controller}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: controller}
subjects:
- {kind: ServiceAccount, name: controller, namespace: ops}
`;

  test('names the Services reached from outside, the webhook, and the API clients', () => {
    const result = harden(input, chainOf(transform));
    const warning = result.runFindings.find((f) => f.code === 'defaultDenyNeedsAllows');
    expect(warning?.resource).toMatchObject({ kind: 'NetworkPolicy', namespace: 'ops', name: 'kharden-default-deny' });
    expect(warning?.message).toBe(
      'namespace ops now denies ingress and egress by default; allowed: DNS; egress inside the namespace; ingress from the namespace to Service webhook, public; ' +
        'still to allow: ingress from outside the cluster to Service public (LoadBalancer); ingress to Service webhook from the API server (ValidatingWebhookConfiguration ops-validator); ' +
        'ingress to Service public from Ingress dashboard; ingress from other namespaces; egress to the API server for Deployment controller (its ServiceAccount has RBAC bindings); egress to other namespaces and outside the cluster',
    );
    expect(result.generated.map((g) => g.ref.name)).toEqual(['kharden-default-deny', 'kharden-allow-dns', 'kharden-allow-namespace-egress', 'kharden-allow-webhook', 'kharden-allow-public']);
    for (const g of result.generated) expect(g.value.metadata).toMatchObject({ namespace: 'ops', labels: { 'app.kubernetes.io/managed-by': 'kharden' } });
  });

  test('a second run over the input and the generated policies reports no new default deny', () => {
    const first = harden(input, chainOf(transform));
    const again = harden(`${input}\n---\n${first.generated.map((g) => JSON.stringify(g.value)).join('\n---\n')}\n`, chainOf(transform));
    expect(again.generated).toEqual([]);
    expect(again.edits).toEqual([]);
    expect(again.runFindings.map((f) => f.code)).toEqual([]);
  });
});

describe('policy helpers', () => {
  test.each([
    [{}, ['Ingress']],
    [{ egress: [] }, ['Ingress']],
    [{ egress: [{}] }, ['Ingress', 'Egress']],
    [{ policyTypes: ['Egress'], ingress: [{}] }, ['Egress']],
    [{ policyTypes: [] , egress: [{}] }, ['Ingress', 'Egress']],
  ])('policyTypes of %j is %j (API server defaulting)', (spec, types) => expect([...policyTypes(spec as any)]).toEqual(types));

  test.each([
    [undefined, true],
    [null, true],
    [{}, true],
    [{ matchLabels: {} }, true],
    [{ matchLabels: {}, matchExpressions: [] }, true],
    [{ matchLabels: { app: 'web' } }, false],
    [{ matchExpressions: [{ key: 'app', operator: 'Exists' }] }, false],
  ])('selectsEveryPod(%j) is %s', (selector, every) => expect(selectsEveryPod(selector as any)).toBe(every));

  test.each([
    [{ matchLabels: { app: 'web' } }, { app: 'web', tier: 'x' }, true],
    [{ matchLabels: { app: 'web' } }, { app: 'db' }, false],
    [{ matchExpressions: [{ key: 'app', operator: 'In', values: ['web', 'api'] }] }, { app: 'api' }, true],
    [{ matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['web'] }] }, {}, true],
    [{ matchExpressions: [{ key: 'app', operator: 'Exists' }] }, { app: '' }, true],
    [{ matchExpressions: [{ key: 'app', operator: 'DoesNotExist' }] }, { app: 'web' }, false],
    [{ matchExpressions: [{ key: 'app', operator: 'Bogus' }] }, { app: 'web' }, false],
  ])('selector %j on %j: %s', (selector, labels, matches) => expect(selectorMatches(selector as any, labels)).toBe(matches));

  test('names: kept when valid, else cleaned, cut to 63 and told apart by a hash', () => {
    expect(policyName('kharden-allow-web')).toBe('kharden-allow-web');
    const long = policyName(`kharden-allow-${'a'.repeat(63)}`);
    expect(long).toMatch(/^kharden-allow-a+-[0-9a-z]{7}$/);
    expect(long.length).toBeLessThanOrEqual(63);
    expect(policyName(`kharden-allow-${'a'.repeat(62)}b`)).not.toBe(long);
    expect(policyName('kharden-allow-Web_UI')).toMatch(/^kharden-allow-web-ui-[0-9a-z]{7}$/);
    expect(policyName('kharden-allow-dns', true)).toMatch(/^kharden-allow-dns-[0-9a-z]{7}$/);
  });
});
