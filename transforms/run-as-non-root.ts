import type { FindingInput, Json } from '../src/core/types.js';
import { defineTransform } from '../src/core/types.js';
import { integer } from '../src/core/options.js';
import type { ContainerRef } from '../src/core/resources.js';
import { containersOf, listAt, mapAt, obj } from './util.js';
import { findKnownImage, imageRepository, knownIdentity, normalizePath, rootOwnedDataMount, runsProgram } from './data/known-images.js';
import type { KnownImage } from './data/known-images.js';
import { privilegedCommands } from './data/commands.js';

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


/** An identity kharden picks for a container, with the words for the report. */
interface Choice {
  uid: number;
  /** Undefined: leave runAsGroup alone (the image's own primary group applies). */
  gid?: number;
  /** Where the UID comes from. */
  why: string;
  /** Where the GID comes from. */
  gidWhy?: string;
  source: 'annotation' | 'table' | 'pod' | 'default';
  /** For `table`: the container whose image's entry it is. */
  image?: ContainerRef;
}

function idOf(v: Json | undefined): number | undefined {
  return typeof v === 'number' ? v : undefined;
}

interface VolumeFact {
  name: string;
  /** The volume source key: `persistentVolumeClaim`, `emptyDir`, `hostPath`, … */
  type: string;
  /** Backed by a PersistentVolume: a claim, a generic ephemeral volume, or a StatefulSet's volumeClaimTemplates. */
  persistent: boolean;
}

/**
 * The pod's volumes, with a StatefulSet's volumeClaimTemplates: the pod template has no `volumes`
 * entry for them, yet its containers mount them and fsGroup applies to them.
 */
function volumesOf(template: unknown, resource: unknown, templatePath: string): VolumeFact[] {
  const out: VolumeFact[] = [];
  for (const v of listAt(template, '/spec/volumes')) {
    const o = obj(v);
    const type = Object.keys(o).find((k) => k !== 'name') ?? '';
    out.push({ name: String(o.name), type, persistent: type === 'persistentVolumeClaim' || type === 'ephemeral' });
  }
  if (obj(resource).kind === 'StatefulSet' && templatePath === '/spec/template') {
    for (const c of listAt(resource, '/spec/volumeClaimTemplates')) {
      const name = obj(obj(c).metadata).name;
      if (typeof name === 'string' && !out.some((v) => v.name === name)) out.push({ name, type: 'volumeClaimTemplate', persistent: true });
    }
  }
  return out;
}

/** A run-as annotation's value as a non-root ID, undefined when it is none. */
function parseId(raw: Json | undefined): number | undefined {
  if (raw === undefined || raw === null) return undefined;
  const s = String(raw).trim();
  const n = /^\d+$/.test(s) ? Number(s) : NaN;
  return n >= 1 && n <= MAX_ID ? n : undefined;
}

function annotationsOf(o: unknown): Record<string, Json> {
  return obj(obj(obj(o).metadata).annotations);
}

function listNames(names: readonly string[]): string {
  return `${names.join(', ')} ${names.length > 1 ? 'are' : 'is'}`;
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
      // A UID picked without knowing the image may not own the files it writes: the app can fail
      // at start or at its first write, which is a change that may break it.
      severity: 'warning',
      title: 'image not known to run as non-root',
      help: `Images whose files are owned by root, or that write to root-owned paths, may fail as another user: set runAsUser to the image's own user, or the annotation ${USER_ANNOTATION} on the workload.`,
      pssCheck: 'runAsNonRoot',
    },
    uidFromKnownImage: {
      severity: 'info',
      title: "UID from kharden's known-images table",
      help: `kharden runs images it knows as the user they are built for (transforms/data/known-images.ts cites the Dockerfile for each). If you run a custom build of such an image, set runAsUser yourself, or the annotation ${USER_ANNOTATION}.`,
      pssCheck: 'runAsNonRoot',
    },
    fsGroupNotSet: {
      severity: 'warning',
      title: 'fsGroup cannot be set',
      help: 'fsGroup is a pod-level field: the kubelet makes the pod\'s volumes group-owned by it so that non-root users can write them. Where kharden cannot set it (pod-level security fields forbidden by the controller, or a container kharden leaves alone keeping data on a persistent volume of the pod), make sure the volumes are writable by the UID the containers run as: fsGroup on the pod, an init step, or a storage class that sets ownership.',
    },
    imageWritesRootDirs: {
      severity: 'warning',
      title: "image writes directories that are root's in the image",
      help: 'Some official images (nginx) run their program as root and write directories root owns in the image (caches, PID files). Run as their non-root user they fail at start unless a volume is mounted on each of those directories; the restricted profile\'s read-only-root-filesystem mounts emptyDir volumes there.',
    },
    imageUserRefused: {
      severity: 'warning',
      title: 'runAsNonRoot without a UID on an image that starts as root or a user name',
      help: 'With runAsNonRoot: true and no runAsUser the kubelet checks the image\'s USER: root, or a name it cannot resolve to a number, and it refuses to start the container. kharden keeps a runAsNonRoot someone set without a UID (the image\'s own user is their choice); set runAsUser to the image\'s numeric user.',
      pssCheck: 'runAsNonRoot',
    },
    entrypointNeedsRoot: {
      severity: 'warning',
      title: 'image entrypoint must own a directory a volume is mounted on: left as it runs',
      help: `Some official images (postgres) start as root, take ownership of their data directory and drop to their own user. Started as that user, the program must own the directory itself; the root of a volume stays root's (fsGroup only adds group access), so kharden leaves such a container as it runs and the pod stays below restricted. Point the data directory at a subdirectory of the volume (PGDATA=/var/lib/postgresql/data/pgdata) and set fsGroup, then run kharden again; or set the annotation ${USER_ANNOTATION} to make it non-root anyway. Note that as root the entrypoint needs CAP_CHOWN, CAP_SETUID and CAP_SETGID, which drop-all-capabilities takes away: exempt the container (kharden.dev/skip.<container>: drop-all-capabilities) if it must keep working as it is.`,
      pssCheck: 'runAsNonRoot',
    },
    commandNeedsRoot: {
      severity: 'warning',
      title: 'container runs a command that needs root: left as it runs',
      help: 'Commands that need root or a capability (chown/chgrp, chmod, sysctl -w, setcap, iptables, mount, ip link/route changes, modprobe, su/gosu/su-exec) fail once the container runs as non-root, so kharden leaves its user alone and the pod stays below restricted. Ways out: fsGroup instead of chown/chmod of volumes; spec.securityContext.sysctls for namespaced sysctls; node configuration (a tuning DaemonSet, the CNI) for the rest; an image that starts as its own user instead of su/gosu. drop-all-capabilities leaves the capabilities of such a container alone for the same reason.',
      pssCheck: 'runAsNonRoot',
    },
    invalidRunAsAnnotation: { severity: 'warning', title: 'run-as annotation is not a non-root ID', help: `${USER_ANNOTATION} and ${GROUP_ANNOTATION} take a numeric ID from 1 to ${MAX_ID}.` },
  },
  run(target, ctx) {
    const options = ctx.options;
    const t = target.template;
    const windows = target.pod.windows;
    const podSc = mapAt(t, SC);
    const refs = containersOf(t);
    const sources = [t, target.resource];
    const report = (f: FindingInput) => ctx.report(f);
    const scOf = (r: ContainerRef) => mapAt(r.container, '/securityContext');

    // What each container runs as before this transform: its own field, else the pod's.
    const nonRootBefore = (r: ContainerRef) => (scOf(r).runAsNonRoot ?? podSc.runAsNonRoot) === true;
    const uidBefore = (r: ContainerRef) => idOf(scOf(r).runAsUser) ?? idOf(podSc.runAsUser);
    const podRootUser = idOf(podSc.runAsUser) === 0;
    const podRootGroup = idOf(podSc.runAsGroup) === 0;
    const rootUser = (r: ContainerRef) => idOf(scOf(r).runAsUser) === 0 || (scOf(r).runAsUser == null && podRootUser);
    const rootGroup = (r: ContainerRef) => idOf(scOf(r).runAsGroup) === 0 || (scOf(r).runAsGroup == null && podRootGroup);
    /**
     * kharden would change the user it runs as: it names no user and kharden introduces
     * runAsNonRoot (with runAsNonRoot already set, the image's own USER is the user's choice, and
     * another UID would change who owns the files the image ships), or it runs as root.
     */
    const changesUser = (r: ContainerRef) => (uidBefore(r) === undefined && !nonRootBefore(r)) || rootUser(r);

    // Exempted containers (kharden.dev/skip.<name>): the engine drops their edits and findings,
    // but pod-level settings would still reach them, so with one present everything is set per
    // container instead.
    const exempt = new Set(refs.filter((r) => target.pod.exemptContainers.includes(r.name)).map((r) => r.name));
    // Containers that run commands needing root (chown, sysctl -w, iptables, su…) keep running as
    // they do: as non-root the command fails and the pod with it. So do containers of an image
    // whose entrypoint starts as root to take ownership of a data directory the program must own,
    // where a volume is mounted exactly on it (postgres PGDATA): that mount point stays root's
    // whatever fsGroup does. Like exempted containers, they get nothing, from the pod either.
    const known = new Map<ContainerRef, KnownImage | undefined>(refs.map((r) => [r, findKnownImage(r.container.image)]));
    const imageName = (r: ContainerRef) => (typeof r.container.image === 'string' ? imageRepository(r.container.image) : '(no image)');
    const annotatedUid = parseId(sources.map((o) => annotationsOf(o)[USER_ANNOTATION]).find((v) => v != null));
    const kept = new Map<string, FindingInput>();
    const ownershipWarnings: FindingInput[] = [];
    if (!windows) {
      for (const r of refs) {
        if (exempt.has(r.name) || r.list === 'ephemeralContainers' || !changesUser(r)) continue;
        const commands = privilegedCommands(r.container);
        if (commands.length > 0) {
          kept.set(r.name, {
            code: 'commandNeedsRoot',
            message: `container ${r.name} runs ${commands.map((c) => `\`${c.text}\` (needs ${c.needs})`).join(', ')}: left running as it does, not made non-root`,
            path: r.path,
          });
          continue;
        }
        const k = known.get(r);
        const owned = rootOwnedDataMount(k, r.container);
        if (k?.entrypoint && owned) {
          const { dir, at } = owned;
          const id = knownIdentity(k, r.container.image);
          const what = `${dir.env ?? 'its data directory'} (${at})`;
          const facts = `the ${imageName(r)} image's entrypoint starts as root, chowns ${what} and drops to UID ${id?.uid} with ${k.entrypoint.dropsWith}; started as a non-root user it cannot, and ${dir.mustOwn}, while the root of the volume ${owned.volume}, mounted exactly there, stays root's`;
          const remedy = `set ${dir.env ?? 'the directory'} to a subdirectory of the mount (${at}/${(dir.env ?? 'data').toLowerCase()}) or mount the volume one level up, and set fsGroup ${id?.gid ?? id?.uid}`;
          const finding = { code: 'entrypointNeedsRoot', path: r.path };
          if (annotatedUid !== undefined) {
            // The owner named the UID: it is used, and the warning says what will fail.
            ownershipWarnings.push({ ...finding, message: `container ${r.name}: ${facts}. It runs as the UID the annotation ${USER_ANNOTATION} names all the same, and will fail until you ${remedy}` });
          } else {
            kept.set(r.name, { ...finding, message: `container ${r.name}: ${facts}: left running as it does, not made non-root. To run it as ${id?.uid}, ${remedy}` });
          }
        }
      }
    }
    const active = refs.filter((r) => !exempt.has(r.name) && !kept.has(r.name));
    // Knative-style locations forbid pod-level security fields: everything goes on the containers.
    const podLevel = exempt.size === 0 && kept.size === 0 && target.pod.podSecurityContext;
    const perContainerWhy = () => {
      if (!target.pod.podSecurityContext) return `set per container: the ${target.ref.kind}'s controller rejects pod-level security fields`;
      const why = [...(exempt.size > 0 ? [`${listNames([...exempt])} exempted from ${ID}`] : []), ...(kept.size > 0 ? [`${listNames([...kept.keys()])} kept as ${kept.size > 1 ? 'they run' : 'it runs'}`] : [])];
      return `set per container, not on the pod, because ${why.join(' and ')}`;
    };
    for (const f of [...kept.values(), ...ownershipWarnings]) report(f);

    // --- runAsNonRoot (every OS: upstream's runAsNonRoot check has no Windows exemption) ---
    // A pod whose containers all set runAsNonRoot: true already passes; only an explicit false
    // on the pod fails it then (restricted forbids it even when every container sets true).
    const everyContainerNonRoot = active.length > 0 && active.every((r) => scOf(r).runAsNonRoot === true);
    if (podLevel && podSc.runAsNonRoot !== true && (podSc.runAsNonRoot === false || !everyContainerNonRoot)) {
      ctx.set(`${SC}/runAsNonRoot`, true, podSc.runAsNonRoot === false
        ? 'runAsNonRoot: false lets every container run as root; restricted requires true'
        : 'restricted requires runAsNonRoot: true; the kubelet then refuses to start any container of this pod as UID 0');
    }
    for (const r of active) {
      const own = scOf(r).runAsNonRoot;
      if (own === false) {
        ctx.set(`${r.path}/securityContext/runAsNonRoot`, true, `container ${r.name} sets runAsNonRoot: false, overriding the pod; restricted requires true`);
      } else if (!podLevel && own !== true && podSc.runAsNonRoot !== true) {
        ctx.set(`${r.path}/securityContext/runAsNonRoot`, true, `${perContainerWhy()}; restricted requires runAsNonRoot: true`);
      }
    }

    if (windows) {
      // Windows forbids runAsUser/runAsGroup/fsGroup; the kubelet checks runAsNonRoot against the
      // Windows user name instead, and refuses ContainerAdministrator.
      const podUser = obj(podSc.windowsOptions).runAsUserName;
      for (const r of active) {
        const own = obj(scOf(r).windowsOptions).runAsUserName;
        const user = typeof own === 'string' ? own : typeof podUser === 'string' ? podUser : undefined;
        // The kubelet compares the name without regard to case.
        if (user !== undefined && user.toLowerCase() !== 'containeradministrator') continue;
        report({
          code: 'imageMayRequireRoot',
          message:
            user === undefined
              ? `Windows container ${r.name}: with runAsNonRoot the kubelet refuses images that run as ContainerAdministrator (servercore's default); set securityContext.windowsOptions.runAsUserName: ContainerUser if the image allows it`
              : `Windows container ${r.name}: runAsUserName ${user}${typeof own === 'string' ? '' : " (the pod's)"} is the administrator, which the kubelet refuses with runAsNonRoot; set securityContext.windowsOptions.runAsUserName: ContainerUser if the image allows it`,
          path: `${r.path}/securityContext`,
        });
      }
      return;
    }

    // runAsNonRoot without a UID is the owner's choice and stays; where kharden knows the image
    // starts as root or as a name, the kubelet will refuse it (CreateContainerConfigError), so say so.
    for (const r of active) {
      const user = known.get(r)?.user;
      if (!nonRootBefore(r) || uidBefore(r) !== undefined || user === undefined || typeof user === 'number') continue;
      const id = knownIdentity(known.get(r)!, r.container.image);
      report({
        code: 'imageUserRefused',
        message: `container ${r.name}: runAsNonRoot is set without runAsUser, and the ${imageName(r)} image starts as ${user === 'root' ? 'root' : `the user name "${user}"`}: the kubelet refuses to start it ("${user === 'root' ? 'container has runAsNonRoot and image will run as root' : 'image has non-numeric user, cannot verify user is non-root'}")${id ? `; set runAsUser: ${id.uid}, the image's own user` : ''}`,
        path: `${r.path}/securityContext`,
      });
    }

    // --- who needs an identity from kharden ---
    // A container gets a UID only where kharden itself introduces runAsNonRoot and it names no
    // user; a UID of 0 is replaced wherever it is (restricted forbids it).
    const needsUid = new Set(active.filter((r) => uidBefore(r) === undefined && !nonRootBefore(r)));
    if (needsUid.size === 0 && !podRootUser && !podRootGroup && !active.some((r) => rootUser(r) || rootGroup(r))) {
      // Every container already passes (runAsNonRoot, no root IDs): nothing to add.
      return;
    }

    // --- where identities come from: annotations, the known-images table, the profile default ---
    const readId = (key: string): number | undefined => {
      for (const o of sources) {
        const raw = annotationsOf(o)[key];
        if (raw === undefined || raw === null) continue;
        const n = parseId(raw);
        if (n !== undefined) return n;
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
    const annGid = readId(GROUP_ANNOTATION);
    const noteOf = (r: ContainerRef) => (known.get(r)?.note ? `. Note on ${imageName(r)}: ${known.get(r)!.note}` : '');
    const fromAnnotation = (): Choice | undefined =>
      annUid === undefined
        ? undefined
        : {
            uid: annUid,
            gid: annGid ?? annUid,
            why: `the annotation ${USER_ANNOTATION}`,
            gidWhy: annGid !== undefined ? `the annotation ${GROUP_ANNOTATION}` : `the annotation ${USER_ANNOTATION}, as ${GROUP_ANNOTATION} is not set`,
            source: 'annotation',
          };
    const fromTable = (r: ContainerRef): Choice | undefined => {
      const k = known.get(r);
      const id = k && knownIdentity(k, r.container.image);
      if (!id) return undefined;
      const why = `the user the ${imageName(r)} image is built to run as`;
      return { uid: id.uid, gid: id.gid, why, gidWhy: `the group the ${imageName(r)} image is built to run as`, source: 'table', image: r };
    };
    const byDefault: Choice = {
      uid: options.uid,
      gid: options.gid,
      why: 'kharden\'s default: the distroless "nonroot" user, not a real account on common images',
      gidWhy: 'kharden\'s default: the distroless "nonroot" group',
      source: 'default',
    };
    /** What a container runs as when kharden picks: the annotation, its image's table entry, else what the pod gives. */
    const wanted = (r: ContainerRef, pod: Choice | undefined): Choice => fromAnnotation() ?? fromTable(r) ?? pod ?? byDefault;

    // The pod-level choice: the app's containers decide before init containers.
    const order = ['containers', 'initContainers', 'ephemeralContainers'];
    const byRole = [...active].sort((a, b) => order.indexOf(a.list) - order.indexOf(b.list));
    const podChoice: Choice = fromAnnotation() ?? byRole.filter((r) => needsUid.has(r) || rootUser(r)).map(fromTable).find((c) => c) ?? byDefault;
    const uidSays = (c: Choice) => `UID ${c.uid} (${c.why})`;
    const gidSays = (c: Choice) => `GID ${c.gid} (${c.gidWhy})`;
    const overridden = new Map<string, string[]>(); // "pod" or a container name → what replaced its zero IDs
    const note = (who: string, what: string) => overridden.set(who, [...(overridden.get(who) ?? []), what]);

    // --- runAsUser ---
    // On the pod only when every container that would inherit it is one kharden picks a user for
    // (or one that inherits root from the pod): a container that runs as its image's own user
    // keeps it.
    const inheritsPodUser = active.filter((r) => scOf(r).runAsUser == null);
    const podUserByKharden =
      podLevel && (podRootUser || (podSc.runAsUser == null && inheritsPodUser.length > 0 && inheritsPodUser.every((r) => needsUid.has(r))));
    if (podUserByKharden) {
      if (podRootUser) {
        ctx.set(`${SC}/runAsUser`, podChoice.uid, `runAsUser: 0 runs the pod as root; replaced with ${uidSays(podChoice)}`);
        note('pod', `runAsUser: 0 with ${uidSays(podChoice)}`);
      } else {
        ctx.set(`${SC}/runAsUser`, podChoice.uid, `run as ${uidSays(podChoice)}: with runAsNonRoot alone the kubelet refuses images whose USER is root or a name it cannot check`);
      }
    }
    // A pod-level user someone chose (not root): a container replacing its own root UID falls back to it.
    const podUserChosen = idOf(podSc.runAsUser);
    const podUser: Choice | undefined = podUserByKharden
      ? podChoice
      : podUserChosen !== undefined && podUserChosen > 0
        ? { uid: podUserChosen, why: "the pod's runAsUser", source: 'pod' }
        : undefined;
    /** The identity kharden gave each container (its UID, and the group that goes with it). */
    const assigned = new Map<ContainerRef, Choice>();
    for (const r of active) {
      const own = idOf(scOf(r).runAsUser);
      const path = `${r.path}/securityContext/runAsUser`;
      if (own === 0) {
        const want = wanted(r, podUser);
        ctx.set(path, want.uid, `container ${r.name}: runAsUser: 0 runs it as root; replaced with ${uidSays(want)}`);
        note(r.name, `runAsUser: 0 with ${uidSays(want)}`);
        assigned.set(r, want);
      } else if (own === undefined && (needsUid.has(r) || rootUser(r))) {
        if (podUserByKharden) {
          // It inherits the pod's UID unless its image has its own user.
          const want = wanted(r, podChoice);
          if (want.uid !== podChoice.uid) ctx.set(path, want.uid, `container ${r.name}: ${uidSays(want)}, not the pod's ${podChoice.uid}`);
          assigned.set(r, want);
        } else {
          const want = wanted(r, undefined);
          ctx.set(path, want.uid, podLevel ? `container ${r.name}: run as ${uidSays(want)}` : `container ${r.name}: run as ${uidSays(want)}; ${perContainerWhy()}`);
          if (rootUser(r)) note(r.name, `the pod's runAsUser: 0 with ${uidSays(want)}`);
          assigned.set(r, want);
        }
      }
    }

    // --- runAsGroup ---
    // A group goes with a UID kharden picked; a container that chose its own user keeps its own
    // group (the image's entry for that UID), and a group the pod names is kept. Root's group is
    // replaced wherever it is.
    const podGroupChosen = idOf(podSc.runAsGroup);
    const inheritsPodGroup = active.filter((r) => scOf(r).runAsGroup == null);
    /** The group to replace a root group with: the identity kharden picked, else the same number as the user it runs as. */
    const rootGroupReplacement = (c: Choice | undefined, uid: number | undefined): { gid: number; why: string } =>
      c && c.gid !== undefined ? { gid: c.gid, why: c.gidWhy! } : uid !== undefined && uid > 0 ? { gid: uid, why: 'the same number as its runAsUser' } : { gid: byDefault.gid!, why: byDefault.gidWhy! };
    const podGroupByKharden =
      podLevel &&
      (podGroupChosen === 0 ||
        (podGroupChosen === undefined &&
          podUserByKharden &&
          podChoice.gid !== undefined &&
          inheritsPodGroup.length > 0 &&
          // Everyone who would inherit it runs as a user kharden picked, with a group of its own.
          inheritsPodGroup.every((r) => assigned.get(r)?.gid !== undefined)));
    if (podGroupByKharden) {
      if (podGroupChosen === 0) {
        const g = rootGroupReplacement(podUserByKharden ? podChoice : undefined, idOf(mapAt(ctx.current, SC).runAsUser));
        const why = g.why === 'the same number as its runAsUser' ? "the same number as the pod's runAsUser" : g.why;
        ctx.set(`${SC}/runAsGroup`, g.gid, `runAsGroup: 0 puts the pod's processes in root's group; replaced with GID ${g.gid} (${why})`);
        note('pod', `runAsGroup: 0 with GID ${g.gid} (${why})`);
      } else {
        ctx.set(`${SC}/runAsGroup`, podChoice.gid!, `primary group ${gidSays(podChoice)} instead of the image's, often root's group 0`);
      }
    }
    const podGroupAfter = idOf(mapAt(ctx.current, SC).runAsGroup);
    for (const r of active) {
      const own = idOf(scOf(r).runAsGroup);
      const path = `${r.path}/securityContext/runAsGroup`;
      const mine = assigned.get(r);
      if (own === 0 || (own === undefined && podGroupChosen === 0 && !podGroupByKharden)) {
        const userNow = idOf(mapAt(ctx.current, `${r.path}/securityContext`).runAsUser) ?? idOf(mapAt(ctx.current, SC).runAsUser);
        const g = rootGroupReplacement(mine, userNow);
        const what = own === 0 ? 'runAsGroup: 0' : "the pod's runAsGroup: 0";
        ctx.set(path, g.gid, `container ${r.name}: ${what} puts it in root's group; replaced with GID ${g.gid} (${g.why})`);
        note(r.name, `${what} with GID ${g.gid} (${g.why})`);
      } else if (own === undefined && mine?.gid !== undefined && mine.gid !== podGroupAfter && (podGroupChosen === undefined || podGroupByKharden)) {
        ctx.set(path, mine.gid, podGroupAfter !== undefined ? `container ${r.name}: ${gidSays(mine)}, not the pod's ${podGroupAfter}` : `container ${r.name}: primary group ${gidSays(mine)}`);
      }
    }

    // Exempted containers: what they would get is planned all the same, so that the report says
    // what was not applied to them (the engine drops these edits).
    for (const r of refs.filter((x) => exempt.has(x.name))) {
      if (uidBefore(r) !== undefined && uidBefore(r) !== 0) continue;
      if (nonRootBefore(r) && uidBefore(r) === undefined) continue;
      const want = wanted(r, undefined);
      ctx.set(`${r.path}/securityContext/runAsNonRoot`, true, `restricted requires runAsNonRoot: true`);
      ctx.set(`${r.path}/securityContext/runAsUser`, want.uid, `container ${r.name}: run as ${uidSays(want)}`);
      if (want.gid !== undefined) ctx.set(`${r.path}/securityContext/runAsGroup`, want.gid, `container ${r.name}: primary group ${gidSays(want)}`);
    }

    // --- findings ---
    const podFields = overridden.get('pod');
    if (podFields) report({ code: 'rootUserOverridden', message: `the pod set root IDs; replaced ${podFields.join(', and ')}`, path: SC });
    for (const r of active) {
      const fields = overridden.get(r.name);
      const mine = assigned.get(r);
      if (fields) {
        report({
          code: 'rootUserOverridden',
          message: `container ${r.name} (image ${imageName(r)}) set root IDs; replaced ${fields.join(', and ')}${noteOf(r)}`,
          path: `${r.path}/securityContext`,
        });
      } else if (mine && mine.source === 'table' && mine.image === r) {
        report({
          code: 'uidFromKnownImage',
          message: `container ${r.name}: runs as UID ${mine.uid}${mine.gid !== undefined ? `, GID ${mine.gid}` : " with the image's own group"}, the ${imageName(r)} image's own user (kharden's known-images table)${noteOf(r)}`,
          path: `${r.path}/securityContext`,
        });
      } else if (mine && mine.source !== 'annotation') {
        // Its own image gave no UID (unknown, or known without a user, like busybox): the UID is a guess.
        const whose = mine.source === 'table' ? `the pod's, from the ${imageName(mine.image!)} image` : mine.source === 'pod' ? "the pod's" : "kharden's default";
        const what = known.get(r) ? `has no user of its own in kharden's known-images table` : `is not in kharden's known-images table`;
        report({
          code: 'imageMayRequireRoot',
          message: `container ${r.name}: image ${imageName(r)} ${what}; it now runs as UID ${mine.uid} (${whose})${noteOf(r)}`,
          path: `${r.path}/securityContext`,
        });
      }
    }

    // Images whose program writes root-owned directories need volumes there as their own user
    // (read-only-root-filesystem mounts them when it runs first): say so where none is mounted.
    for (const r of active) {
      const mine = assigned.get(r);
      const k = known.get(r);
      if (!mine || mine.source !== 'table' || mine.image !== r || !k?.rootOwnedWrites || (k.listens && !runsProgram(k.listens.programs, r.container))) continue;
      const mounts = listAt(mapAt(ctx.current, r.path), '/volumeMounts').map((m) => obj(m).mountPath).filter((p): p is string => typeof p === 'string').map(normalizePath);
      const missing = k.rootOwnedWrites.filter((dir) => !mounts.some((m) => dir === m || dir.startsWith(`${m}/`)));
      if (missing.length === 0) continue;
      report({
        code: 'imageWritesRootDirs',
        message: `container ${r.name}: as UID ${mine.uid} the ${imageName(r)} image's program cannot write ${missing.join(', ')}, which belong to root in the image, and no volume is mounted there: mount an emptyDir on each (read-only-root-filesystem does), or use an image built to run as non-root`,
        path: `${r.path}/volumeMounts`,
      });
    }

    // --- fsGroup: volumes the new user can write ---
    // Only where kharden changed who runs: a pod already running as non-root users keeps its
    // volumes as they are.
    if (assigned.size === 0 || idOf(podSc.fsGroup) !== undefined) return;
    const volumes = volumesOf(target.template, target.resource, target.templatePath);
    // fsGroup does not apply to hostPath volumes (the kubelet leaves the node's files alone).
    const managed = volumes.filter((v) => v.type !== 'hostPath');
    if (managed.length === 0) return;
    const persistent = managed.filter((v) => v.persistent);
    const first = byRole.map((r) => assigned.get(r)).find((c) => c)!;
    const gid = podGroupAfter !== undefined && podGroupAfter > 0 ? podGroupAfter : first.gid ?? first.uid;
    // fsGroup is a pod-level field: not where the controller forbids those, nor where it would
    // change the ownership of data a container kharden leaves alone keeps on a persistent volume
    // (on volumes made fresh for the pod it only adds group access).
    const untouched = refs.filter((r) => exempt.has(r.name) || kept.has(r.name));
    const mountsPersistent = (r: ContainerRef) => listAt(r.container, '/volumeMounts').some((m) => persistent.some((v) => v.name === obj(m).name));
    if (!target.pod.podSecurityContext || untouched.some(mountsPersistent)) {
      // What may then stay unwritable: volumes that are neither fresh and world-writable
      // (emptyDir) nor read-only by nature (configMap, secret, projected, downwardAPI).
      const atRisk = managed.filter((v) => !['emptyDir', 'configMap', 'secret', 'projected', 'downwardAPI'].includes(v.type));
      const writers = active.filter((r) => assigned.has(r) && listAt(r.container, '/volumeMounts').some((m) => atRisk.some((v) => v.name === obj(m).name)));
      if (writers.length === 0) return;
      const uids = [...new Set(writers.map((r) => assigned.get(r)!.uid))].join(', ');
      report({
        code: 'fsGroupNotSet',
        severity: atRisk.some((v) => v.persistent) ? 'warning' : 'info',
        message: target.pod.podSecurityContext
          ? `fsGroup not set: it would change the group of the files that ${untouched.filter(mountsPersistent).map((r) => r.name).join(', ')} (left as ${untouched.filter(mountsPersistent).length > 1 ? 'they are' : 'it is'}) keeps on ${persistent.map((v) => v.name).join(', ')}; ${writers.map((r) => r.name).join(', ')}, now running as UID ${uids}, may not be able to write ${atRisk.map((v) => v.name).join(', ')}; set fsGroup: ${gid} on the pod if that is fine`
          : `fsGroup not set: it exists only on the pod, whose security fields the ${target.ref.kind}'s controller rejects; ${writers.map((r) => r.name).join(', ')}, now running as UID ${uids}, may not be able to write ${atRisk.map((v) => v.name).join(', ')}`,
        path: SC,
      });
      return;
    }
    ctx.set(`${SC}/fsGroup`, gid, `the pod mounts volumes (${managed.map((v) => v.name).join(', ')}): fsGroup ${gid} makes them group-owned by the pod's group so the non-root user kharden picked can write them`);
    if (persistent.length > 0 && podSc.fsGroupChangePolicy == null) {
      ctx.set(
        `${SC}/fsGroupChangePolicy`,
        'OnRootMismatch',
        `persistent volumes (${persistent.map((v) => v.name).join(', ')}): with the default policy the kubelet changes the owner and mode of every file on them at every start, which is slow on large volumes; OnRootMismatch does it only while the volume's root does not match`,
      );
    }
  },
});
