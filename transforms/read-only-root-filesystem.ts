import type { JsonObject, PodTemplateTarget } from '../src/core/types.js';
import { defineTransform } from '../src/core/types.js';
import { boolean, string } from '../src/core/options.js';
import { parseQuantity } from './data/quantity.js';
import { containersOf, isPlainObject, listAt, mapAt, str } from './util.js';
import { findKnownImage, KNOWN_IMAGES } from './data/known-images.js';
import { writableLayoutOf } from './data/image-paths.js';
import type { WritableLayout } from './data/image-paths.js';

const ID = 'read-only-root-filesystem';
const WRITABLE = 'kharden.dev/writable-paths';
const SKIP = 'kharden.dev/skip';

function normPath(p: string): string {
  const s = p.trim().replace(/\/{2,}/g, '/');
  return s.length > 1 ? s.replace(/\/+$/, '') : s;
}

/** `p` is `mount` or lies below it. */
function covers(mount: string, p: string): boolean {
  return mount === p || mount === '/' || p.startsWith(mount + '/');
}

/** Paths declared in `kharden.dev/writable-paths` (pod-wide) and `…/writable-paths.<container>`. */
function declaredPaths(target: PodTemplateTarget, container: string): { paths: string[]; invalid: Map<string, string[]> } {
  const paths: string[] = [];
  const invalid = new Map<string, string[]>();
  for (const obj of [target.resource, target.template]) {
    const ann = mapAt(obj, '/metadata/annotations');
    for (const key of [WRITABLE, `${WRITABLE}.${container}`]) {
      const raw = ann[key];
      if (typeof raw !== 'string') continue;
      for (const part of raw.split(',').map((s) => s.trim()).filter(Boolean)) {
        const p = normPath(part);
        if (p.startsWith('/') && p !== '/' && !p.split('/').includes('..')) paths.push(p);
        else if (!(invalid.get(key) ?? []).includes(part)) invalid.set(key, [...(invalid.get(key) ?? []), part]);
      }
    }
  }
  return { paths, invalid };
}

/**
 * The container's data directories: the image's, or the path its data-directory variable (PGDATA)
 * is set to in the container's env when that is a literal absolute path (or that path's parent,
 * for an app that must create the directory itself).
 */
function dataDirectories(container: JsonObject, layout: WritableLayout | undefined): string[] {
  if (!layout) return [];
  const flag = layout.dataPathFlag;
  if (flag) {
    // The last occurrence wins, as with Go's flag package.
    const words = [...listAt(container, '/command'), ...listAt(container, '/args')].map((w) => (typeof w === 'string' ? w : ''));
    let value: string | undefined;
    words.forEach((w, i) => {
      if (w.startsWith(`${flag}=`)) value = w.slice(flag.length + 1);
      else if (w === flag && i + 1 < words.length) value = words[i + 1];
    });
    if (value !== undefined && value.trim().startsWith('/') && !value.includes('$')) {
      const p = normPath(value);
      if (p !== '/' && !p.split('/').includes('..')) return [p];
    }
  }
  const variable = layout.dataPathEnv;
  if (variable) {
    const env = listAt(container, '/env').find((e) => isPlainObject(e) && e.name === variable.name);
    const value = isPlainObject(env) ? str(env.value) : undefined;
    if (value !== undefined && value.trim().startsWith('/') && !value.includes('$')) {
      const p = normPath(value);
      const dir = variable.parent ? p.slice(0, p.lastIndexOf('/')) : p;
      if (dir !== '' && dir !== '/' && !dir.split('/').includes('..')) return [dir];
    }
  }
  return layout.data.map(normPath);
}

/** A DNS-1123 label: `kharden-` plus the path (`/var/cache/nginx` → `kharden-var-cache-nginx`). */
function baseVolumeName(path: string): string {
  const slug = path.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  return `kharden-${slug || 'root'}`.slice(0, 59).replace(/-+$/, '');
}

export default defineTransform({
  id: ID,
  summary: 'Set readOnlyRootFilesystem: true on every container that does not set false itself, and mount an emptyDir wherever the app must write (/tmp, known image paths, declared paths)',
  reason: 'A read-only root filesystem stops an attacker from dropping binaries or changing the app; the paths the app legitimately writes to get their own size-limited emptyDir volume so it keeps running.',
  docs: 'https://kubernetes.io/docs/tasks/configure-pod-container/security-context/',
  scope: 'podTemplate',
  options: {
    sizeLimit: string({
      default: '256Mi',
      description: "emptyDir.sizeLimit of every volume this transform adds ('' for none): a pod that writes more is evicted",
      type: "Kubernetes quantity (256Mi), or ''",
      test: (v) => (v === '' || parseQuantity(v) ? undefined : `${JSON.stringify(v)} is not a Kubernetes quantity (e.g. 256Mi, 1Gi), or '' for no limit`),
    }),
    overrideExplicitFalse: boolean({
      default: false,
      description: 'also make read-only a container that sets readOnlyRootFilesystem: false itself (by default that choice is kept and reported)',
    }),
  },
  changesPrivileges: true,
  messages: {
    readOnlyRootFilesystemKept: {
      severity: 'warning',
      title: 'readOnlyRootFilesystem: false kept',
      help: `readOnlyRootFilesystem is not part of the Pod Security Standards, and an explicit false is usually deliberate: some apps rewrite their own files at run time (the ingress-nginx controller writes its nginx.conf). kharden keeps it. To make the container read-only, delete the field (kharden then mounts writable paths) or set the option overrideExplicitFalse: true for ${ID} in the profile.`,
    },
    readOnlyRootFilesystemOverridden: {
      severity: 'warning',
      title: 'readOnlyRootFilesystem overridden',
      help: `The app may write to paths other than the ones made writable: if it fails, declare them with the annotation ${WRITABLE}.<container>: "/path,/other" or exempt the container with ${SKIP}.<container>: ${ID}.`,
    },
    writablePathsInvalid: { severity: 'warning', title: 'writable-paths annotation has invalid paths', help: 'Paths must be absolute, below /, without "..".' },
    writablePathsAdded: { severity: 'info', title: 'emptyDir volumes added for writable paths' },
    dataDirectoryEphemeral: {
      severity: 'warning',
      title: 'data directory on an emptyDir',
      help: 'An emptyDir lives as long as the pod: the data is lost when the pod is deleted, evicted or rescheduled. Mount a PersistentVolumeClaim at that path (a StatefulSet volumeClaimTemplate); kharden then leaves it alone. kharden sets no sizeLimit on a data directory, because a database that outgrows it would get its pod evicted.',
    },
    bitnamiPathsUnchecked: {
      severity: 'warning',
      title: 'Bitnami writable paths derived, not checked',
      help: `Bitnami images write under /opt/bitnami/<app> (conf, tmp); kharden mounts an emptyDir on each. Current images copy their default configuration from conf.default into an empty conf directory at start; older tags do not, and some apps write elsewhere (redis: etc). Compare with the empty-dir mounts of the app's Bitnami chart and declare others with ${WRITABLE}.<container>, or exempt it with ${SKIP}.<container>: ${ID}.`,
    },
    writablePathsUnknown: {
      severity: 'warning',
      title: 'paths the app writes to are unknown',
      help: `kharden knows no path the image writes to but /tmp; the app may need more. Declare them with the annotation ${WRITABLE}.<container>: "/path,/other" (or ${WRITABLE} for every container), or exempt it with ${SKIP}.<container>: ${ID}.`,
    },
  },
  run(target, ctx) {
    const options = ctx.options;
    const t = target.template;
    // Windows: the API server rejects readOnlyRootFilesystem on a pod with spec.os.name windows.
    if (target.pod.windows) return;
    const skipped = (name: string) => target.pod.exemptContainers.includes(name);
    const emptyDir: JsonObject = options.sizeLimit ? { sizeLimit: options.sizeLimit } : {};
    const taken = new Set<string>();
    for (const v of listAt(t, '/spec/volumes')) if (isPlainObject(v) && typeof v.name === 'string') taken.add(v.name);
    const newVolumes: JsonObject[] = [];
    const reportedInvalid = new Set<string>();

    // Ephemeral containers are left alone: they are debug containers added to a running pod,
    // whose volume list can no longer change, and debugging tools usually need to write.
    for (const c of containersOf(t).filter((c) => c.list !== 'ephemeralContainers')) {
      const rofs = mapAt(c.container, '/securityContext').readOnlyRootFilesystem;
      if (rofs === true) continue;
      const rofsPath = `${c.path}/securityContext/readOnlyRootFilesystem`;
      // An explicit false is the author's choice and no Pod Security level forbids it; values that
      // are not booleans are invalid (the API server rejects them) and are still replaced.
      if (rofs === false && !options.overrideExplicitFalse) {
        if (!skipped(c.name)) ctx.report({ code: 'readOnlyRootFilesystemKept', message: `container ${c.name}: readOnlyRootFilesystem: false kept`, path: rofsPath });
        continue;
      }
      ctx.set(rofsPath, true, rofs === undefined || rofs === null
        ? 'a read-only root filesystem stops writes to the image; the paths the app writes to get emptyDir volumes'
        : `readOnlyRootFilesystem was ${JSON.stringify(rofs)}; a read-only root filesystem stops writes to the image`);
      // A skipped container keeps its filesystem: the edit above is dropped (and reported) by the
      // engine; adding volumes for it would leave them unused.
      if (skipped(c.name)) continue;

      const image = str(c.container.image) ?? '';
      // The first matching entry of the table wins; an entry without writablePaths tells nothing about them.
      const entry = findKnownImage(image, KNOWN_IMAGES);
      const layout = writableLayoutOf(image);
      const declared = declaredPaths(target, c.name);
      // An init container that runs to completion and mounts nothing at the data directory keeps
      // no data there (its writes would reach no other container): a database image used for a
      // script (mysql:5.7 writing a config file) gets no data volume and no warning.
      const runsToCompletion = c.list === 'initContainers' && c.container.restartPolicy !== 'Always';
      const dataDirs = runsToCompletion ? [] : dataDirectories(c.container, layout);
      // A known writable path inside the image's default data directory is that data directory
      // (known-images lists /var/lib/postgresql/data): it moves with PGDATA, and gets no size limit.
      const known = (entry?.writablePaths ?? []).map(normPath).filter((p) => !layout?.data.some((d) => covers(d, p) || covers(p, d)) || dataDirs.includes(p));
      const wanted = ['/tmp', ...known, ...(layout?.writable ?? []), ...dataDirs, ...declared.paths];
      // Unique, and none below another wanted path (its parent's volume covers it).
      const unique = [...new Set(wanted)];
      const paths = unique.filter((p) => !unique.some((q) => q !== p && covers(q, p)));
      // A path that holds a data directory (or lies in one) is data: no size limit.
      const isData = (p: string) => dataDirs.some((d) => covers(p, d) || covers(d, p));

      const existing = listAt(c.container, '/volumeMounts')
        .map((m) => (isPlainObject(m) && typeof m.mountPath === 'string' ? normPath(m.mountPath) : undefined))
        .filter((m): m is string => m !== undefined);
      // Never mount over an existing mount. For data, a volume mounted below the data directory
      // (a PVC at /var/lib/postgresql/data) means the author placed the data: leave it to them.
      const alreadyWritable = paths.filter((p) => existing.some((m) => covers(m, p) || (isData(p) && covers(p, m))));
      const mounts: JsonObject[] = [];
      const dataMounts: string[] = [];
      for (const p of paths.filter((p) => !alreadyWritable.includes(p))) {
        const base = baseVolumeName(p);
        let name = base;
        for (let n = 2; taken.has(name); n++) name = `${base}-${n}`;
        taken.add(name);
        mounts.push({ name, mountPath: p });
        // A data directory grows with the data: a size limit would get the pod evicted.
        newVolumes.push({ name, emptyDir: isData(p) ? {} : emptyDir });
        if (isData(p)) dataMounts.push(p);
      }
      const mountsPath = `${c.path}/volumeMounts`;
      if (mounts.length) {
        const reason = `the root filesystem is read-only: ${mounts.map((m) => m.mountPath).join(', ')} must stay writable`;
        for (const m of mounts) ctx.append(mountsPath, m, reason);
      }

      if (rofs !== undefined && rofs !== null) {
        ctx.report({
          code: 'readOnlyRootFilesystemOverridden',
          message: `container ${c.name} set readOnlyRootFilesystem: ${JSON.stringify(rofs)}; overridden to true (writable: ${paths.join(', ')})`,
          path: rofsPath,
        });
      }
      for (const [key, bad] of declared.invalid) {
        if (reportedInvalid.has(key)) continue;
        reportedInvalid.add(key);
        ctx.report({
          code: 'writablePathsInvalid',
          message: `annotation ${key} lists ${bad.map((p) => JSON.stringify(p)).join(', ')}: ${bad.length > 1 ? 'not absolute paths' : 'not an absolute path'} below /, ignored`,
        });
      }
      if (mounts.length) {
        const covered = alreadyWritable.length ? `; already writable through existing mounts: ${alreadyWritable.join(', ')}` : '';
        const sized = mounts.filter((m) => !dataMounts.includes(m.mountPath as string));
        const data = dataMounts.length ? `${sized.length ? '; ' : ''}without sizeLimit (data): ${dataMounts.join(', ')}` : '';
        ctx.report({
          code: 'writablePathsAdded',
          message: `container ${c.name}: emptyDir volumes${sized.length ? `${options.sizeLimit ? ` (sizeLimit ${options.sizeLimit})` : ''} mounted at ${sized.map((m) => `${m.mountPath} (${m.name})`).join(', ')}` : ''}${data}${covered}`,
          path: mountsPath,
        });
      }
      for (const p of dataMounts) {
        ctx.report({
          code: 'dataDirectoryEphemeral',
          message: `container ${c.name}: data directory ${p} of ${image} is an emptyDir: its data is lost with the pod`,
          path: mountsPath,
        });
      }
      if (layout?.bitnamiUnchecked) {
        ctx.report({
          code: 'bitnamiPathsUnchecked',
          message: `container ${c.name}: ${layout.writable.join(', ')} made writable after Bitnami's layout (bitnami/${layout.bitnamiUnchecked} is not in kharden's table)`,
          path: `${c.path}/image`,
        });
      }
      if (entry?.writablePaths === undefined && !layout && declared.paths.length === 0) {
        ctx.report({
          code: 'writablePathsUnknown',
          message: `container ${c.name}: ${!image ? 'no image is named' : entry ? `image ${image} has no writable paths in kharden's table of known images` : `image ${image} is not in kharden's table of known images`}; only /tmp was made writable`,
          path: `${c.path}/image`,
        });
      }
    }

    const reason = 'emptyDir volumes for the paths containers must write to under a read-only root filesystem';
    for (const v of newVolumes) ctx.append('/spec/volumes', v, reason);
  },
});
