import type { FindingInput, Json } from '../src/core/types.js';
import { defineTransform } from '../src/core/types.js';
import { integer } from '../src/core/options.js';
import type { ContainerRef } from '../src/core/resources.js';
import { containersOf, listAt, mapAt, obj } from './util.js';
import { findKnownImage, imageRepository } from './data/known-images.js';
import type { KnownImage } from './data/known-images.js';

export interface RunAsNonRootOptions {
  /**
   * UID for images kharden knows nothing about. 65532 is the "nonroot" user of distroless
   * images: high enough not to be a real account on common images (so it owns none of their
   * files and maps to no one on the node), and not 65534 (`nobody`), which other services share.
   */
  uid: number;
  /** GID to go with it (65532, the distroless "nonroot" group). */
  gid: number;
}

const ID = 'run-as-non-root';
const USER_ANNOTATION = 'kharden.dev/run-as-user';
const GROUP_ANNOTATION = 'kharden.dev/run-as-group';
const SC = '/spec/securityContext';
const MAX_ID = 2147483647;

/** A runAsUser/runAsGroup field: its number, undefined when absent or null, NaN for anything else (left alone). */
function idField(v: Json | undefined): number | undefined {
  if (v === undefined || v === null) return undefined;
  return typeof v === 'number' ? v : NaN;
}

type Field = 'runAsUser' | 'runAsGroup';
interface Choice {
  n: number;
  /** Where the number comes from, for the edit's reason. */
  why: string;
}

function annotationsOf(o: unknown): Record<string, Json> {
  return obj(obj(obj(o).metadata).annotations);
}

export default defineTransform<RunAsNonRootOptions, 'podTemplate'>({
  id: ID,
  summary: 'Run pods as a non-root UID/GID (runAsNonRoot, runAsUser, runAsGroup, fsGroup), using the image\'s own user when kharden knows it',
  reason:
    'A process running as UID 0 is root on the node if it escapes the container. The restricted Pod Security Standard requires runAsNonRoot: true and forbids runAsUser: 0; a numeric runAsUser keeps the kubelet from refusing images whose USER is root or a name.',
  docs: 'https://kubernetes.io/docs/tasks/configure-pod-container/security-context/#set-the-security-context-for-a-pod',
  scope: 'podTemplate',
  options: {
    uid: integer({ default: 65532, min: 1, max: MAX_ID, description: 'UID for images kharden knows nothing about (not 0: root is what this transform removes)' }),
    gid: integer({ default: 65532, min: 1, max: MAX_ID, description: 'GID to go with it' }),
  },
  changesPrivileges: true,
  messages: {
    rootUserOverridden: {
      severity: 'warning',
      title: 'root user or group overridden',
      help: `If an image really needs root it will fail to start: exempt the container that needs it with the annotation kharden.dev/skip.<container>: ${ID}, or the whole workload with kharden.dev/skip: ${ID}.`,
      pssCheck: 'runAsUser',
    },
    imageMayRequireRoot: {
      severity: 'info',
      title: 'image not known to run as non-root',
      help: `Images whose files are owned by root, or that write to root-owned paths, may fail as another user: set runAsUser to the image's own user, or the annotation ${USER_ANNOTATION} on the workload.`,
      pssCheck: 'runAsNonRoot',
    },
    invalidRunAsAnnotation: { severity: 'warning', title: 'run-as annotation is not a non-root ID', help: `${USER_ANNOTATION} and ${GROUP_ANNOTATION} take a numeric ID from 1 to ${MAX_ID}.` },
  },
  run(target, ctx) {
    const options = ctx.options;
    const t = target.template;
    const plan = ctx;
    const windows = target.pod.windows;
    const podSc = mapAt(t, SC);
    const refs = containersOf(t);
    const sources = [t, target.resource];

    // Exempted containers (kharden.dev/skip.<name>): the engine drops their edits and findings,
    // but pod-level settings would still reach them, so with one present everything is set per
    // container instead.
    const exempt = new Set(refs.filter((r) => target.pod.exemptContainers.includes(r.name)).map((r) => r.name));
    const podLevel = exempt.size === 0;
    const report = (f: FindingInput) => ctx.report(f);

    // --- runAsNonRoot (every OS: upstream's runAsNonRoot check has no Windows exemption) ---
    if (podLevel && podSc.runAsNonRoot !== true) {
      plan.set(`${SC}/runAsNonRoot`, true, podSc.runAsNonRoot === false
        ? 'runAsNonRoot: false lets every container run as root; restricted requires true'
        : 'restricted requires runAsNonRoot: true; the kubelet then refuses to start any container of this pod as UID 0');
    }
    for (const r of refs) {
      const own = mapAt(r.container, '/securityContext').runAsNonRoot;
      if (own === false) {
        plan.set(`${r.path}/securityContext/runAsNonRoot`, true, `container ${r.name} sets runAsNonRoot: false, overriding the pod; restricted requires true`);
      } else if (!podLevel && own !== true && podSc.runAsNonRoot !== true) {
        plan.set(`${r.path}/securityContext/runAsNonRoot`, true, `set per container, not on the pod, because ${[...exempt].join(', ')} ${exempt.size > 1 ? 'are' : 'is'} exempted from ${ID}; restricted requires runAsNonRoot: true`);
      }
    }

    if (windows) {
      // Windows forbids runAsUser/runAsGroup/fsGroup; the kubelet checks runAsNonRoot against the
      // Windows user name instead, and refuses ContainerAdministrator.
      const podUser = obj(podSc.windowsOptions).runAsUserName;
      for (const r of refs) {
        if (typeof podUser === 'string' || typeof obj(mapAt(r.container, '/securityContext').windowsOptions).runAsUserName === 'string') continue;
        report({
          code: 'imageMayRequireRoot',
          // The kubelet refuses to start it: a warning, not a note.
          severity: 'warning',
          message: `Windows container ${r.name}: with runAsNonRoot the kubelet refuses images that run as ContainerAdministrator (servercore's default); set securityContext.windowsOptions.runAsUserName: ContainerUser if the image allows it`,
          path: `${r.path}/securityContext`,
        });
      }
      return;
    }

    // --- the identity to run as ---
    // Annotations: the pod template's first, then the workload's.
    const readId = (key: string): number | undefined => {
      for (const o of sources) {
        const raw = annotationsOf(o)[key];
        if (raw === undefined || raw === null) continue;
        const s = String(raw).trim();
        const n = /^\d+$/.test(s) ? Number(s) : NaN;
        if (n >= 1 && n <= MAX_ID) return n;
        report({
          code: 'invalidRunAsAnnotation',
          message: `annotation ${key}: ${JSON.stringify(raw)} is not a non-root numeric ID (1-${MAX_ID}); ignored`,
          // Paths are relative to the pod template; an annotation on the workload itself has none.
          ...(o === t ? { path: '/metadata/annotations' } : {}),
        });
        return undefined;
      }
      return undefined;
    };
    const annUid = readId(USER_ANNOTATION);
    const annGidOwn = readId(GROUP_ANNOTATION);
    const known = new Map<ContainerRef, KnownImage | undefined>(refs.map((r) => [r, findKnownImage(r.container.image)]));
    const imageName = (r: ContainerRef) => (typeof r.container.image === 'string' ? imageRepository(r.container.image) : '(no image)');
    /** What a container wants from the annotation or the table, with the words for the report. */
    const wanted = (r: ContainerRef | undefined, field: Field): Choice | undefined => {
      const isUser = field === 'runAsUser';
      const ann = isUser ? annUid : annGidOwn ?? annUid;
      if (ann !== undefined) {
        const why = isUser ? `the annotation ${USER_ANNOTATION}` : annGidOwn !== undefined ? `the annotation ${GROUP_ANNOTATION}` : `the annotation ${USER_ANNOTATION}, as ${GROUP_ANNOTATION} is not set`;
        return { n: ann, why };
      }
      const k = r && known.get(r);
      if (!k || k.uid === undefined) return undefined;
      return { n: isUser ? k.uid : k.gid ?? k.uid, why: `the ${isUser ? 'user' : 'group'} the ${imageName(r!)} image is built to run as` };
    };
    // The app's containers decide before init containers; an exempted container decides nothing.
    const order = ['containers', 'initContainers', 'ephemeralContainers'];
    const first = [...refs].sort((a, b) => order.indexOf(a.list) - order.indexOf(b.list)).find((r) => !exempt.has(r.name) && known.get(r)?.uid !== undefined);
    const podUserSet = idField(podSc.runAsUser);
    const podChoice = (field: Field): Choice => {
      const ann = wanted(undefined, field);
      if (ann) return ann;
      // The pod already names its user: complete it with the same number as its group (the usual convention).
      if (field === 'runAsGroup' && podUserSet !== undefined && podUserSet > 0) return { n: podUserSet, why: "the same number as the pod's runAsUser" };
      return wanted(first, field) ?? {
        n: field === 'runAsUser' ? options.uid : options.gid,
        why: `kharden's default: the distroless "nonroot" ${field === 'runAsUser' ? 'user' : 'group'}, not a real account on common images`,
      };
    };
    const says = (field: Field, c: Choice) => `${field === 'runAsUser' ? 'UID' : 'GID'} ${c.n} (${c.why})`;

    // --- runAsUser / runAsGroup ---
    const overridden = new Map<string, string[]>(); // "pod" or a container name → what replaced its zero IDs
    const byKharden = new Set<ContainerRef>(); // containers whose UID kharden picked
    const finalUid = new Map<ContainerRef, number>();
    for (const field of ['runAsUser', 'runAsGroup'] as Field[]) {
      const isUser = field === 'runAsUser';
      const pod = podChoice(field);
      const podValue = idField(podSc[field]);
      const own = (r: ContainerRef) => idField(mapAt(r.container, '/securityContext')[field]);
      // What a container without its own value runs as after the pod-level edit (undefined: nothing acceptable).
      let inherited: number | undefined = podValue !== 0 ? podValue : undefined;
      let podChosen = false;
      if (podLevel) {
        if (podValue === 0) {
          plan.set(`${SC}/${field}`, pod.n, `${field}: 0 ${isUser ? 'runs the pod as root' : "puts the pod's processes in root's group"}; replaced with ${says(field, pod)}`);
          overridden.set('pod', [...(overridden.get('pod') ?? []), `${field}: 0 with ${says(field, pod)}`]);
          inherited = pod.n;
          podChosen = true;
        } else if (podValue === undefined && refs.some((r) => own(r) === undefined)) {
          plan.set(`${SC}/${field}`, pod.n, isUser
            ? `run as ${says(field, pod)}: with runAsNonRoot alone the kubelet refuses images whose USER is root or a name it cannot check`
            : `primary group ${says(field, pod)} instead of the image's, often root's group 0`);
          inherited = pod.n;
          podChosen = true;
        }
      }
      for (const r of refs) {
        const mine = own(r);
        const path = `${r.path}/securityContext/${field}`;
        // A container's table group goes with its table user only: not with a UID someone else chose.
        const fromTable = isUser || annGidOwn !== undefined || annUid !== undefined || known.get(r)?.uid === finalUid.get(r) ? wanted(r, field) : undefined;
        const want: Choice = fromTable ?? (inherited !== undefined && !podChosen ? { n: inherited, why: `the pod's ${field}` } : podChosen ? { n: pod.n, why: `as the pod: ${pod.why}` } : pod);
        let reason: string | undefined;
        if (mine === 0) {
          reason = `container ${r.name}: ${field}: 0 ${isUser ? 'runs it as root' : "puts it in root's group"}; replaced with ${says(field, want)}`;
          overridden.set(r.name, [...(overridden.get(r.name) ?? []), `${field}: 0 with ${says(field, want)}`]);
        } else if (mine === undefined && inherited === undefined) {
          reason = podLevel
            ? `container ${r.name}: run as ${says(field, want)}`
            : `container ${r.name}: run as ${says(field, want)}; set per container, not on the pod, because ${[...exempt].join(', ')} ${exempt.size > 1 ? 'are' : 'is'} exempted from ${ID}`;
        } else if (mine === undefined && podChosen && want.n !== inherited) {
          reason = `container ${r.name}: ${says(field, want)}, not the pod's ${inherited}`;
        }
        if (reason !== undefined) plan.set(path, want.n, reason);
        if (isUser) {
          if (reason !== undefined || (mine === undefined && podChosen)) byKharden.add(r);
          finalUid.set(r, reason !== undefined ? want.n : mine ?? inherited ?? NaN);
        }
      }
    }

    // --- findings ---
    const podFields = overridden.get('pod');
    if (podFields) {
      report({
        code: 'rootUserOverridden',
        message: `the pod set root IDs; replaced ${podFields.join(', and ')}`,
        path: SC,
      });
    }
    for (const r of refs) {
      const fields = overridden.get(r.name);
      if (fields) {
        report({
          code: 'rootUserOverridden',
          message: `container ${r.name} (image ${imageName(r)}) set root IDs; replaced ${fields.join(', and ')}`,
          path: `${r.path}/securityContext`,
        });
      } else if (byKharden.has(r) && annUid === undefined && known.get(r) === undefined) {
        report({
          code: 'imageMayRequireRoot',
          message: `container ${r.name}: image ${imageName(r)} is not in kharden's known-images table; it now runs as UID ${finalUid.get(r)}`,
          path: `${r.path}/securityContext`,
        });
      }
    }

    // --- fsGroup: volumes the non-root process can write ---
    if (listAt(t, '/spec/volumes').length > 0 && idField(podSc.fsGroup) === undefined) {
      const podGroup = idField(mapAt(plan.current, SC).runAsGroup);
      const gid = podGroup !== undefined && podGroup > 0 ? podGroup : podChoice('runAsGroup').n;
      plan.set(`${SC}/fsGroup`, gid, `the pod mounts volumes: fsGroup ${gid} makes them group-owned by the pod's group so a non-root process can write them`);
    }
  },
});
