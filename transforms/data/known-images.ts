/**
 * Well-known container images and the non-root identity they are built to run as.
 *
 * Plain data, shared by transforms: `run-as-non-root` reads `uid`/`gid`/`variants` (so a pod runs
 * as the user that owns the image's files instead of an arbitrary UID), `entrypoint` (images that
 * start as root and drop privileges themselves) and `note`; the read-only root filesystem
 * transform reads `writablePaths` (where to mount an emptyDir). The first entry that matches
 * wins, so specific entries (`bitnami/nginx`, `nginx-unprivileged`) come before general ones.
 *
 * Every UID/GID below is cited: the upstream Dockerfile line that creates the user, or the
 * upstream manifests/chart that run the image. Keep it that way when adding an entry.
 */

import { baseName, commandLineOf, envValue, simpleCommands } from './commands.js';

export interface KnownImage {
  /**
   * A RegExp source tested against the image *repository*: registry and path, without tag or
   * digest (`docker.io/library/nginx:1.27@sha256:…` → `docker.io/library/nginx`).
   * Anchor it on a path boundary: `(^|/)nginx$`, `(^|/)bitnami/`.
   */
  match: string;
  /** The numeric user the image's files belong to. Absent: the image has no dedicated user, any non-root UID works. */
  uid?: number;
  /**
   * The user the image starts as (its Dockerfile's USER): `root` when it sets none, a name, or a
   * number. With runAsNonRoot and no runAsUser the kubelet refuses to start an image whose USER is
   * root, or a name it cannot check.
   */
  user?: number | string;
  /**
   * Its primary group. Absent with a `uid`: kharden sets no runAsGroup, so the group the image
   * gives that user applies (the user's /etc/passwd entry, or root's group 0 when it has none).
   */
  gid?: number;
  /**
   * Builds of the same repository that run as another user, told apart by their tag (the Alpine
   * builds of postgres and redis): the first whose `tag` (a RegExp source) matches wins.
   */
  variants?: { tag: string; uid: number; gid?: number }[];
  /**
   * Directories the process writes at run time whose image content is not needed (caches, PID
   * and socket directories, data directories that start empty), so an emptyDir can be mounted
   * there when the root filesystem is read-only.
   */
  writablePaths?: string[];
  /**
   * The image's entrypoint starts as root, makes its data directories its user's (chown) and
   * drops to `uid` itself (gosu, su-exec, setpriv). Started as that user instead, it skips the
   * chown: each directory must already be writable, and owned where `mustOwn` says so.
   */
  entrypoint?: {
    /** The ENTRYPOINT script: a container whose `command` names another program bypasses it. */
    script: string;
    /** The programs it prepares for: the first argument (one starting with `-` means the first program). */
    programs: string[];
    /** How it drops root, for the report. */
    dropsWith: string;
    dataDirs: DataDir[];
  };
  /**
   * Directories its program writes that belong to root in the image: run as `uid`, it fails
   * unless a volume is mounted on each (or on a parent).
   */
  rootOwnedWrites?: string[];
  /**
   * Ports the image's program binds by default, whether or not a manifest declares them, when
   * the container runs one of `programs` (its default command, or a command/script naming one).
   */
  listens?: { ports: number[]; programs: string[] };
  /** Something a platform engineer should know when running it as non-root: shown with every finding about a container of this image. */
  note?: string;
}

/** A directory an entrypoint chowns as root before dropping privileges. */
export interface DataDir {
  /** Where it is by default. */
  path: string;
  /** The environment variable that moves it (`PGDATA`). */
  env?: string;
  /** From this major version of the image (its tag) on, the default is `path` here, `{major}` replaced. */
  since?: { major: number; path: string };
  /**
   * Why the program must own this directory itself, not just write it: then a volume mounted
   * exactly here (root-owned, whatever fsGroup does) breaks it as any user but root.
   */
  mustOwn?: string;
}

export const KNOWN_IMAGES: readonly KnownImage[] = [
  // Bitnami images run as 1001: `USER 1001` closes every bitnami/containers Dockerfile (e.g.
  // bitnami/nginx/1.27/debian-12/Dockerfile), after `chmod g+rwX /opt/bitnami`. UID 1001 has no
  // /etc/passwd entry there, so the image itself runs with group 0 and relies on those group
  // permissions: no gid here, so kharden adds no runAsGroup that would take group 0 away (the
  // charts, bitnami/charts bitnami/nginx/values.yaml, set runAsGroup 1001 only together with
  // emptyDir volumes over every directory the app writes). fsGroup 1001, as in the charts.
  // Before nginx/redis/postgres…, so bitnami/nginx is not taken for the official nginx image.
  {
    match: '(^|/)bitnami(legacy|secure)?/',
    user: 1001,
    uid: 1001,
    writablePaths: ['/tmp'],
    note: 'Bitnami images run as 1001 with group 0 and write under /opt/bitnami/<app>/{tmp,logs,conf}, which the image makes writable for group 0',
  },
  // https://edu.chainguard.dev/chainguard/chainguard-images/: images run as the nonroot user 65532
  // (the `-dev` variants run as root but have the same user). Before nginx/redis/postgres…, so
  // cgr.dev/chainguard/nginx is not taken for the official nginx image.
  {
    match: '^cgr\\.dev/chainguard/',
    uid: 65532,
    gid: 65532,
  },
  // https://github.com/nginxinc/docker-nginx-unprivileged Dockerfile: `ARG UID=101`, `ARG GID=101`;
  // it listens on 8080 and keeps its PID file and temp paths in /tmp.
  {
    match: '(^|/)nginxinc/nginx-unprivileged$',
    uid: 101,
    gid: 101,
    writablePaths: ['/tmp'],
  },
  // Official image, https://github.com/nginxinc/docker-nginx (mainline/debian/Dockerfile):
  // `groupadd --system --gid 101 nginx` / `useradd --system --gid nginx … --uid 101 nginx`; no
  // USER (the master process runs as root and its workers as nginx), `EXPOSE 80`.
  {
    match: '(^|/)nginx$',
    user: 'root',
    uid: 101,
    gid: 101,
    writablePaths: ['/var/cache/nginx', '/var/run', '/tmp'],
    listens: { ports: [80], programs: ['nginx', 'nginx-debug'] },
    // nginx-unprivileged (Dockerfile-debian.template): "nginx user must own the cache and etc
    // directory to write cache", `chown -R $UID:0 /var/cache/nginx`, and it moves the PID file:
    // `sed -i 's,/var/run/nginx.pid,/tmp/nginx.pid,' /etc/nginx/nginx.conf`. The official image
    // does neither: as 101, "mkdir() "/var/cache/nginx/client_temp" failed (13: Permission denied)".
    rootOwnedWrites: ['/var/cache/nginx', '/var/run'],
    note: 'the official image starts its master process as root; as 101 it binds port 80 only with net.ipv4.ip_unprivileged_port_start (allow-unprivileged-low-ports sets it) and writes /var/cache/nginx and /var/run/nginx.pid, which belong to root in the image, only on volumes mounted there (read-only-root-filesystem mounts them); nginxinc/nginx-unprivileged is built to run as 101 on port 8080',
  },
  // registry.k8s.io/ingress-nginx/controller: the upstream deploy manifests run it with
  // runAsUser 101, runAsGroup 82 (https://github.com/kubernetes/ingress-nginx, deploy/static/provider/cloud/deploy.yaml).
  // It serves on --http-port (default 80) and --https-port (default 443): pkg/flags/flags.go,
  // `flags.Int("http-port", 80, …)`, `flags.Int("https-port", 443, …)`.
  {
    match: '(^|/)ingress-nginx/controller(-chroot)?$',
    uid: 101,
    gid: 82,
    listens: { ports: [80, 443], programs: ['nginx-ingress-controller'] },
  },
  // https://github.com/grafana/grafana Dockerfile: `ARG GF_UID="472"`; the grafana Helm chart
  // (grafana/helm-charts, values.yaml) runs it with runAsUser/runAsGroup/fsGroup 472.
  {
    match: '(^|/)grafana/grafana(-oss|-enterprise)?$',
    uid: 472,
    gid: 472,
    writablePaths: ['/var/lib/grafana'],
  },
  // Prometheus project images are built `USER nobody` on busybox, where nobody is 65534:65534
  // (https://github.com/prometheus/prometheus/blob/main/Dockerfile: `chown -R nobody:nobody
  // /etc/prometheus /prometheus`, `USER nobody`; likewise alertmanager and the exporters);
  // kube-prometheus runs them with runAsUser/runAsGroup 65534.
  {
    match: '(^|/)prom(etheus)?/prometheus$',
    user: 'nobody',
    uid: 65534,
    gid: 65534,
    writablePaths: ['/prometheus'],
  },
  {
    match: '(^|/)prom(etheus)?/alertmanager$',
    uid: 65534,
    gid: 65534,
    writablePaths: ['/alertmanager'],
  },
  {
    match: '(^|/)prom(etheus)?/(node-exporter|pushgateway|blackbox-exporter)$',
    uid: 65534,
    gid: 65534,
  },
  // registry.k8s.io/kube-state-metrics/kube-state-metrics: the upstream examples run it with
  // runAsUser/runAsGroup 65534 (https://github.com/kubernetes/kube-state-metrics, examples/standard/deployment.yaml).
  {
    match: '(^|/)kube-state-metrics$',
    uid: 65534,
    gid: 65534,
  },
  // https://github.com/docker-library/redis Dockerfile: `groupadd -r -g 999 redis; useradd -r -g redis -u 999 redis`.
  // Alpine builds (redis/docker-library-redis 7.4/alpine/Dockerfile): "alpine already has a gid
  // 999", so `addgroup -S -g 1000 redis; adduser -S -G redis -u 999 redis`; `/data` is chowned
  // redis:redis in both.
  // Its entrypoint, as root, chowns the working directory /data to redis and drops privileges:
  // `find . \! -user redis -exec chown redis '{}' +; exec gosu redis "$0" "$@"` (su-exec on
  // Alpine), since Redis 8 `fix_data_dir_perms` then `exec setpriv --reuid redis …`
  // (redis/docker-library-redis debian/docker-entrypoint.sh), only for redis-server.
  {
    match: '(^|/)redis$',
    user: 'root',
    uid: 999,
    gid: 999,
    variants: [{ tag: 'alpine', uid: 999, gid: 1000 }],
    writablePaths: ['/data'],
    entrypoint: { script: 'docker-entrypoint.sh', programs: ['redis-server', 'redis-sentinel'], dropsWith: 'gosu (setpriv since Redis 8)', dataDirs: [{ path: '/data' }] },
    note: 'its entrypoint starts as root, chowns /data and drops to redis itself; run as redis from the start it skips that, so a volume at /data must be writable by the user (fsGroup; the image\'s own /data already is)',
  },
  // https://github.com/docker-library/postgres 17/bookworm/Dockerfile: `groupadd -r postgres
  // --gid=999; useradd -r -g postgres --uid=999`. Alpine builds (17/alpine3.22/Dockerfile): "70
  // is the standard uid/gid for "postgres" in Alpine", `addgroup -g 70 -S postgres; adduser -u 70`.
  // PGDATA is created owned by that user (mode 1777): as 999 on Alpine, initdb could not chmod it.
  // Its entrypoint (17/bookworm/docker-entrypoint.sh), as root, runs `find "$PGDATA" \! -user
  // postgres -exec chown postgres '{}' +` then `exec gosu postgres`; as another user it only tries
  // `chmod 00700 "$PGDATA" || :` ("ignore failure since there are cases where we can't chmod"),
  // and initdb then fails on a PGDATA it does not own. From 18 on, `ENV PGDATA
  // /var/lib/postgresql/18/docker` and `VOLUME /var/lib/postgresql` (18/*/Dockerfile).
  {
    match: '(^|/)postgres$',
    user: 'root',
    uid: 999,
    gid: 999,
    variants: [{ tag: 'alpine', uid: 70, gid: 70 }],
    writablePaths: ['/var/lib/postgresql/data', '/var/run/postgresql'],
    entrypoint: {
      script: 'docker-entrypoint.sh',
      programs: ['postgres'],
      dropsWith: 'gosu',
      dataDirs: [
        {
          path: '/var/lib/postgresql/data',
          env: 'PGDATA',
          since: { major: 18, path: '/var/lib/postgresql/{major}/docker' },
          mustOwn: 'initdb sets its mode to 0700 and the server refuses a data directory it does not own',
        },
      ],
    },
    note: 'its entrypoint starts as root, chowns PGDATA and drops to postgres itself; run as postgres from the start it skips that, so PGDATA must be a directory the user creates: a subdirectory of a volume (fsGroup makes the volume writable), never the volume\'s root',
  },
  // https://github.com/docker-library/mysql 8.4/Dockerfile.oracle: `groupadd --system --gid 999 mysql;
  // useradd --system --uid 999 --gid 999 … mysql`.
  // Its entrypoint (8.4/docker-entrypoint.sh), as root: `find "${!dirs[@]}" \! -user mysql -exec
  // chown --no-dereference mysql '{}' +` (datadir, socket, pid-file… directories), then `exec gosu
  // mysql`. The image makes /var/lib/mysql and /var/run/mysqld mode 1777 "regardless of the UID our
  // mysqld instance ends up having at runtime" (8.4/Dockerfile.oracle).
  {
    match: '(^|/)mysql$',
    user: 'root',
    uid: 999,
    gid: 999,
    writablePaths: ['/var/lib/mysql', '/var/run/mysqld', '/tmp'],
    entrypoint: { script: 'docker-entrypoint.sh', programs: ['mysqld'], dropsWith: 'gosu', dataDirs: [{ path: '/var/lib/mysql' }] },
    note: 'its entrypoint starts as root, chowns the data directory and drops to mysql itself; run as mysql from the start it skips that, so a volume at /var/lib/mysql must be writable by the user (fsGroup)',
  },
  // https://github.com/MariaDB/mariadb-docker Dockerfile: `groupadd --gid 999 -r mysql; useradd -r -g mysql mysql … --uid 999`
  // (the build history of the current images, as recorded in docker-library/repo-info; older
  // Ubuntu builds, e.g. 11.4/Dockerfile, ran `groupadd -r mysql && useradd -r -g mysql mysql`,
  // which takes the first system IDs: 999).
  // Its entrypoint runs `exec gosu mysql …` as root (MariaDB/mariadb-docker 11.4/docker-entrypoint.sh).
  {
    match: '(^|/)mariadb$',
    user: 'root',
    uid: 999,
    gid: 999,
    writablePaths: ['/var/lib/mysql', '/run/mysqld', '/tmp'],
    entrypoint: { script: 'docker-entrypoint.sh', programs: ['mariadbd', 'mysqld'], dropsWith: 'gosu', dataDirs: [{ path: '/var/lib/mysql' }] },
    note: 'its entrypoint starts as root, chowns the data directory and drops to mysql itself; run as mysql from the start it skips that, so a volume at /var/lib/mysql must be writable by the user (fsGroup)',
  },
  // https://github.com/docker-library/mongo 8.0/Dockerfile: `groupadd --gid 999 --system mongodb;
  // useradd --uid 999 --system --gid mongodb --home-dir /data/db mongodb`, /data/db and /data/configdb chowned to it.
  // Its entrypoint (8.0/docker-entrypoint.sh), as root and for mongod: `find /data/configdb
  // /data/db \! -user mongodb -exec chown mongodb '{}' +`, then `exec gosu mongodb`.
  {
    match: '(^|/)mongo$',
    user: 'root',
    uid: 999,
    gid: 999,
    writablePaths: ['/data/db', '/data/configdb', '/tmp'],
    entrypoint: { script: 'docker-entrypoint.sh', programs: ['mongod'], dropsWith: 'gosu', dataDirs: [{ path: '/data/db' }, { path: '/data/configdb' }] },
    note: 'its entrypoint starts as root, chowns /data/db and /data/configdb and drops to mongodb itself; run as mongodb from the start it skips that, so volumes there must be writable by the user (fsGroup)',
  },
  // https://github.com/docker-library/rabbitmq Dockerfile: `groupadd --gid 999 --system rabbitmq; useradd --uid 999 --system --gid rabbitmq`.
  {
    match: '(^|/)rabbitmq$',
    uid: 999,
    gid: 999,
    writablePaths: ['/var/lib/rabbitmq'],
  },
  // https://github.com/docker-library/memcached Dockerfile: `groupadd --system --gid 11211 memcache; useradd --system --gid memcache --uid 11211 memcache`.
  {
    match: '(^|/)memcached$',
    uid: 11211,
    gid: 11211,
  },
  // https://github.com/elastic/elasticsearch (distribution/docker Dockerfile): `groupadd -g 1000 elasticsearch; adduser -u 1000 -g 1000 …`;
  // the elastic Helm chart runs it with runAsUser 1000, fsGroup 1000.
  {
    match: '(^|/)elasticsearch(/elasticsearch)?$',
    uid: 1000,
    gid: 1000,
    writablePaths: ['/usr/share/elasticsearch/data', '/usr/share/elasticsearch/logs', '/tmp'],
  },
  // https://github.com/kubernetes/kubernetes/blob/master/build/pause/Dockerfile: `USER 65535:65535`.
  {
    match: '(^|/)pause$',
    user: 65535,
    uid: 65535,
    gid: 65535,
  },
  // https://github.com/GoogleContainerTools/distroless: every image has the "nonroot" user
  // 65532:65532 (the `:nonroot` tags run as it; the others run as root but work as 65532).
  {
    match: '(^|/)distroless/',
    uid: 65532,
    gid: 65532,
  },
  // busybox (https://github.com/docker-library/busybox) has no application user and owns no
  // files a process must write: any non-root UID runs it.
  {
    match: '(^|/)busybox$',
    note: 'no application user; any non-root UID works for commands that write only to mounted volumes',
  },
];

/** The repository part of an image reference: registry and path, without tag or digest. */
export function imageRepository(image: string): string {
  let ref = image.trim();
  const at = ref.indexOf('@');
  if (at >= 0) ref = ref.slice(0, at);
  const colon = ref.lastIndexOf(':');
  if (colon > ref.lastIndexOf('/')) ref = ref.slice(0, colon);
  return ref;
}

/** The tag part of an image reference (`1.27-alpine`), undefined when it has none. */
export function imageTag(image: string): string | undefined {
  let ref = image.trim();
  const at = ref.indexOf('@');
  if (at >= 0) ref = ref.slice(0, at);
  const colon = ref.lastIndexOf(':');
  return colon > ref.lastIndexOf('/') ? ref.slice(colon + 1) : undefined;
}

const compiled = new Map<string, RegExp>();
function regExp(source: string): RegExp {
  let re = compiled.get(source);
  if (!re) compiled.set(source, (re = new RegExp(source)));
  return re;
}

/** The UID/GID an image runs as according to its entry: the variant its tag selects, else the entry's own. */
export function knownIdentity(entry: KnownImage, image: unknown): { uid: number; gid?: number } | undefined {
  if (entry.uid === undefined) return undefined;
  const tag = typeof image === 'string' ? imageTag(image) : undefined;
  const variant = tag === undefined ? undefined : entry.variants?.find((v) => regExp(v.tag).test(tag));
  const id = variant ?? entry;
  return { uid: id.uid!, ...(id.gid !== undefined ? { gid: id.gid } : {}) };
}

/** The first table entry whose `match` matches the image's repository, if any. */
export function findKnownImage(image: unknown, table: readonly KnownImage[] = KNOWN_IMAGES): KnownImage | undefined {
  if (typeof image !== 'string' || image.trim() === '') return undefined;
  const repo = imageRepository(image);
  return table.find((e) => regExp(e.match).test(repo));
}

/**
 * Whether the container runs the image's entrypoint for one of the programs it prepares: no
 * `command` (or one naming the entrypoint script), and a first argument that is one of the
 * programs, an option for it, or none (the image's CMD).
 */
export function runsEntrypoint(entry: KnownImage, container: unknown): boolean {
  const ep = entry.entrypoint;
  if (!ep) return false;
  const { command, args } = commandLineOf(container);
  if (command && (command.length === 0 || baseName(command[0]) !== ep.script)) return false;
  const first = [...(command ?? []).slice(1), ...(args ?? [])][0];
  return first === undefined || first.startsWith('-') || ep.programs.includes(baseName(first));
}

/**
 * Where a data directory is for this container: the literal value of its environment variable,
 * else the default for the image's major version. Undefined when the variable comes from
 * elsewhere (valueFrom): kharden cannot know it.
 */
export function dataDirPath(dir: DataDir, container: unknown, image: unknown): string | undefined {
  const c = container as { env?: unknown };
  if (dir.env) {
    const literal = envValue(c, dir.env);
    if (literal !== undefined) return normalizePath(literal);
    const env = Array.isArray(c?.env) ? c.env : [];
    if (env.some((e) => typeof e === 'object' && e !== null && (e as { name?: unknown }).name === dir.env)) return undefined;
  }
  const tag = typeof image === 'string' ? imageTag(image) : undefined;
  const major = tag && /^\d+/.test(tag) ? Number(/^\d+/.exec(tag)![0]) : undefined;
  if (dir.since && major !== undefined && major >= dir.since.major) return dir.since.path.replace('{major}', String(major));
  return dir.path;
}

/** A path without trailing slashes or `.` segments, for comparing mount points. */
export function normalizePath(p: string): string {
  const parts = p.split('/').filter((x) => x !== '' && x !== '.');
  return `/${parts.join('/')}`;
}

/**
 * The ports the container binds by the entry's `listens`: when it runs the image's own command
 * (neither command nor args), or a command line or script that runs one of its programs.
 */
export function listensOn(entry: KnownImage | undefined, container: unknown): number[] {
  const l = entry?.listens;
  return l && runsProgram(l.programs, container) ? [...l.ports] : [];
}

/** The container runs its image's own command (neither command nor args), or a command line or script that starts one of `programs`. */
export function runsProgram(programs: readonly string[], container: unknown): boolean {
  const { command, args } = commandLineOf(container);
  if (command === undefined && args === undefined) return true;
  return simpleCommands(container).some((c) => c.argv.length > 0 && programs.includes(baseName(c.argv[0])));
}

/**
 * The data directory a known image's entrypoint must own, as root, with a volume mounted exactly
 * on it (postgres' PGDATA at a volume's root): that mount point stays root's whatever fsGroup does,
 * so the entrypoint needs root (and CHOWN, SETUID, SETGID) to start. Undefined when the container
 * does not run the entrypoint or no such mount exists.
 */
export function rootOwnedDataMount(entry: KnownImage | undefined, container: unknown): { dir: DataDir; at: string; volume: string } | undefined {
  if (!entry?.entrypoint || !runsEntrypoint(entry, container)) return undefined;
  const mounts = (container as { volumeMounts?: unknown })?.volumeMounts;
  const list = Array.isArray(mounts) ? (mounts as { mountPath?: unknown; name?: unknown }[]) : [];
  for (const dir of entry.entrypoint.dataDirs) {
    const at = dir.mustOwn ? dataDirPath(dir, container, (container as { image?: unknown })?.image) : undefined;
    const mount = at && list.find((m) => typeof m?.mountPath === 'string' && normalizePath(m.mountPath) === at);
    if (at && mount) return { dir, at, volume: String(mount.name) };
  }
  return undefined;
}
