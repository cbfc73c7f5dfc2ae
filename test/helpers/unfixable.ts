/** Pod Security checks kharden reports instead of fixing: fixing them changes what the workload does. */
export const UNFIXABLE = new Set(['hostNamespaces', 'hostPathVolumes', 'restrictedVolumes', 'hostPorts', 'sysctls', 'windowsHostProcess', 'hostProbesAndHostLifecycle']);

/**
 * Finding codes by which a transform says it kept something on purpose, because changing it would
 * break the workload (a container whose commands need root, or whose image's entrypoint must own
 * the volume mounted on its data directory, keeps its user and then its capabilities): the check the finding
 * names may still fail after hardening.
 */
export const KEPT_ON_PURPOSE = new Set(['commandNeedsRoot', 'entrypointNeedsRoot', 'capabilitiesKeptForRoot']);

/**
 * The checks a finding names: its pssCheck, and for a hostPath volume also restrictedVolumes
 * (which replaces hostPathVolumes at restricted): one finding per volume, not two.
 */
export function checksNamedBy(f: { code: string; pssCheck?: string }): string[] {
  return [...(f.pssCheck ? [f.pssCheck] : []), ...(f.code === 'hostPathVolumeUnfixable' ? ['restrictedVolumes'] : [])];
}
