import { defineTransform } from '../src/core/types.js';
import { containersOf, mapAt } from './util.js';

/** Fields the API server rejects on a pod whose spec.os.name is windows (they mean nothing there). */
const POD_LINUX_FIELDS = ['seLinuxOptions', 'seccompProfile', 'appArmorProfile', 'fsGroup', 'fsGroupChangePolicy', 'sysctls', 'runAsUser', 'runAsGroup', 'supplementalGroups', 'supplementalGroupsPolicy', 'seLinuxChangePolicy'];
const CONTAINER_LINUX_FIELDS = ['seLinuxOptions', 'seccompProfile', 'appArmorProfile', 'capabilities', 'readOnlyRootFilesystem', 'privileged', 'allowPrivilegeEscalation', 'procMount', 'runAsUser', 'runAsGroup'];

export default defineTransform({
  id: 'set-windows-pod-os',
  summary: 'Mark pods that run on Windows nodes (by nodeSelector or node affinity) with spec.os.name: windows',
  reason:
    'Pod Security admission and the API server know a pod is a Windows pod only from spec.os.name; without it, a pod pinned to Windows nodes is judged by the Linux-only checks (seccomp, capabilities, privilege escalation) it can never meet, and nothing stops Linux-only fields being added to it.',
  docs: 'https://kubernetes.io/docs/concepts/windows/user-guide/#pod-os-field',
  scope: 'podTemplate',
  options: {},
  messages: {
    windowsOsNotSet: {
      severity: 'warning',
      title: 'Windows pod with Linux-only fields',
      help: 'The pod is pinned to Windows nodes but sets fields the API server rejects once spec.os.name is windows, so kharden did not set it. Remove those fields (they have no effect on Windows) and set spec.os.name: windows.',
    },
  },
  run(target, ctx) {
    const t = target.template;
    const os = mapAt(t, '/spec/os');
    if (!target.pod.windows || os.name === 'windows') return;
    if (os.name !== undefined && os.name !== null) return; // spec.os.name says something else: the user's word stands
    const linux: string[] = [];
    const podSc = mapAt(t, '/spec/securityContext');
    for (const f of POD_LINUX_FIELDS) if (podSc[f] !== undefined && podSc[f] !== null) linux.push(`spec.securityContext.${f}`);
    if (mapAt(t, '/spec').hostUsers !== undefined) linux.push('spec.hostUsers');
    if (mapAt(t, '/spec').shareProcessNamespace === true) linux.push('spec.shareProcessNamespace');
    for (const c of containersOf(t)) {
      const sc = mapAt(c.container, '/securityContext');
      for (const f of CONTAINER_LINUX_FIELDS) if (sc[f] !== undefined && sc[f] !== null) linux.push(`${c.name}: securityContext.${f}`);
    }
    if (linux.length) {
      ctx.report({ code: 'windowsOsNotSet', message: `pinned to Windows nodes, but sets Linux-only fields (${linux.join(', ')}); spec.os.name not set`, path: '/spec' });
      return;
    }
    ctx.set('/spec/os/name', 'windows', 'the pod runs on Windows nodes (nodeSelector or node affinity on kubernetes.io/os): spec.os.name tells the API server and Pod Security admission, which then apply the Windows rules');
  },
});
