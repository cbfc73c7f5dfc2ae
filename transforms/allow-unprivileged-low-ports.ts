import type { Edit, Finding, Json, Target, Transform } from '../src/core/types.js';
import { containersOf, ensure, isPlainObject, isWindowsPod, listAt, mapAt } from './util.js';

const ID = 'allow-unprivileged-low-ports';
const SYSCTL = 'net.ipv4.ip_unprivileged_port_start';


/**
 * Whether the container's processes run as a non-root user: runAsUser (container, else pod) is
 * set and not 0, or, when no runAsUser is set, runAsNonRoot (container, else pod) is true.
 */
function runsAsNonRoot(pod: Readonly<Record<string, Json>>, sc: Readonly<Record<string, Json>>): boolean {
  const uid = sc.runAsUser ?? pod.runAsUser;
  if (typeof uid === 'number') return uid !== 0;
  return (sc.runAsNonRoot ?? pod.runAsNonRoot) === true;
}

const transform: Transform<{}> = {
  id: ID,
  summary: 'Let non-root containers bind the ports below 1024 they declare, with the safe sysctl net.ipv4.ip_unprivileged_port_start',
  reason:
    'A non-root process cannot bind a port below 1024, and adding NET_BIND_SERVICE does not help it (Kubernetes does not set ambient capabilities, so the capability never reaches a non-root process unless the binary carries file capabilities). Lowering ip_unprivileged_port_start in the pod\'s own network namespace does, and is a safe sysctl in every Pod Security Standards level.',
  docs: 'https://kubernetes.io/docs/tasks/administer-cluster/sysctl-cluster/#safe-and-unsafe-sysctls',
  scope: 'podTemplate',
  defaults: {},
  run(target: Target) {
    const edits: Edit[] = [];
    const findings: Finding[] = [];
    const t = target.template!;
    if (isWindowsPod(t)) return { edits, findings };
    const pod = mapAt(t, '/spec/securityContext');
    // Ports below 1024 declared by containers that will not run as root (ephemeral containers have no ports).
    const low: { container: string; port: number }[] = [];
    for (const c of containersOf(t)) {
      if (c.list === 'ephemeralContainers') continue;
      if (!runsAsNonRoot(pod, mapAt(c.container, '/securityContext'))) continue;
      for (const p of listAt(c.container, '/ports')) {
        const port = isPlainObject(p) ? p.containerPort : undefined;
        if (typeof port === 'number' && Number.isInteger(port) && port > 0 && port < 1024) low.push({ container: c.name, port });
      }
    }
    if (low.length === 0) return { edits, findings };
    const lowest = Math.min(...low.map((l) => l.port));
    const who = [...new Set(low.filter((l) => l.port === lowest).map((l) => l.container))].join(', ');
    const ports = [...new Set(low.map((l) => `${l.container}:${l.port}`))].join(', ');

    if (mapAt(t, '/spec').hostNetwork === true) {
      findings.push({
        code: 'lowPortHostNetwork',
        severity: 'warning',
        message:
          `non-root containers declare ports below 1024 (${ports}), but the pod uses the host network: ${SYSCTL} there would change the node itself, so it was not set. ` +
          `The app will fail to bind unless its binary carries the cap_net_bind_service file capability; use ports of 1024 and above, or drop hostNetwork`,
        path: '/spec/hostNetwork',
      });
      return { edits, findings };
    }

    const sysctls = listAt(t, '/spec/securityContext/sysctls');
    const i = sysctls.findIndex((s) => isPlainObject(s) && s.name === SYSCTL);
    const why =
      `NET_BIND_SERVICE reaches a non-root process only through file capabilities on its binary (Kubernetes sets no ambient capabilities), while ${SYSCTL} works for any binary, is namespaced to the pod's network and is a safe sysctl at every Pod Security Standards level; ` +
      `any process in the pod may now bind ports from ${lowest} up`;
    if (i < 0) {
      const entry = { name: SYSCTL, value: String(lowest) };
      const reason = `${who} binds port ${lowest} as a non-root user`;
      if (sysctls.length === 0) edits.push(...ensure(t, '/spec/securityContext/sysctls', [entry], reason));
      else edits.push({ op: 'add', path: '/spec/securityContext/sysctls/-', value: entry, reason });
      findings.push({
        code: 'lowPortSysctl',
        severity: 'info',
        message: `set ${SYSCTL}=${lowest} so non-root containers can bind their ports below 1024 (${ports}): ${why}`,
        path: '/spec/securityContext/sysctls',
      });
      return { edits, findings };
    }
    const entry = sysctls[i] as Readonly<Record<string, Json>>;
    const current = typeof entry.value === 'string' && /^\s*\d+\s*$/.test(entry.value) ? Number(entry.value) : typeof entry.value === 'number' ? entry.value : NaN;
    if (Number.isNaN(current)) {
      findings.push({
        code: 'lowPortSysctlUnreadable',
        severity: 'warning',
        message: `${SYSCTL} is set to ${JSON.stringify(entry.value ?? null)}, not a port number; left alone. Non-root containers declare ports below 1024 (${ports}): set it to ${lowest} or lower`,
        path: `/spec/securityContext/sysctls/${i}/value`,
      });
      return { edits, findings };
    }
    // Never raise it: a lower value is the user's choice and already lets these ports bind.
    if (current <= lowest) return { edits, findings };
    edits.push(...ensure(t, `/spec/securityContext/sysctls/${i}/value`, String(lowest), `${who} binds port ${lowest} as a non-root user; ${SYSCTL} was ${current}`));
    findings.push({
      code: 'lowPortSysctl',
      severity: 'info',
      message: `lowered ${SYSCTL} from ${current} to ${lowest} so non-root containers can bind their ports below 1024 (${ports}): ${why}`,
      path: `/spec/securityContext/sysctls/${i}/value`,
    });
    return { edits, findings };
  },
};
export default transform;
