/** What the corpus suites share about ../shared/corpus/real. */

/**
 * Files of ../shared/corpus/real that are not valid YAML (the corpus README names them), relative
 * to it, with what kharden's error must say. A run that includes one refuses every file.
 */
export const INVALID: Record<string, RegExp> = {
  'argo-cd/reposerver/repository/testdata/invalid-json/invalid.json': /Flow sequence/,
  'argo-cd/reposerver/repository/testdata/invalid-manifests/bad.yaml': /unrendered Helm\/Go template/,
  'argo-cd/reposerver/repository/testdata/invalid-manifests-skipped/bad.yaml': /unrendered Helm\/Go template/,
  'argo-cd/reposerver/repository/testdata/json-list/list.json': /NDJSON/,
  'argo-cd/reposerver/repository/testdata/utf-16/utf-16.yaml': /UTF-16/,
  // kubectl accepts this multi-line single-quoted scalar; the yaml package (YAML 1.2 rules) does not.
  'kubernetes-dashboard/hack/test-resources/init-container-error-pod.yaml': /Missing closing 'quote/,
  'kubernetes-examples/_archived/newrelic/newrelic-config-template.yaml': /unrendered template placeholder/,
  'kubernetes-examples/_archived/newrelic-infrastructure/newrelic-config-template.yaml': /unrendered template placeholder/,
  'kubernetes-examples/_archived/openshift-origin/etcd-controller.yaml': /duplicate keys/,
  'kubernetes-examples/_archived/openshift-origin/etcd-discovery-controller.yaml': /duplicate keys/,
  'kubernetes-examples/_archived/openshift-origin/openshift-controller.yaml': /duplicate keys/,
  'kubernetes-examples/_archived/persistent-volume-provisioning/quobyte/quobyte-admin-secret.yaml': /duplicate keys/,
  'kubernetes-examples/_archived/storage/vitess/etcd-controller-template.yaml': /unrendered template placeholder/,
  'kubernetes-examples/_archived/storage/vitess/etcd-service-template.yaml': /unrendered template placeholder/,
  'kubernetes-examples/_archived/storage/vitess/vtgate-controller-template.yaml': /unrendered template placeholder/,
  'kubernetes-examples/_archived/volumes/scaleio/sc-pvc.yaml': /duplicate keys/,
  'local-path-provisioner/examples/quota/local-path-storage.yaml': /duplicate keys/,
  'metrics-server/charts/metrics-server/templates/apiservice.yaml': /unrendered Helm\/Go template/,
  'metrics-server/charts/metrics-server/templates/deployment.yaml': /unrendered Helm\/Go template/,
  'metrics-server/charts/metrics-server/templates/service.yaml': /unrendered Helm\/Go template/,
};
