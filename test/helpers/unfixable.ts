/** Pod Security checks kharden reports instead of fixing: fixing them changes what the workload does. */
export const UNFIXABLE = new Set(['hostNamespaces', 'hostPathVolumes', 'restrictedVolumes', 'hostPorts', 'sysctls', 'windowsHostProcess', 'hostProbesAndHostLifecycle']);
