/**
 * Where well-known images write at run time, for the read-only root filesystem transform: the
 * paths that must stay writable, and which of them hold the app's *data* (a database's data
 * directory). Keyed like `known-images.ts` (a RegExp source tested against the image repository),
 * which stays the table of users and of the simple writable paths; this table adds what matters
 * when an emptyDir is mounted there:
 *
 * - a data directory gets an emptyDir without `sizeLimit` (a database that grows past the limit
 *   gets its pod evicted) and a warning that the data lives only as long as the pod;
 * - Bitnami images write under `/opt/bitnami/<app>`, derived from the repository name.
 *
 * Every entry is cited: the upstream Dockerfile line (`VOLUME`, `ENV`) or the upstream chart.
 */
import { imageRepository } from './known-images.js';

export interface ImagePaths {
  /** RegExp source tested against the image repository (`docker.io/library/postgres`), as in known-images.ts. */
  match: string;
  /**
   * The app's data directories. When one is unmounted, kharden mounts an emptyDir there without
   * a size limit and warns that the data is lost with the pod.
   */
  dataPaths: string[];
  /**
   * An environment variable that moves the data directory (`PGDATA`): when a container sets it to
   * an absolute path, that path replaces `dataPaths`. With `parent`, its parent directory is
   * mounted instead: PostgreSQL refuses a data directory it does not own or that others may write
   * ("data directory has wrong ownership" / "invalid permissions"), and an emptyDir mount point is
   * root's, mode 0777; the entrypoint creates PGDATA itself inside the parent.
   */
  dataPathEnv?: { name: string; parent?: boolean };
  /** A command-line flag that moves the data directory (`--storage.tsdb.path=/data` or `--storage.tsdb.path /data`). */
  dataPathFlag?: string;
}

export const IMAGE_PATHS: readonly ImagePaths[] = [
  // Bitnami first (bitnami/postgresql is not the official postgres): see bitnamiPaths below.
  // https://github.com/docker-library/postgres: up to 17 `ENV PGDATA /var/lib/postgresql/data` and
  // `VOLUME /var/lib/postgresql/data`; from 18 `ENV PGDATA /var/lib/postgresql/18/docker` and
  // `VOLUME /var/lib/postgresql`. The parent covers both (an emptyDir on /var/lib/postgresql/data
  // leaves an 18 image writing to the read-only root).
  { match: '(^|/)postgres$', dataPaths: ['/var/lib/postgresql'], dataPathEnv: { name: 'PGDATA', parent: true } },
  // https://github.com/docker-library/mysql and https://github.com/MariaDB/mariadb-docker: `VOLUME /var/lib/mysql`.
  { match: '(^|/)(mysql|mariadb)$', dataPaths: ['/var/lib/mysql'] },
  // https://github.com/docker-library/redis: `VOLUME /data`, `WORKDIR /data` (RDB/AOF files).
  { match: '(^|/)redis$', dataPaths: ['/data'] },
  // https://github.com/docker-library/mongo: `VOLUME /data/db /data/configdb`.
  { match: '(^|/)mongo$', dataPaths: ['/data/db', '/data/configdb'] },
  // https://github.com/docker-library/rabbitmq: `VOLUME /var/lib/rabbitmq` (the mnesia database).
  { match: '(^|/)rabbitmq$', dataPaths: ['/var/lib/rabbitmq'] },
  // https://www.elastic.co/guide/en/elasticsearch/reference/current/docker.html: data in /usr/share/elasticsearch/data.
  { match: '(^|/)elasticsearch(/elasticsearch)?$', dataPaths: ['/usr/share/elasticsearch/data'] },
  // https://github.com/prometheus/prometheus and /alertmanager Dockerfiles: `VOLUME [ "/prometheus" ]`
  // with CMD `--storage.tsdb.path=/prometheus`; `VOLUME [ "/alertmanager" ]` with `--storage.path=/alertmanager`.
  { match: '(^|/)prom(etheus)?/prometheus$', dataPaths: ['/prometheus'], dataPathFlag: '--storage.tsdb.path' },
  { match: '(^|/)prom(etheus)?/alertmanager$', dataPaths: ['/alertmanager'], dataPathFlag: '--storage.path' },
  // https://github.com/grafana/grafana Dockerfile: `GF_PATHS_DATA="/var/lib/grafana"` (SQLite database, plugins).
  { match: '(^|/)grafana/grafana(-oss|-enterprise)?$', dataPaths: ['/var/lib/grafana'], dataPathEnv: { name: 'GF_PATHS_DATA' } },
];

/**
 * Bitnami (bitnami/charts, e.g. bitnami/postgresql/templates/primary/statefulset.yaml, mysql,
 * nginx, redis): with readOnlyRootFilesystem the charts mount one emptyDir at /tmp and at
 * /opt/bitnami/<app>/{conf,tmp} (redis: /opt/bitnami/redis/etc), and the app's data at
 * /bitnami/<app>. The conf directory may start empty: current images copy their defaults from
 * /opt/bitnami/<app>/conf.default at start (bitnami/containers, nginx entrypoint.sh:
 * `cp -nr "$NGINX_DEFAULT_CONF_DIR"/. "$NGINX_CONF_DIR"`). /opt/bitnami/<app>/logs is *not*
 * mounted: the images link their log files to /dev/stdout and /dev/stderr (nginx postunpack.sh:
 * `ln -sf /dev/stdout "${NGINX_LOGS_DIR}/access.log"`), which an empty volume would hide, sending
 * the logs to files that fill the volume; the nginx chart copies them in with an init container.
 */
export interface BitnamiApp {
  /** Directory name under /opt/bitnami and /bitnami when it differs from the repository name. */
  dir?: string;
  /** Writable directories under /opt/bitnami/<dir> (default: conf, tmp). */
  writable?: string[];
  /** Data under /bitnami/<dir> (a database). */
  data?: boolean;
}

/** Bitnami apps whose paths were checked against their chart; others get the default layout and a warning. */
export const BITNAMI_APPS: Readonly<Record<string, BitnamiApp>> = {
  // bitnami/postgresql chart: /opt/bitnami/postgresql/{conf,tmp}, persistence at /bitnami/postgresql.
  postgresql: { data: true },
  'postgresql-repmgr': { dir: 'postgresql', data: true },
  // bitnami/mysql chart: /opt/bitnami/mysql/{conf,tmp,logs}, persistence at /bitnami/mysql.
  mysql: { data: true },
  // bitnami/nginx chart: /opt/bitnami/nginx/{conf,tmp} (+ logs, seeded by an init container).
  nginx: {},
  // bitnami/redis chart: /opt/bitnami/redis/etc (redis.conf is written there), /tmp; data under /bitnami/redis/data in the image.
  redis: { writable: ['etc', 'tmp'], data: true },
  'redis-sentinel': { writable: ['etc', 'tmp'] },
};

const BITNAMI = /(?:^|\/)bitnami(?:legacy|secure)?\/([a-z0-9][a-z0-9._-]*)$/;

export interface WritableLayout {
  /** Paths to make writable (sized emptyDir). */
  writable: string[];
  /** Data directories (emptyDir without sizeLimit, with a warning). */
  data: string[];
  /** The env var that moves the data directory, if any. */
  dataPathEnv?: { name: string; parent?: boolean };
  /** The command-line flag that moves it, if any. */
  dataPathFlag?: string;
  /** Set when the paths come from the Bitnami layout without a checked entry: the repository's app name. */
  bitnamiUnchecked?: string;
}

/** The Bitnami layout of an image, if it is a Bitnami image. */
export function bitnamiPaths(repository: string): WritableLayout | undefined {
  const m = BITNAMI.exec(repository);
  if (!m) return undefined;
  const name = m[1];
  const app = BITNAMI_APPS[name];
  const dir = app?.dir ?? name;
  return {
    writable: (app?.writable ?? ['conf', 'tmp']).map((d) => `/opt/bitnami/${dir}/${d}`),
    data: app?.data ? [`/bitnami/${dir}`] : [],
    ...(app ? {} : { bitnamiUnchecked: name }),
  };
}

const compiled = new Map<string, RegExp>();

/** The writable layout kharden knows for an image (table entry or Bitnami layout), if any. */
export function writableLayoutOf(image: unknown): WritableLayout | undefined {
  if (typeof image !== 'string' || image.trim() === '') return undefined;
  const repo = imageRepository(image);
  const bitnami = bitnamiPaths(repo);
  if (bitnami) return bitnami;
  const entry = IMAGE_PATHS.find((e) => {
    let re = compiled.get(e.match);
    if (!re) compiled.set(e.match, (re = new RegExp(e.match)));
    return re.test(repo);
  });
  return entry
    ? { writable: [], data: [...entry.dataPaths], ...(entry.dataPathEnv ? { dataPathEnv: entry.dataPathEnv } : {}), ...(entry.dataPathFlag ? { dataPathFlag: entry.dataPathFlag } : {}) }
    : undefined;
}
