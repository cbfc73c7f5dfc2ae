import type { Finding, Json, Target, Transform } from '../src/core/types.js';
import { containersOf, isPlainObject, listAt, mapAt } from './util.js';
import { isSkipped } from './util.js';
import { SYSCTLS_ALLOWED } from '../src/pss/checks.js';

const ID = 'report-unfixable';
const PRIVILEGED_NS = 'run it in a namespace labelled pod-security.kubernetes.io/enforce: privileged and exempt the workload with kharden.dev/skip: report-unfixable';

/** Volume sources the restricted level allows (upstream restrictedVolumes, `image` since 1.31). */
const ALLOWED_VOLUMES = new Set(['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'image', 'persistentVolumeClaim', 'projected', 'secret']);


const HOST_NAMESPACES: [field: string, code: string, what: string, instead: string][] = [
  ['hostNetwork', 'hostNetworkUnfixable', "the node's network namespace: it can see and bind every node interface and reach node-local services", 'If the pod only needs to be reachable, remove hostNetwork and expose it through a Service'],
  ['hostPID', 'hostPIDUnfixable', "the node's process namespace: it can see (and, as root, signal or trace) every process on the node", "If its containers only need to see each other's processes, replace it with shareProcessNamespace: true"],
  ['hostIPC', 'hostIPCUnfixable', "the node's IPC namespace: it can read and write shared memory of every process on the node", 'The containers of one pod already share an IPC namespace: remove hostIPC unless the app talks to processes on the node'],
];

const transform: Transform<{}> = {
  id: ID,
  summary: 'Report what kharden cannot fix: host namespaces, hostPath and other restricted volumes, hostPorts, unsafe sysctls, Windows HostProcess, probe hosts',
  reason:
    'These settings are what the app is for (node agents, storage drivers) or need a design change; removing them would break the workload, so each is reported with what to do instead.',
  docs: 'https://kubernetes.io/docs/concepts/security/pod-security-standards/',
  scope: 'podTemplate',
  defaults: {},
  run(target: Target) {
    const findings: Finding[] = [];
    const t = target.template!;
    // Whole-workload skips never reach here (the engine does not run a skipped transform).
    const skip = { workload: false, container: (name: string) => isSkipped(target, name) };
    if (skip.workload) return { edits: [], findings };
    const spec = mapAt(t, '/spec');

    for (const [field, code, what, instead] of HOST_NAMESPACES) {
      if (spec[field] !== true) continue;
      findings.push({
        code,
        severity: 'error',
        message: `${field}: true puts the pod in ${what}. Baseline forbids it. ${instead}; if it is a node agent, ${PRIVILEGED_NS}`,
        path: `/spec/${field}`,
        pssCheck: 'hostNamespaces',
      });
    }

    listAt(t, '/spec/volumes').forEach((v, i) => {
      if (!isPlainObject(v)) return;
      const name = typeof v.name === 'string' ? v.name : `#${i}`;
      // A volume with no source is defaulted to emptyDir by the API server.
      const sources = Object.keys(v).filter((k) => k !== 'name' && v[k] !== null);
      if (sources.length === 0 || sources.some((k) => ALLOWED_VOLUMES.has(k))) return;
      const source = sources[0];
      if (source === 'hostPath') {
        const hostPath = mapAt(v, '/hostPath').path;
        findings.push({
          code: 'hostPathVolumeUnfixable',
          severity: 'error',
          message:
            `volume ${name} mounts the node's ${typeof hostPath === 'string' ? hostPath : 'filesystem'} (hostPath); baseline forbids it. ` +
            `For scratch space use emptyDir, for data a persistentVolumeClaim, for config a configMap or secret; if it is a node agent, ${PRIVILEGED_NS}`,
          path: `/spec/volumes/${i}/hostPath`,
          pssCheck: 'hostPathVolumes',
        });
      }
      // At restricted, restrictedVolumes replaces hostPathVolumes, so a hostPath volume fails it too.
      findings.push({
        code: 'restrictedVolumeUnfixable',
        severity: 'error',
        message:
          `volume ${name} uses the ${source} volume type, which restricted does not allow (only ${[...ALLOWED_VOLUMES].join(', ')}). ` +
          (source === 'hostPath'
            ? 'See the hostPath finding for what to use instead'
            : source === 'gitRepo'
              ? 'Clone the repository in an init container into an emptyDir volume instead (gitRepo is deprecated)'
              : 'Provision the storage as a PersistentVolume and mount it through a persistentVolumeClaim (or a CSI driver), or run the workload at baseline'),
        path: `/spec/volumes/${i}/${source}`,
        pssCheck: 'restrictedVolumes',
      });
    });

    const sysctls = listAt(t, '/spec/securityContext/sysctls');
    sysctls.forEach((s, i) => {
      const name = isPlainObject(s) ? s.name : undefined;
      if (typeof name !== 'string' || SYSCTLS_ALLOWED.has(name)) return;
      findings.push({
        code: 'unsafeSysctlUnfixable',
        severity: 'error',
        message:
          `sysctl ${name} is not in the safe set baseline allows (it is not isolated to the pod, or can exhaust node resources). ` +
          `Set it on the nodes instead (node tuning, a privileged DaemonSet), or drop it; the kubelet also refuses it unless listed in --allowed-unsafe-sysctls`,
        path: `/spec/securityContext/sysctls/${i}/name`,
        pssCheck: 'sysctls',
      });
    });

    if (mapAt(t, '/spec/securityContext/windowsOptions').hostProcess === true) {
      findings.push(hostProcessFinding('the pod', '/spec/securityContext/windowsOptions/hostProcess'));
    }

    for (const c of containersOf(t)) {
      if (skip.container(c.name)) continue;
      if (mapAt(c.container, '/securityContext/windowsOptions').hostProcess === true) {
        findings.push(hostProcessFinding(`container ${c.name}`, `${c.path}/securityContext/windowsOptions/hostProcess`));
      }
      listAt(c.container, '/ports').forEach((p, j) => {
        const hostPort = isPlainObject(p) ? p.hostPort : undefined;
        if (typeof hostPort !== 'number' || hostPort === 0) return;
        findings.push({
          code: 'hostPortUnfixable',
          severity: 'error',
          message:
            `container ${c.name} binds hostPort ${hostPort} on the node; baseline forbids it. ` +
            `Remove hostPort and expose the port through a Service (ClusterIP, NodePort or LoadBalancer)`,
          path: `${c.path}/ports/${j}/hostPort`,
          pssCheck: 'hostPorts',
        });
      });
      for (const [where, handler] of handlers(c.container)) {
        for (const kind of ['httpGet', 'tcpSocket']) {
          const host = mapAt(handler, `/${kind}`).host;
          if (typeof host !== 'string' || host === '') continue;
          findings.push({
            code: 'probeHostUnfixable',
            severity: 'error',
            message:
              `container ${c.name} ${where} ${kind} targets host ${JSON.stringify(host)}; baseline forbids a host on probes and lifecycle handlers (they run from the kubelet, on the node). ` +
              `Remove host to target the pod's own IP, or use an exec handler`,
            path: `${c.path}/${where.replace('.', '/')}/${kind}/host`,
            pssCheck: 'hostProbesAndHostLifecycle',
          });
        }
      }
    }
    return { edits: [], findings };
  },
};

/** The probes and lifecycle handlers of a container, by their field path (`livenessProbe`, `lifecycle.postStart`). */
function handlers(c: Readonly<Record<string, Json>>): [string, Json][] {
  const out: [string, Json][] = [];
  for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) if (isPlainObject(c[probe])) out.push([probe, c[probe]]);
  const lc = mapAt(c, '/lifecycle');
  for (const hook of ['postStart', 'preStop']) if (isPlainObject(lc[hook])) out.push([`lifecycle.${hook}`, lc[hook]]);
  return out;
}

function hostProcessFinding(who: string, path: string): Finding {
  return {
    code: 'windowsHostProcessUnfixable',
    severity: 'error',
    message:
      `${who} sets windowsOptions.hostProcess: true: a Windows HostProcess container runs as a process on the node with its privileges, and baseline forbids it. ` +
      `kharden does not turn it off because a HostProcess pod must also use the host network and is built for it; ${PRIVILEGED_NS}`,
    path,
    pssCheck: 'windowsHostProcess',
  };
}


export default transform;
