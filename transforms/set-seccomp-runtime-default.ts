import type { Json } from '../src/core/types.js';
import { defineTransform } from '../src/core/types.js';
import { string } from '../src/core/options.js';
import { formatPointer } from '../src/lib/pointer.js';
import { containersOf, isPlainObject, mapAt } from './util.js';

const ID = 'set-seccomp-runtime-default';
const ALLOWED = new Set(['RuntimeDefault', 'Localhost']);
const POD_ANNOTATION = 'seccomp.security.alpha.kubernetes.io/pod';
const CONTAINER_ANNOTATION = 'container.seccomp.security.alpha.kubernetes.io/';

/** A seccompProfile field as kharden compares it. */
interface Profile {
  type: string;
  localhostProfile?: string;
}

const profileOf = (v: Json | undefined): Profile | undefined => (isPlainObject(v) && typeof v.type === 'string' ? { type: v.type, ...(typeof v.localhostProfile === 'string' ? { localhostProfile: v.localhostProfile } : {}) } : undefined);
const allowed = (p: Profile | undefined) => p !== undefined && ALLOWED.has(p.type);
const same = (a: Profile | undefined, b: Profile | undefined) => a?.type === b?.type && a?.localhostProfile === b?.localhostProfile;
const show = (p: Profile) => (p.type === 'Localhost' ? `Localhost ${p.localhostProfile ?? '(no localhostProfile)'}` : p.type);

/** The field an annotation value stands for (the API server's own mapping); undefined for a value it rejects. */
function profileOfAnnotation(value: Json | undefined): Profile | undefined {
  if (value === 'runtime/default' || value === 'docker/default') return { type: 'RuntimeDefault' };
  if (value === 'unconfined') return { type: 'Unconfined' };
  if (typeof value === 'string' && value.startsWith('localhost/') && value.length > 'localhost/'.length) return { type: 'Localhost', localhostProfile: value.slice('localhost/'.length) };
  return undefined;
}

/**
 * Whether the API server accepts this annotation beside this field (validation.go
 * validateSeccompAnnotationsAndFieldsMatch: Unconfined ↔ unconfined, RuntimeDefault ↔
 * runtime/default or docker/default, Localhost ↔ localhost/<the same profile>).
 */
function annotationMatches(value: Json | undefined, field: Profile): boolean {
  const p = profileOfAnnotation(value);
  return p !== undefined && same(p, field);
}

const annotationFor = (p: Profile) => (p.type === 'Localhost' ? `localhost/${p.localhostProfile}` : p.type === 'Unconfined' ? 'unconfined' : 'runtime/default');

export default defineTransform({
  id: ID,
  summary: 'Set the pod seccomp profile to RuntimeDefault, override containers that ask for Unconfined, and keep the legacy seccomp annotations consistent with the fields',
  reason: 'The restricted Pod Security Standard requires a RuntimeDefault or Localhost seccomp profile; Unconfined lets a container make any system call.',
  docs: 'https://kubernetes.io/docs/tutorials/security/seccomp/',
  scope: 'podTemplate',
  options: {
    type: string({ default: 'RuntimeDefault', oneOf: ['RuntimeDefault'], description: 'the seccomp profile type to set (Localhost needs a profile file on every node, so kharden sets only RuntimeDefault)' }),
  },
  changesPrivileges: true,
  messages: {
    seccompUnconfinedOverridden: {
      severity: 'warning',
      title: 'seccomp Unconfined overridden',
      help: `The runtime's default filter blocks a few dozen rarely used system calls (mount, ptrace, kernel modules, clock changes…). If the app needs one, load a custom profile on the nodes and refer to it (type Localhost), or exempt the container with kharden.dev/skip.<container>: ${ID}.`,
      pssCheck: 'seccompProfile_restricted',
    },
    seccompAnnotationAligned: {
      severity: 'warning',
      title: 'legacy seccomp annotation rewritten to match the field',
      help: 'The API server rejects a pod, and a workload whose pod template, where a seccomp annotation (seccomp.security.alpha.kubernetes.io/pod, container.seccomp.security.alpha.kubernetes.io/<container>) and the seccompProfile field beside it disagree ("seccomp type in annotation and field must match"). kharden rewrites the annotation to the profile the field now sets, which every Kubernetes version accepts and which keeps clusters older than 1.19 (annotation only) on the same profile. The annotations do nothing since 1.27: remove them once no older cluster runs the workload.',
    },
    seccompProfileFromAnnotation: {
      severity: 'info',
      title: 'seccompProfile field written from the legacy annotation',
      help: 'A localhost/ or runtime/default annotation names the profile the author chose; kharden writes the same profile as the field, which is what the API server compares, and what kubelets since 1.27 read.',
    },
  },
  run(target, ctx) {
    // Windows: the API server rejects seccompProfile on a pod with spec.os.name windows, and Windows has no seccomp.
    if (target.pod.windows) return;
    const t = target.template;
    const runtimeDefault: Profile = { type: ctx.options.type };
    const annotations = mapAt(t, '/metadata/annotations');
    const annotationPath = (key: string) => formatPointer(['metadata', 'annotations', key]);
    const exempt = (name: string) => target.pod.exemptContainers.includes(name);
    const containers = containersOf(t).map((c) => ({ ...c, own: profileOf(mapAt(c.container, '/securityContext').seccompProfile), annotation: annotations[CONTAINER_ANNOTATION + c.name] }));

    const podField = profileOf(mapAt(t, '/spec/securityContext').seccompProfile);
    const podAnnotation = profileOfAnnotation(annotations[POD_ANNOTATION]);
    // An exempted container that inherits the pod's profile must keep it: set the others one by one.
    const inheritingExempt = containers.filter((c) => exempt(c.name) && c.own === undefined).map((c) => c.name);
    const podWritable = target.pod.podSecurityContext && inheritingExempt.length === 0;
    // A check that already passes gets nothing added: every container sets an allowed profile itself.
    const allContainersSet = containers.length > 0 && containers.every((c) => allowed(c.own));

    // --- pod level ---
    let podFinal = podField;
    if (!allowed(podField) && podWritable && !(podField === undefined && allContainersSet)) {
      // A localhost/ annotation is the author's profile and is allowed: the field says the same.
      const want = podAnnotation?.type === 'Localhost' ? podAnnotation : runtimeDefault;
      ctx.set('/spec/securityContext/seccompProfile', { ...want }, podField === undefined
        ? `restricted requires a seccomp profile; ${want === runtimeDefault ? `${want.type} is the container runtime's default filter` : `${show(want)} is the profile the pod's annotation names`}`
        : `seccomp profile ${podField.type} is not allowed by restricted; ${want.type} is the runtime's default filter`);
      if (podField !== undefined) ctx.report({ code: 'seccompUnconfinedOverridden', message: `the pod set seccompProfile ${show(podField)}; replaced with ${show(want)}`, path: '/spec/securityContext/seccompProfile' });
      else if (want !== runtimeDefault) ctx.report({ code: 'seccompProfileFromAnnotation', message: `the pod's seccompProfile set to ${show(want)}, from its annotation ${POD_ANNOTATION}`, path: '/spec/securityContext/seccompProfile' });
      podFinal = want;
    }

    // --- containers ---
    for (const c of containers) {
      const path = `${c.path}/securityContext/seccompProfile`;
      if (exempt(c.name)) {
        // Planned anyway: the engine drops it and reports what the exemption kept.
        if (c.own !== undefined && !allowed(c.own)) ctx.set(path, { ...runtimeDefault }, `container ${c.name} overrides the pod with seccomp ${c.own.type}, which restricted does not allow`);
        continue;
      }
      const fromAnnotation = profileOfAnnotation(c.annotation);
      let final = c.own;
      if (c.own !== undefined && !allowed(c.own)) {
        const want: Profile = allowed(fromAnnotation) ? fromAnnotation! : runtimeDefault;
        final = want;
        ctx.set(path, { ...want }, `container ${c.name} overrides the pod with seccomp ${c.own.type}, which restricted does not allow`);
        ctx.report({ code: 'seccompUnconfinedOverridden', message: `container ${c.name} set seccompProfile ${show(c.own)}; replaced with ${show(want)}`, path });
      } else if (c.own === undefined && allowed(fromAnnotation) && !same(fromAnnotation, podFinal)) {
        // The container's annotation names another allowed profile than the pod's: the field says it too.
        final = fromAnnotation!;
        ctx.set(path, { ...final }, `container ${c.name}'s annotation ${annotationFor(final)} names its seccomp profile; the field is what the API server and current kubelets read`);
        ctx.report({ code: 'seccompProfileFromAnnotation', message: `container ${c.name}: seccompProfile set to ${show(final)}, from its annotation`, path });
      } else if (c.own === undefined && !allowed(podFinal)) {
        // No pod-level profile can be written (Knative, or an exempted container inherits it).
        const want: Profile = allowed(podAnnotation) && podAnnotation!.type === 'Localhost' ? podAnnotation! : runtimeDefault;
        final = want;
        ctx.set(path, { ...want }, target.pod.podSecurityContext
          ? `restricted requires a seccomp profile; set per container because ${inheritingExempt.join(', ')} ${inheritingExempt.length > 1 ? 'are' : 'is'} exempted from ${ID} and keeps the pod's`
          : 'restricted requires a seccomp profile; set per container because this kind does not accept pod-level security fields');
      }
      // The annotation must agree with the container's field, or with the pod's when it has none.
      const effective = final ?? podFinal;
      if (typeof c.annotation === 'string' && effective !== undefined && !annotationMatches(c.annotation, effective)) {
        const key = CONTAINER_ANNOTATION + c.name;
        ctx.set(annotationPath(key), annotationFor(effective), `the annotation must match the seccompProfile ${final ? 'field' : "the container inherits from the pod"} (${show(effective)}), or the API server rejects the pod`);
        ctx.report({ code: 'seccompAnnotationAligned', message: `annotation ${key}: ${JSON.stringify(c.annotation)} → ${JSON.stringify(annotationFor(effective))} (container ${c.name}, ${show(effective)})`, path: annotationPath(key) });
      }
    }

    // The pod annotation must agree with the pod's field; with no pod field, an unconfined one is
    // rewritten unless an exempted container inherits the pod's profile.
    const podValue = annotations[POD_ANNOTATION];
    if (typeof podValue === 'string') {
      const want = podFinal !== undefined ? (annotationMatches(podValue, podFinal) ? undefined : annotationFor(podFinal)) : inheritingExempt.length === 0 && !allowed(podAnnotation) ? 'runtime/default' : undefined;
      if (want !== undefined) {
        ctx.set(annotationPath(POD_ANNOTATION), want, `the annotation must match the pod's seccompProfile (${podFinal ? show(podFinal) : 'RuntimeDefault, set on every container'}), or the API server rejects the pod`);
        ctx.report({ code: 'seccompAnnotationAligned', message: `annotation ${POD_ANNOTATION}: ${JSON.stringify(podValue)} → ${JSON.stringify(want)}`, path: annotationPath(POD_ANNOTATION) });
      }
    }
  },
});
