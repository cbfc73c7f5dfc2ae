import type { EditContext, Json, PodTemplateTarget } from '../src/core/types.js';
import { defineTransform } from '../src/core/types.js';
import { formatPointer } from '../src/lib/pointer.js';
import { containersOf, isPlainObject, mapAt, valueAt } from './util.js';

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

/** An AppArmor profile (the field's shape) as kharden compares it. */
interface AppArmor {
  type: string;
  localhostProfile?: string;
}

const ANNOTATION_VALUES = new Set(['', 'runtime/default', 'unconfined']);
/** A present field as a profile; a value that is not a map has no allowed type. */
const appArmorOf = (v: Json): AppArmor =>
  isPlainObject(v) ? { type: typeof v.type === 'string' ? v.type : JSON.stringify(v.type ?? null), ...(typeof v.localhostProfile === 'string' ? { localhostProfile: v.localhostProfile } : {}) } : { type: JSON.stringify(v) };
const appArmorAllowed = (p: AppArmor | undefined) => p !== undefined && APPARMOR_TYPES.has(p.type);
const sameAppArmor = (a: AppArmor | undefined, b: AppArmor | undefined) => a?.type === b?.type && a?.localhostProfile === b?.localhostProfile;
const showAppArmor = (p: AppArmor) => (p.type === 'Localhost' ? `Localhost ${p.localhostProfile ?? ''}` : JSON.stringify(p.type));

/** The profile a legacy annotation value stands for (the API server's version-skew mapping; '' is the runtime default). */
function appArmorOfAnnotation(value: Json | undefined): AppArmor | undefined {
  if (value === '' || value === 'runtime/default') return { type: 'RuntimeDefault' };
  if (value === 'unconfined') return { type: 'Unconfined' };
  if (typeof value === 'string' && value.startsWith('localhost/') && value.trim().length > 'localhost/'.length) return { type: 'Localhost', localhostProfile: value.slice('localhost/'.length) };
  return undefined;
}

/**
 * Whether the API server (1.30+, validateAppArmorAnnotationsAndFieldsMatchOnCreate) accepts this
 * annotation beside this profile: Unconfined ↔ unconfined, RuntimeDefault ↔ runtime/default (not
 * ''), Localhost ↔ localhost/<the same profile>.
 */
function appArmorAnnotationMatches(value: Json | undefined, p: AppArmor): boolean {
  if (p.type === 'Unconfined') return value === 'unconfined';
  if (p.type === 'RuntimeDefault') return value === 'runtime/default';
  if (p.type === 'Localhost') return value === `localhost/${p.localhostProfile}`;
  return true;
}
const appArmorAnnotationFor = (p: AppArmor) => (p.type === 'Localhost' ? `localhost/${p.localhostProfile}` : p.type === 'Unconfined' ? 'unconfined' : 'runtime/default');

/**
 * AppArmor, field (1.30+) and legacy annotation together. Profiles other than RuntimeDefault and
 * Localhost are replaced; where a container annotation stays beside a field, it must name the
 * profile the container ends up with, its own field's or else the pod's: since 1.30 the API server
 * rejects a pod and a pod template where they differ ("apparmor type in annotation and field must
 * match", kubernetes/kubernetes#128306), and copies an annotation without a field into the field
 * when the pod is created.
 */
function restrictAppArmor(target: PodTemplateTarget, ctx: EditContext): void {
  const t = target.template;
  const exempt = (name: string) => target.pod.exemptContainers.includes(name);
  const annotations = mapAt(t, '/metadata/annotations');
  const annotationPath = (key: string) => formatPointer(['metadata', 'annotations', key]);
  const runtimeDefault: AppArmor = { type: 'RuntimeDefault' };
  const osWindows = mapAt(t, '/spec/os').name === 'windows';
  const containers = containersOf(t).map((c) => {
    const own = mapAt(c.container, '/securityContext').appArmorProfile;
    return { ...c, own: own === undefined || own === null ? undefined : appArmorOf(own), key: APPARMOR_ANNOTATION + c.name };
  });
  const replace = (path: string, who: string, was: AppArmor, want: AppArmor, reportIt: boolean) => {
    const reason = `AppArmor profile ${showAppArmor(was)} is not allowed; ${want.type === 'Localhost' ? `${showAppArmor(want)} is the profile its annotation names` : "RuntimeDefault is the runtime's default profile"}`;
    if (!isPlainObject(valueAt(t, path))) ctx.set(path, { ...want }, reason);
    else {
      ctx.set(`${path}/type`, want.type, reason);
      // A localhostProfile beside any other type is rejected by the API server.
      if (want.localhostProfile !== undefined) ctx.set(`${path}/localhostProfile`, want.localhostProfile, reason);
      else ctx.remove(`${path}/localhostProfile`, reason);
    }
    if (reportIt) ctx.report({ code: 'appArmorProfileOverridden', message: `${who} set appArmorProfile ${showAppArmor(was)}; replaced with ${showAppArmor(want)}`, path });
  };

  // The pod's field. An exempted container without a field of its own inherits it: then the pod's
  // stays, and the other containers get a field of their own.
  const rawPod = mapAt(t, '/spec/securityContext').appArmorProfile;
  const podField = rawPod === undefined || rawPod === null ? undefined : appArmorOf(rawPod);
  const inheritingExempt = containers.filter((c) => exempt(c.name) && c.own === undefined);
  let podFinal = podField;
  const podBad = podField !== undefined && !appArmorAllowed(podField);
  const podKept = podBad && inheritingExempt.length > 0;
  if (podBad && !podKept) {
    replace('/spec/securityContext/appArmorProfile', 'the pod', podField!, runtimeDefault, true);
    podFinal = runtimeDefault;
  }

  for (const c of containers) {
    const path = `${c.path}/securityContext/appArmorProfile`;
    if (exempt(c.name)) {
      // Planned anyway: the engine drops it and reports what the exemption kept.
      if (c.own !== undefined && !appArmorAllowed(c.own)) replace(path, `container ${c.name}`, c.own, runtimeDefault, false);
      continue;
    }
    const annotation = annotations[c.key];
    const fromAnnotation = appArmorOfAnnotation(annotation);
    let final = c.own;
    if (c.own !== undefined && !appArmorAllowed(c.own)) {
      final = appArmorAllowed(fromAnnotation) && fromAnnotation!.type === 'Localhost' ? fromAnnotation! : runtimeDefault;
      replace(path, `container ${c.name}`, c.own, final, true);
    } else if (c.own === undefined && !target.pod.windows) {
      if (podKept) {
        // The pod keeps its disallowed profile for an exempted container; this one gets its own.
        final = appArmorAllowed(fromAnnotation) && fromAnnotation!.type === 'Localhost' ? fromAnnotation! : runtimeDefault;
        ctx.set(path, { ...final }, `the pod's AppArmor profile ${showAppArmor(podField!)} stays for ${inheritingExempt.map((x) => x.name).join(', ')} (exempted): this container gets its own`);
      } else if (podFinal !== undefined && appArmorAllowed(fromAnnotation) && !sameAppArmor(fromAnnotation, podFinal)) {
        // The annotation names another allowed profile than the pod's: the container's field says it.
        final = fromAnnotation!;
        ctx.set(path, { ...final }, `annotation ${c.key} names the container's AppArmor profile; beside a pod-level profile the API server requires the field to agree`);
        ctx.report({ code: 'appArmorProfileFromAnnotation', message: `container ${c.name}: appArmorProfile set to ${showAppArmor(final)}, from its annotation`, path });
      }
    }
    if (typeof annotation !== 'string') continue;
    const effective = final ?? podFinal;
    const path2 = annotationPath(c.key);
    // The API server skips this check only for spec.os.name: windows (a Windows pod known by its
    // node selector alone is still checked).
    if (effective !== undefined && !osWindows) {
      if (!appArmorAnnotationMatches(annotation, effective)) {
        const want = appArmorAnnotationFor(effective);
        ctx.set(path2, want, `the annotation must name the AppArmor profile the container runs with (${showAppArmor(effective)}), or the API server rejects the pod`);
        ctx.report({ code: 'appArmorAnnotationAligned', message: `annotation ${c.key}: ${JSON.stringify(annotation)} → ${JSON.stringify(want)} (${showAppArmor(effective)})`, path: path2 });
      }
    } else if (annotation === 'unconfined' || (!ANNOTATION_VALUES.has(annotation) && !annotation.startsWith('localhost/'))) {
      ctx.set(path2, 'runtime/default', `AppArmor profile ${JSON.stringify(annotation)} is not allowed; runtime/default is the runtime's default profile`);
      ctx.report({ code: 'appArmorProfileOverridden', message: `annotation ${c.key}: ${JSON.stringify(annotation)} replaced with runtime/default (container ${c.name})`, path: path2 });
    }
  }
}

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
    appArmorAnnotationAligned: {
      severity: 'warning',
      title: 'legacy AppArmor annotation rewritten to match the field',
      help: 'Since Kubernetes 1.30 the API server rejects a pod, and a workload whose pod template, where container.apparmor.security.beta.kubernetes.io/<container> names another profile than the appArmorProfile the container runs with (its own, else the pod\'s): "apparmor type in annotation and field must match". kharden rewrites the annotation to that profile, which every version accepts; clusters before 1.30 read only the annotation and so run the same profile. Remove the annotation once no older cluster runs the workload.',
      pssCheck: 'appArmorProfile',
    },
    appArmorProfileFromAnnotation: {
      severity: 'info',
      title: 'appArmorProfile field written from the legacy annotation',
      help: 'The container\'s annotation names an allowed profile other than the pod\'s; beside a pod-level profile the API server requires them to agree, so kharden writes the annotation\'s profile as the container\'s field (what 1.30+ reads).',
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

    restrictAppArmor(target, ctx);
  },
});
