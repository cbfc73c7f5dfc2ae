import type { Edit, Finding, Json, Target, Transform } from '../src/core/types.js';
import { formatPointer } from '../src/core/pointer.js';
import { containersOf, ensure, isPlainObject, mapAt } from './util.js';
import { isSkipped } from './util.js';

const ID = 'restrict-security-context';
const SKIP = 'kharden.dev/skip';
const APPARMOR_ANNOTATION = 'container.apparmor.security.beta.kubernetes.io/';
const APPARMOR_TYPES = new Set(['RuntimeDefault', 'Localhost']);
/** Upstream seLinuxOptions check, v1.31+ ('' counts as unset). */
const SELINUX_TYPES = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t']);

type Obj = Readonly<Record<string, Json>>;


/**
 * Edits that remove `keys` from the map at `mapPath`; when nothing would be left of it, the map
 * itself goes (and its parent `securityContext` too when that would be left empty), so no
 * `seLinuxOptions: {}` debris stays behind.
 */
function removeKeys(root: unknown, mapPath: string, keys: string[], reason: string): Edit[] {
  const map = mapAt(root, mapPath);
  if (Object.keys(map).every((k) => keys.includes(k))) {
    const parentPath = mapPath.slice(0, mapPath.lastIndexOf('/'));
    if (parentPath.endsWith('/securityContext') && Object.keys(mapAt(root, parentPath)).length === 1) return [{ op: 'remove', path: parentPath, reason }];
    return [{ op: 'remove', path: mapPath, reason }];
  }
  return keys.filter((k) => k in map).map((k) => ({ op: 'remove' as const, path: `${mapPath}/${k}`, reason }));
}

const transform: Transform<{}> = {
  id: ID,
  summary: 'Override AppArmor Unconfined, custom SELinux types/users/roles and unmasked /proc with the allowed values',
  reason:
    'AppArmor Unconfined, SELinux options other than the container types, and an unmasked /proc each switch off a confinement layer; the baseline Pod Security Standard forbids them and restricted keeps forbidding them.',
  docs: 'https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline',
  scope: 'podTemplate',
  defaults: {},
  run(target: Target) {
    const edits: Edit[] = [];
    const findings: Finding[] = [];
    const t = target.template!;
    // Edits for skipped containers are dropped and reported by the engine; their warnings would be false.
    // Whole-workload skips never reach here (the engine does not run a skipped transform).
    const skip = { workload: false, container: (name: string) => isSkipped(target, name) };
    const report = (f: Finding, container?: string) => {
      if (!skip.workload && !(container !== undefined && skip.container(container))) findings.push(f);
    };

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
          edits.push(...ensure(t, `${path}/appArmorProfile/type`, 'RuntimeDefault', `AppArmor profile ${JSON.stringify(type ?? null)} is not allowed; RuntimeDefault is the runtime's default profile`));
          report({
            code: 'appArmorProfileOverridden',
            severity: 'warning',
            message: `${who} set appArmorProfile.type: ${JSON.stringify(type ?? null)}; replaced with RuntimeDefault. If the app needs a custom profile, load it on the nodes and use type: Localhost, or exempt ${container ? `the container with ${SKIP}.${container}` : `the workload with ${SKIP}`}: ${ID}`,
            path: `${path}/appArmorProfile/type`,
            pssCheck: 'appArmorProfile',
          }, container);
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
          edits.push(...removeKeys(t, `${path}/seLinuxOptions`, bad, `seLinuxOptions ${removed} not allowed: only the container_* types may be set, and no user or role`));
          report({
            code: 'seLinuxOptionsRemoved',
            severity: 'warning',
            message: `${who} set seLinuxOptions ${removed}; removed, so the runtime's default container label applies. ` +
              `If the app needs this SELinux context${container ? `, exempt the container with ${SKIP}.${container}: ${ID}` : `, exempt the workload with ${SKIP}: ${ID}`}`,
            path: `${path}/seLinuxOptions`,
            pssCheck: 'seLinuxOptions',
          }, container);
        }
      }

      // /proc masking: containers only.
      if (container !== undefined && sc.procMount !== undefined && sc.procMount !== null && sc.procMount !== 'Default') {
        const userNs = mapAt(t, '/spec').hostUsers === false;
        edits.push(...ensure(t, `${path}/procMount`, 'Default', `procMount ${JSON.stringify(sc.procMount)} unmasks /proc; Default keeps the kernel's sensitive /proc paths masked`));
        report({
          code: 'procMountOverridden',
          severity: 'warning',
          message: `${who} set procMount: ${JSON.stringify(sc.procMount)}; replaced with Default${userNs ? ' (baseline allows it in a user namespace, restricted does not)' : ''}. ` +
            `If the app needs an unmasked /proc (nested containers), exempt it with ${SKIP}.${container}: ${ID}`,
          path: `${path}/procMount`,
          pssCheck: userNs ? 'procMount_restricted' : 'procMount',
        }, container);
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
      // The engine only sees container skips under /spec, so honour this one here.
      if (skip.container(container)) continue;
      const path = formatPointer(['metadata', 'annotations', key]);
      edits.push(...ensure(t, path, 'runtime/default', `AppArmor profile ${JSON.stringify(value)} is not allowed; runtime/default is the runtime's default profile`));
      report({
        code: 'appArmorProfileOverridden',
        severity: 'warning',
        message: `annotation ${key}: ${JSON.stringify(value)} replaced with runtime/default. If container ${container} needs a custom profile, load it on the nodes and use localhost/<profile>, or exempt the container with ${SKIP}.${container}: ${ID}`,
        path,
        pssCheck: 'appArmorProfile',
      }, container);
    }
    return { edits, findings };
  },
};
export default transform;
