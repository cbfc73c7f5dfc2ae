import type { Json } from '../src/core/types.js';
import { defineTransform } from '../src/core/types.js';
import { containersOf, isPlainObject, listAt, mapAt } from './util.js';
import { findKnownImage, imageRepository, listensOn } from './data/known-images.js';

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

export default defineTransform({
  id: ID,
  summary: 'Let non-root containers bind the ports below 1024 they declare (or their known image binds), with the safe sysctl net.ipv4.ip_unprivileged_port_start',
  reason:
    'A non-root process cannot bind a port below 1024, and adding NET_BIND_SERVICE does not help it (Kubernetes does not set ambient capabilities, so the capability never reaches a non-root process unless the binary carries file capabilities). Lowering ip_unprivileged_port_start in the pod\'s own network namespace does, and is a safe sysctl in every Pod Security Standards level.',
  docs: 'https://kubernetes.io/docs/tasks/administer-cluster/sysctl-cluster/#safe-and-unsafe-sysctls',
  scope: 'podTemplate',
  options: {},
  changesPrivileges: true,
  messages: {
    lowPortSysctl: { severity: 'info', title: 'ip_unprivileged_port_start lowered for ports below 1024' },
    lowPortHostNetwork: {
      severity: 'warning',
      title: 'non-root container on the host network binds a port below 1024',
      help: `${SYSCTL} on the host network would change the node itself, so it is not set: the app fails to bind unless its binary carries the cap_net_bind_service file capability. Use ports of 1024 and above, or drop hostNetwork.`,
    },
    lowPortSysctlUnreadable: { severity: 'warning', title: `${SYSCTL} is not a port number` },
  },
  run(target, ctx) {
    const t = target.template;
    if (target.pod.windows || !target.pod.podSecurityContext) return;
    const pod = mapAt(t, '/spec/securityContext');
    // Ports below 1024 that containers which will not run as root bind (ephemeral containers have
    // no ports): those they declare, and those their image binds whether declared or not (the
    // official nginx image listens on 80; as its user 101 it crashes with "bind() to 0.0.0.0:80
    // failed (13: Permission denied)").
    const low: { container: string; port: number; undeclared?: string }[] = [];
    for (const c of containersOf(t)) {
      if (c.list === 'ephemeralContainers') continue;
      if (!runsAsNonRoot(pod, mapAt(c.container, '/securityContext'))) continue;
      const declared = new Set<number>();
      for (const p of listAt(c.container, '/ports')) {
        const port = isPlainObject(p) ? p.containerPort : undefined;
        if (typeof port === 'number' && Number.isInteger(port) && port > 0) declared.add(port);
      }
      for (const port of declared) if (port < 1024) low.push({ container: c.name, port });
      const image = typeof c.container.image === 'string' ? c.container.image : undefined;
      for (const port of listensOn(findKnownImage(image), c.container)) {
        if (port < 1024 && !declared.has(port)) low.push({ container: c.name, port, undeclared: imageRepository(image!) });
      }
    }
    if (low.length === 0) return;
    const lowest = Math.min(...low.map((l) => l.port));
    const who = [...new Set(low.filter((l) => l.port === lowest).map((l) => l.container))].join(', ');
    const ports = [...new Set(low.map((l) => `${l.container}:${l.port}${l.undeclared ? ` (not declared; the ${l.undeclared} image listens on it)` : ''}`))].join(', ');

    if (mapAt(t, '/spec').hostNetwork === true) {
      ctx.report({
        code: 'lowPortHostNetwork',
        message: `non-root containers bind ports below 1024 (${ports}) on the host network; ${SYSCTL} not set`,
        path: '/spec/hostNetwork',
      });
      return;
    }

    const sysctls = listAt(t, '/spec/securityContext/sysctls');
    const i = sysctls.findIndex((s) => isPlainObject(s) && s.name === SYSCTL);
    const why =
      `NET_BIND_SERVICE reaches a non-root process only through file capabilities on its binary (Kubernetes sets no ambient capabilities), while ${SYSCTL} works for any binary, is namespaced to the pod's network and is a safe sysctl at every Pod Security Standards level; ` +
      `any process in the pod may now bind ports from ${lowest} up`;
    if (i < 0) {
      const entry = { name: SYSCTL, value: String(lowest) };
      const reason = `${who} binds port ${lowest} as a non-root user`;
      ctx.append('/spec/securityContext/sysctls', entry, reason);
      ctx.report({
        code: 'lowPortSysctl',
        message: `set ${SYSCTL}=${lowest} so non-root containers can bind their ports below 1024 (${ports}): ${why}`,
        path: '/spec/securityContext/sysctls',
      });
      return;
    }
    const entry = sysctls[i] as Readonly<Record<string, Json>>;
    const current = typeof entry.value === 'string' && /^\s*\d+\s*$/.test(entry.value) ? Number(entry.value) : typeof entry.value === 'number' ? entry.value : NaN;
    if (Number.isNaN(current)) {
      ctx.report({
        code: 'lowPortSysctlUnreadable',
        message: `${SYSCTL} is set to ${JSON.stringify(entry.value ?? null)}, not a port number; left alone. Non-root containers bind ports below 1024 (${ports}): set it to ${lowest} or lower`,
        path: `/spec/securityContext/sysctls/${i}/value`,
      });
      return;
    }
    // Never raise it: a lower value is the user's choice and already lets these ports bind.
    if (current <= lowest) return;
    ctx.set(`/spec/securityContext/sysctls/${i}/value`, String(lowest), `${who} binds port ${lowest} as a non-root user; ${SYSCTL} was ${current}`);
    ctx.report({
      code: 'lowPortSysctl',
      message: `lowered ${SYSCTL} from ${current} to ${lowest} so non-root containers can bind their ports below 1024 (${ports}): ${why}`,
      path: `/spec/securityContext/sysctls/${i}/value`,
    });
  },
});
