/**
 * Every `kharden.dev/` annotation kharden reads, in one table: the engine warns about any other
 * key under the prefix (a typo must not silently harden), and `kharden --help` and `kharden
 * explain` list them from here.
 */

export interface AnnotationSpec {
  key: string;
  /** Also read as `<key>.<container>`, for one container. */
  perContainer?: boolean;
  /** The transform that reads it; absent for the engine's own. */
  transform?: string;
  description: string;
}

export const ANNOTATIONS: readonly AnnotationSpec[] = [
  { key: 'kharden.dev/skip', perContainer: true, description: 'transform ids (comma-separated, or "all") not to run on this workload (or on one container)' },
  { key: 'kharden.dev/run-as-user', transform: 'run-as-non-root', description: 'the UID run-as-non-root uses instead of the profile\'s or the known image\'s' },
  { key: 'kharden.dev/run-as-group', transform: 'run-as-non-root', description: 'the GID run-as-non-root uses' },
  { key: 'kharden.dev/writable-paths', perContainer: true, transform: 'read-only-root-filesystem', description: 'extra paths (comma-separated) that get an emptyDir under a read-only root filesystem' },
  { key: 'kharden.dev/pod-security', transform: 'set-pod-security-labels', description: 'on a Namespace, "keep": its Pod Security level labels are kept even where weaker than the profile\'s (missing ones are still added)' },
];

/** The keys as the engine matches them: `.*` at the end stands for a container name. */
export function annotationKeys(): string[] {
  return ANNOTATIONS.flatMap((a) => (a.perContainer ? [a.key, `${a.key}.*`] : [a.key]));
}
