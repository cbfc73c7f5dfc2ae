/**
 * Built-in transforms by id, loaded lazily so start-up only pays for the ones a profile names.
 * Every id here equals its file name (test/registry.test.ts checks it).
 */
import type { Transform } from '../src/core/types.js';

type Loader = () => Promise<{ default: Transform<any> }>;

export const BUILTIN_TRANSFORMS: Record<string, Loader> = {
  'set-windows-pod-os': () => import('./set-windows-pod-os.js'),
  'set-seccomp-runtime-default': () => import('./set-seccomp-runtime-default.js'),
  'disallow-privilege-escalation': () => import('./disallow-privilege-escalation.js'),
  'drop-all-capabilities': () => import('./drop-all-capabilities.js'),
  'disallow-privileged': () => import('./disallow-privileged.js'),
  'restrict-security-context': () => import('./restrict-security-context.js'),
  'read-only-root-filesystem': () => import('./read-only-root-filesystem.js'),
  'allow-unprivileged-low-ports': () => import('./allow-unprivileged-low-ports.js'),
  'report-unfixable': () => import('./report-unfixable.js'),
  'run-as-non-root': () => import('./run-as-non-root.js'),
  'set-memory-limits': () => import('./set-memory-limits.js'),
  'disable-service-account-token': () => import('./disable-service-account-token.js'),
  'set-pod-security-labels': () => import('./set-pod-security-labels.js'),
  'add-default-deny-network-policies': () => import('./add-default-deny-network-policies.js'),
  'mount-secrets-read-only': () => import('./mount-secrets-read-only.js'),
  'set-runtime-class': () => import('./set-runtime-class.js'),
  'check-image-references': () => import('./check-image-references.js'),
  'report-committed-secrets': () => import('./report-committed-secrets.js'),
  'limit-namespace-resources': () => import('./limit-namespace-resources.js'),
  'review-rbac': () => import('./review-rbac.js'),
  'remove-anonymous-subjects': () => import('./remove-anonymous-subjects.js'),
  'create-service-accounts': () => import('./create-service-accounts.js'),
};

export async function loadTransform(id: string): Promise<Transform<any> | undefined> {
  const loader = BUILTIN_TRANSFORMS[id];
  return loader ? (await loader()).default : undefined;
}
