import type { EditContext, Json } from '../src/core/types.js';
import { defineTransform } from '../src/core/types.js';
import { formatPointer } from '../src/lib/pointer.js';
import { containersOf, isPlainObject, mapAt } from './util.js';

const ID = 'restrict-security-context';
const APPARMOR_ANNOTATION = 'container.apparmor.security.beta.kubernetes.io/';
const APPARMOR_TYPES = new Set(['RuntimeDefault', 'Localhost']);
/** Upstream seLinuxOptions check, v1.31+ ('' counts as unset). */
const SELINUX_TYPES = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t']);

type Obj = Readonly<Record<string, Json>>;


/**
 * Removes `keys` from the map at `mapPath`; when nothing would be left of it, the map itself goes
 * (and its parent `securityContext` too when that would be left empty), so no
 * `seLinuxOptions: {}` debris stays behind.
 */
function removeKeys(ctx: EditContext, mapPath: string, keys: string[], reason: string): void {
  const map = mapAt(ctx.current, mapPath);
  if (Object.keys(map).every((k) => keys.includes(k))) {
    const parentPath = mapPath.slice(0, mapPath.lastIndexOf('/'));
    if (parentPath.endsWith('/securityContext') && Object.keys(mapAt(ctx.current, parentPath)).length === 1) ctx.remove(parentPath, reason);
    else ctx.remove(mapPath, reason);
    return;
  }
  for (const k of keys) ctx.remove(`${mapPath}/${k}`, reason);
}

const HOW = 'load a custom profile on the nodes and refer to it (Localhost / localhost/<profile>), or';

export default defineTransform({
  id: ID,
  summary: 'Override AppArmor Unconfined, custom SELinux types/users/roles and unmasked /proc with the allowed values',
  reason:
    'AppArmor Unconfined, SELinux options other than the container types, and an unmasked /proc each switch off a confinement layer; the baseline Pod Security Standard forbids them and restricted keeps forbidding them.',
  docs: 'https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline',
  scope: 'podTemplate',
  options: {},
  changesPrivileges: true,
  messages: {
    appArmorProfileOverridden: {
      severity: 'warning',
      title: 'AppArmor profile overridden',
      help: `If the app needs a custom AppArmor profile, ${HOW} exempt the container with kharden.dev/skip.<container>: ${ID}.`,
      pssCheck: 'appArmorProfile',
    },
    seLinuxOptionsRemoved: {
      severity: 'warning',
      title: 'SELinux options removed',
      help: `The runtime's default container label applies instead. If the app needs that SELinux context, exempt it with kharden.dev/skip.<container>: ${ID} (or kharden.dev/skip for the workload).`,
      pssCheck: 'seLinuxOptions',
    },
    procMountOverridden: {
      severity: 'warning',
      title: 'procMount overridden',
      help: `If the app needs an unmasked /proc (nested containers), exempt it with kharden.dev/skip.<container>: ${ID}.`,
      pssCheck: 'procMount',
    },
  },
  run(target, ctx) {
    const t = target.template;
    // Edits for exempted containers are dropped and reported by the engine; their warnings would be false.
    const exempt = (container?: string) => container !== undefined && target.pod.exemptContainers.includes(container);

    // Security contexts: the pod's, then every container's (PSA checks ephemeral containers too).
    const contexts: { who: string; container?: string; path: string; sc: Obj }[] = [
      { who: 'the pod', path: '/spec/securityContext', sc: mapAt(t, '/spec/securityContext') },
      ...containersOf(t).map((c) => ({ who: `container ${c.name}`, container: c.name, path: `${c.path}/securityContext`, sc: mapAt(c.container, '/securityContext') })),
    ];

    for (const { who, container, path, sc } of contexts) {
      // AppArmor: the field (Kubernetes 1.30+).
      if (sc.appArmorProfile !== undefined && sc.appArmorProfile !== null) {
        const type = mapAt(t, `${path}/appArmorProfile`).type;
        if (typeof type !== 'string' || !APPARMOR_TYPES.has(type)) {
          ctx.set(`${path}/appArmorProfile/type`, 'RuntimeDefault', `AppArmor profile ${JSON.stringify(type ?? null)} is not allowed; RuntimeDefault is the runtime's default profile`);
          if (!exempt(container)) ctx.report({ code: 'appArmorProfileOverridden', message: `${who} set appArmorProfile.type: ${JSON.stringify(type ?? null)}; replaced with RuntimeDefault`, path: `${path}/appArmorProfile/type` });
        }
      }

      // SELinux: type must be a container type (or empty); user and role must be unset.
      const se = sc.seLinuxOptions;
      if (isPlainObject(se)) {
        const bad: string[] = [];
        if (typeof se.type === 'string' ? !SELINUX_TYPES.has(se.type) : se.type !== undefined && se.type !== null) bad.push('type');
        if (typeof se.user === 'string' ? se.user !== '' : se.user !== undefined && se.user !== null) bad.push('user');
        if (typeof se.role === 'string' ? se.role !== '' : se.role !== undefined && se.role !== null) bad.push('role');
        if (bad.length) {
          const removed = bad.map((k) => `${k}: ${JSON.stringify(se[k])}`).join(', ');
          removeKeys(ctx, `${path}/seLinuxOptions`, bad, `seLinuxOptions ${removed} not allowed: only the container_* types may be set, and no user or role`);
          if (!exempt(container)) ctx.report({ code: 'seLinuxOptionsRemoved', message: `${who} set seLinuxOptions ${removed}; removed`, path: `${path}/seLinuxOptions` });
        }
      }

      // /proc masking: containers only.
      if (container !== undefined && sc.procMount !== undefined && sc.procMount !== null && sc.procMount !== 'Default') {
        const userNs = mapAt(t, '/spec').hostUsers === false;
        ctx.set(`${path}/procMount`, 'Default', `procMount ${JSON.stringify(sc.procMount)} unmasks /proc; Default keeps the kernel's sensitive /proc paths masked`);
        if (!exempt(container)) {
          ctx.report({
            code: 'procMountOverridden',
            message: `${who} set procMount: ${JSON.stringify(sc.procMount)}; replaced with Default${userNs ? ' (baseline allows it in a user namespace, restricted does not)' : ''}`,
            path: `${path}/procMount`,
            pssCheck: userNs ? 'procMount_restricted' : 'procMount',
          });
        }
      }
      // windowsOptions.hostProcess is not edited here: a HostProcess pod must also use the host
      // network (API validation), so turning it off cannot give a working pod. report-unfixable
      // reports it (windowsHostProcess).
    }

    // AppArmor: the legacy per-container annotations on the pod template (before Kubernetes 1.30).
    const annotations = mapAt(t, '/metadata/annotations');
    for (const [key, value] of Object.entries(annotations)) {
      if (!key.startsWith(APPARMOR_ANNOTATION) || typeof value !== 'string') continue;
      if (value === '' || value === 'runtime/default' || value.startsWith('localhost/')) continue;
      const container = key.slice(APPARMOR_ANNOTATION.length);
      // The engine only sees container exemptions under /spec, so honour this one here.
      if (exempt(container)) continue;
      const path = formatPointer(['metadata', 'annotations', key]);
      ctx.set(path, 'runtime/default', `AppArmor profile ${JSON.stringify(value)} is not allowed; runtime/default is the runtime's default profile`);
      ctx.report({ code: 'appArmorProfileOverridden', message: `annotation ${key}: ${JSON.stringify(value)} replaced with runtime/default (container ${container})`, path });
    }
  },
});
