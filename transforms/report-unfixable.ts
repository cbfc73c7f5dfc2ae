import type { FindingInput, Json, MessageSpec } from '../src/core/types.js';
import { defineTransform } from '../src/core/types.js';
import { containersOf, isPlainObject, listAt, mapAt } from './util.js';
import { SYSCTLS_ALLOWED } from '../src/pss/checks.js';

const ID = 'report-unfixable';
/** The exemption that actually lets such a pod run: Pod Security admission's own, per namespace. */
const PRIVILEGED_NS = 'If it is a node agent, run it in a namespace labelled pod-security.kubernetes.io/enforce: privileged (Pod Security admission rejects it anywhere stricter).';

/** Volume sources the restricted level allows (upstream restrictedVolumes, `image` since 1.31). */
const ALLOWED_VOLUMES = new Set(['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'image', 'persistentVolumeClaim', 'projected', 'secret']);


const HOST_NAMESPACES: [field: string, code: string, what: string, instead: string][] = [
  ['hostNetwork', 'hostNetworkUnfixable', "the node's network namespace: it can see and bind every node interface and reach node-local services", 'If the pod only needs to be reachable, remove hostNetwork and expose it through a Service.'],
  ['hostPID', 'hostPIDUnfixable', "the node's process namespace: it can see (and, as root, signal or trace) every process on the node", "If its containers only need to see each other's processes, replace it with shareProcessNamespace: true."],
  ['hostIPC', 'hostIPCUnfixable', "the node's IPC namespace: it can read and write shared memory of every process on the node", 'The containers of one pod already share an IPC namespace: remove hostIPC unless the app talks to processes on the node.'],
];

const messages: Record<string, MessageSpec> = {
  ...Object.fromEntries(HOST_NAMESPACES.map(([field, code, what, instead]) => [code, { severity: 'error', title: `${field}: the pod shares ${what.split(':')[0]}`, help: `Baseline forbids it: the pod shares ${what}. ${instead} ${PRIVILEGED_NS}`, pssCheck: 'hostNamespaces' }])),
  hostPathVolumeUnfixable: {
    severity: 'error',
    title: "hostPath volume: the node's filesystem",
    help: `Baseline forbids it (and restricted allows only ${'configMap, csi, downwardAPI, emptyDir, ephemeral, image, persistentVolumeClaim, projected, secret'} volumes). For scratch space use emptyDir, for data a persistentVolumeClaim, for config a configMap or secret. ${PRIVILEGED_NS}`,
    pssCheck: 'hostPathVolumes',
  },
  restrictedVolumeUnfixable: {
    severity: 'error',
    title: 'volume type not allowed by restricted',
    help: 'Provision the storage as a PersistentVolume and mount it through a persistentVolumeClaim (or a CSI driver), or run the workload at baseline. gitRepo (deprecated): clone the repository in an init container into an emptyDir instead.',
    pssCheck: 'restrictedVolumes',
  },
  unsafeSysctlUnfixable: {
    severity: 'error',
    title: 'unsafe sysctl',
    help: `Baseline allows only namespaced, safe sysctls. Set it on the nodes instead (node tuning, a privileged DaemonSet), or drop it; the kubelet also refuses it unless listed in --allowed-unsafe-sysctls. ${PRIVILEGED_NS}`,
    pssCheck: 'sysctls',
  },
  windowsHostProcessUnfixable: {
    severity: 'error',
    title: 'Windows HostProcess container',
    help: `It runs as a process on the node with its privileges; baseline forbids it. kharden does not turn it off because a HostProcess pod must also use the host network and is built for it. ${PRIVILEGED_NS}`,
    pssCheck: 'windowsHostProcess',
  },
  hostPortUnfixable: {
    severity: 'error',
    title: 'hostPort',
    help: `Baseline forbids binding a port on the node. Remove hostPort and expose the port through a Service (ClusterIP, NodePort or LoadBalancer). ${PRIVILEGED_NS}`,
    pssCheck: 'hostPorts',
  },
  probeHostUnfixable: {
    severity: 'error',
    title: 'probe or lifecycle handler targets a host',
    help: "Probes and lifecycle handlers run from the kubelet, on the node; baseline forbids naming a host there. Remove host to target the pod's own IP, or use an exec handler.",
    pssCheck: 'hostProbesAndHostLifecycle',
  },
};

export default defineTransform({
  id: ID,
  summary: 'Report what kharden cannot fix: host namespaces, hostPath and other restricted volumes, hostPorts, unsafe sysctls, Windows HostProcess, probe hosts',
  reason:
    'These settings are what the app is for (node agents, storage drivers) or need a design change; removing them would break the workload, so each is reported with what to do instead.',
  docs: 'https://kubernetes.io/docs/concepts/security/pod-security-standards/',
  scope: 'podTemplate',
  options: {},
  messages,
  run(target, ctx) {
    const findings = { push: (f: FindingInput) => ctx.report(f) };
    const t = target.template;
    const exempt = (name: string) => target.pod.exemptContainers.includes(name);
    const spec = mapAt(t, '/spec');

    for (const [field, code] of HOST_NAMESPACES) {
      if (spec[field] !== true) continue;
      findings.push({
        code,
        message: `${field}: true shares the node's ${field.slice(4) === 'Network' ? 'network' : field.slice(4)} namespace`,
        path: `/spec/${field}`,
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
          message: `volume ${name} mounts the node's ${typeof hostPath === 'string' ? hostPath : 'filesystem'} (hostPath; restricted refuses it too)`,
          path: `/spec/volumes/${i}/hostPath`,
        });
      } else {
        // One finding per volume: a hostPath volume fails restrictedVolumes too, and its finding says so.
        findings.push({
          code: 'restrictedVolumeUnfixable',
          message: `volume ${name} uses the ${source} volume type, which restricted does not allow`,
          path: `/spec/volumes/${i}/${source}`,
        });
      }
    });

    const sysctls = listAt(t, '/spec/securityContext/sysctls');
    sysctls.forEach((s, i) => {
      const name = isPlainObject(s) ? s.name : undefined;
      if (typeof name !== 'string' || SYSCTLS_ALLOWED.has(name)) return;
      findings.push({
        code: 'unsafeSysctlUnfixable',
        message: `sysctl ${name} is not in the safe set baseline allows`,
        path: `/spec/securityContext/sysctls/${i}/name`,
      });
    });

    if (mapAt(t, '/spec/securityContext/windowsOptions').hostProcess === true) {
      findings.push(hostProcessFinding('the pod', '/spec/securityContext/windowsOptions/hostProcess'));
    }

    for (const c of containersOf(t)) {
      if (exempt(c.name)) continue;
      if (mapAt(c.container, '/securityContext/windowsOptions').hostProcess === true) {
        findings.push(hostProcessFinding(`container ${c.name}`, `${c.path}/securityContext/windowsOptions/hostProcess`));
      }
      listAt(c.container, '/ports').forEach((p, j) => {
        const hostPort = isPlainObject(p) ? p.hostPort : undefined;
        if (typeof hostPort !== 'number' || hostPort === 0) return;
        findings.push({
          code: 'hostPortUnfixable',
          message: `container ${c.name} binds hostPort ${hostPort} on the node`,
          path: `${c.path}/ports/${j}/hostPort`,
        });
      });
      for (const [where, handler] of handlers(c.container)) {
        for (const kind of ['httpGet', 'tcpSocket']) {
          const host = mapAt(handler, `/${kind}`).host;
          if (typeof host !== 'string' || host === '') continue;
          findings.push({
            code: 'probeHostUnfixable',
            message: `container ${c.name} ${where} ${kind} targets host ${JSON.stringify(host)}`,
            path: `${c.path}/${where.replace('.', '/')}/${kind}/host`,
          });
        }
      }
    }
  },
});

/** The probes and lifecycle handlers of a container, by their field path (`livenessProbe`, `lifecycle.postStart`). */
function handlers(c: Readonly<Record<string, Json>>): [string, Json][] {
  const out: [string, Json][] = [];
  for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) if (isPlainObject(c[probe])) out.push([probe, c[probe]]);
  const lc = mapAt(c, '/lifecycle');
  for (const hook of ['postStart', 'preStop']) if (isPlainObject(lc[hook])) out.push([`lifecycle.${hook}`, lc[hook]]);
  return out;
}

function hostProcessFinding(who: string, path: string): FindingInput {
  return { code: 'windowsHostProcessUnfixable', message: `${who} sets windowsOptions.hostProcess: true`, path };
}
