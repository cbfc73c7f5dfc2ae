import type { Json } from '../src/core/types.js';
import { defineTransform } from '../src/core/types.js';
import { containersOf, isPlainObject, listAt, mapAt, str } from './util.js';

const ID = 'mount-secrets-read-only';

/** File mode bits: read by others (o+r), written by the group or by others (g+w, o+w). */
const OTHER_READ = 0o004;
const GROUP_WRITE = 0o020;
const OTHER_WRITE = 0o002;

/** `0644 (420)`: the octal a reader expects, with the decimal the API stores (YAML 1.1 reads 0644 as 420). */
function showMode(mode: number): string {
  return `0${mode.toString(8).padStart(3, '0')} (${mode})`;
}

/** A mode the API server would accept (0-0777), or undefined for anything it would refuse. */
function fileMode(v: Json | undefined): number | undefined {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0o777 ? v : undefined;
}

interface ModeField {
  path: string;
  mode: number;
  what: string;
}

/** The mode fields of one volume that apply to Secret data: a secret volume's, or the secret sources of a projected one. */
function secretModes(volume: Readonly<Record<string, Json>>, base: string, name: string): ModeField[] {
  const out: ModeField[] = [];
  const push = (path: string, v: Json | undefined, what: string) => {
    const mode = fileMode(v);
    if (mode !== undefined) out.push({ path, mode, what });
  };
  if (isPlainObject(volume.secret)) {
    const secretName = str(volume.secret.secretName) ?? '?';
    push(`${base}/secret/defaultMode`, volume.secret.defaultMode, `volume ${name} (Secret ${secretName}): defaultMode`);
    listAt(volume, '/secret/items').forEach((item, i) => {
      if (isPlainObject(item)) push(`${base}/secret/items/${i}/mode`, item.mode, `volume ${name} (Secret ${secretName}): items[${i}] (${str(item.path) ?? str(item.key) ?? '?'}) mode`);
    });
  }
  if (isPlainObject(volume.projected)) {
    const sources = listAt(volume, '/projected/sources');
    const secrets = sources.map((s, i) => [s, i] as const).filter(([s]) => isPlainObject(s) && isPlainObject(s.secret));
    // The projected volume's defaultMode covers its Secret files only when it has any.
    if (secrets.length) push(`${base}/projected/defaultMode`, volume.projected.defaultMode, `projected volume ${name} (Secret data): defaultMode`);
    for (const [s, i] of secrets) {
      const secret = (s as Record<string, Json>).secret as Record<string, Json>;
      listAt(secret, '/items').forEach((item, j) => {
        if (isPlainObject(item)) push(`${base}/projected/sources/${i}/secret/items/${j}/mode`, item.mode, `projected volume ${name} (Secret ${str(secret.name) ?? '?'}): items[${j}] mode`);
      });
    }
  }
  return out;
}

export default defineTransform({
  id: ID,
  summary: 'Mount Secret volumes read-only; report Secrets passed as environment variables and Secret file modes other users can read or anyone can write',
  reason:
    'A Secret in an environment variable is inherited by every child process and ends up in crash dumps, debug output and logs; a read-only file with a tight mode is seen only by what reads it. readOnly: true on the mount says so in the manifest, where reviewers and policies look.',
  docs: 'https://kubernetes.io/docs/concepts/security/secrets-good-practices/',
  scope: 'podTemplate',
  options: {},
  messages: {
    secretEnvVar: {
      severity: 'info',
      title: 'Secret passed as an environment variable',
      help: 'Environment variables are copied into every child process, shown by debugging tools and often written to logs. Mount the Secret as a volume (readOnly: true) and read the file instead; most apps and frameworks can read a password or key from a file (`*_FILE` variables).',
    },
    secretEnvFrom: {
      severity: 'info',
      title: 'every key of a Secret passed as environment variables',
      help: 'envFrom turns every key of the Secret, including ones added later, into environment variables. Mount the Secret as a volume (readOnly: true) instead.',
    },
    secretFileReadableByOthers: {
      severity: 'info',
      title: 'Secret files readable by every user of the container',
      help: 'A mode with o+r (0644, the default 420 too) lets every process of the container read the Secret files, whatever user it runs as. 0440 with the pod\'s fsGroup, or 0400 when the files\' owner is the app\'s user, keeps them to the app; kharden does not change modes because a mode the app\'s user cannot read breaks the app.',
    },
    secretFileWritable: {
      severity: 'warning',
      title: 'Secret file mode writable by group or others',
      help: 'g+w or o+w on Secret files says other users may change them. The kubelet mounts Secret volumes read-only, so the bits only mislead, and checklists flag them: use 0440 or 0400.',
    },
  },
  run(target, ctx) {
    const spec = target.template;
    const volumes = listAt(spec, '/spec/volumes');
    const secretVolumes = new Map<string, string>();
    volumes.forEach((v, i) => {
      if (!isPlainObject(v) || typeof v.name !== 'string') return;
      if (isPlainObject(v.secret)) secretVolumes.set(v.name, `Secret ${str(v.secret.secretName) ?? '?'}`);
      else if (isPlainObject(v.projected) && listAt(v, '/projected/sources').some((s) => isPlainObject(s) && isPlainObject(s.secret))) secretVolumes.set(v.name, 'projected Secret data');
      // Windows ignores file modes.
      if (target.pod.windows) return;
      for (const m of secretModes(v, `/spec/volumes/${i}`, v.name)) {
        const writable = m.mode & (GROUP_WRITE | OTHER_WRITE);
        if (writable) {
          const who = [m.mode & GROUP_WRITE ? 'the group' : '', m.mode & OTHER_WRITE ? 'every other user' : ''].filter(Boolean).join(' and ');
          ctx.report({ code: 'secretFileWritable', message: `${m.what} ${showMode(m.mode)} lets ${who} write the Secret files${m.mode & OTHER_READ ? ' and every user read them' : ''}`, path: m.path });
        } else if (m.mode & OTHER_READ) {
          ctx.report({ code: 'secretFileReadableByOthers', message: `${m.what} ${showMode(m.mode)} lets every user of the container read the Secret files`, path: m.path });
        }
      }
    });

    const exempt = new Set(target.pod.exemptContainers);
    for (const c of containersOf(spec)) {
      if (exempt.has(c.name)) continue;
      listAt(c.container, '/volumeMounts').forEach((mount, i) => {
        if (!isPlainObject(mount) || typeof mount.name !== 'string') return;
        const source = secretVolumes.get(mount.name);
        if (!source || mount.readOnly === true) return;
        ctx.set(
          `${c.path}/volumeMounts/${i}/readOnly`,
          true,
          `volume ${mount.name} holds ${source}: the app only reads it (the kubelet mounts Secret data read-only anyway), and readOnly: true says so where reviewers and policies look`,
        );
      });
      listAt(c.container, '/env').forEach((e, i) => {
        if (!isPlainObject(e)) return;
        const ref = mapAt(e, '/valueFrom/secretKeyRef');
        if (Object.keys(ref).length === 0) return;
        ctx.report({
          code: 'secretEnvVar',
          message: `container ${c.name}: environment variable ${str(e.name) ?? '?'} is read from Secret ${str(ref.name) ?? '?'}; mount the Secret as a read-only volume instead`,
          path: `${c.path}/env/${i}/valueFrom/secretKeyRef`,
        });
      });
      listAt(c.container, '/envFrom').forEach((e, i) => {
        if (!isPlainObject(e) || !isPlainObject(e.secretRef)) return;
        ctx.report({
          code: 'secretEnvFrom',
          message: `container ${c.name}: every key of Secret ${str(e.secretRef.name) ?? '?'} becomes an environment variable${typeof e.prefix === 'string' && e.prefix ? ` (prefix ${e.prefix})` : ''}; mount the Secret as a read-only volume instead`,
          path: `${c.path}/envFrom/${i}/secretRef`,
        });
      });
    }
  },
});
