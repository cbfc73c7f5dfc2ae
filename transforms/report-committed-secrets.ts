import { defineTransform } from '../src/core/types.js';
import { isPlainObject } from './util.js';

const ID = 'report-committed-secrets';

/** Keys that hold something: an empty value is a placeholder, not a secret. */
function filledKeys(v: unknown): number {
  if (!isPlainObject(v)) return 0;
  return Object.values(v).filter((x) => x !== null && x !== undefined && x !== '').length;
}

export default defineTransform({
  id: ID,
  summary: 'Report Secret objects whose values are written in the manifests (data, stringData); never prints a value',
  reason:
    'A Secret in a manifest is a secret in every clone of the repository, every CI log that prints the manifests and every rendered chart: base64 in data is an encoding, not encryption. Keep the values out of the manifests and let the cluster fetch or decrypt them.',
  docs: 'https://kubernetes.io/docs/concepts/security/secrets-good-practices/',
  scope: 'resource',
  reads: [{ group: '', kinds: ['Secret'] }],
  options: {},
  messages: {
    secretValuesInManifest: {
      severity: 'info',
      title: 'Secret values written in the manifests',
      help: 'Anyone who can read these manifests can read the values (base64 is not encryption). Keep them out of the repository: Sealed Secrets or SOPS (encrypted in git), the External Secrets Operator or the Secrets Store CSI driver (fetched from a vault), or a Secret created at deploy time. kharden never prints the values.',
    },
  },
  run(target, ctx) {
    const r = target.resource;
    if (r.kind !== 'Secret' || r.apiVersion !== 'v1') return;
    const data = filledKeys(r.data);
    const stringData = filledKeys(r.stringData);
    if (data + stringData === 0) return;
    // Counts and field names only: a key name can be as telling as its value, and values are never printed.
    const parts = [data ? `${data} value${data > 1 ? 's' : ''} in data` : '', stringData ? `${stringData} value${stringData > 1 ? 's' : ''} in stringData` : ''].filter(Boolean);
    ctx.report({
      code: 'secretValuesInManifest',
      message: `Secret ${target.ref.namespace ? `${target.ref.namespace}/` : ''}${target.ref.name ?? '?'} holds ${parts.join(' and ')}, readable by anyone who can read these manifests`,
      path: data ? '/data' : '/stringData',
    });
  },
});
