/** Pod Security checks kharden reports instead of fixing: fixing them changes what the workload does. */
export const UNFIXABLE = new Set(['hostNamespaces', 'hostPathVolumes', 'restrictedVolumes', 'hostPorts', 'sysctls', 'windowsHostProcess', 'hostProbesAndHostLifecycle']);

/**
 * The checks a finding names: its pssCheck, and for a hostPath volume also restrictedVolumes
 * (which replaces hostPathVolumes at restricted): one finding per volume, not two.
 */
export function checksNamedBy(f: { code: string; pssCheck?: string }): string[] {
  return [...(f.pssCheck ? [f.pssCheck] : []), ...(f.code === 'hostPathVolumeUnfixable' ? ['restrictedVolumes'] : [])];
}
