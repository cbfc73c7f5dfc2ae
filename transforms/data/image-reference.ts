/**
 * Container image references, read the way the container runtime reads them (the grammar of
 * github.com/distribution/reference, which containerd and CRI-O both use):
 *
 *   reference := name [":" tag] ["@" digest]
 *   name      := [domain "/"] path-component ("/" path-component)*
 *   domain    := host [":" port]
 *
 * The first component is a registry host only when it contains `.` or `:`, is `localhost`, or has
 * an upper-case letter; otherwise the image is on Docker Hub (`docker.io`), and a one-component
 * Hub name lives under `library/` (`nginx` is `docker.io/library/nginx`). `index.docker.io` is
 * the legacy spelling of `docker.io`.
 */

export interface ImageReference {
  /** Registry host, with its port when one is given: `docker.io`, `registry.k8s.io`, `localhost:5000`. */
  registry: string;
  /** Repository path inside the registry, normalised: `library/nginx`, `acme/app`. */
  repository: string;
  tag?: string;
  digest?: string;
}

export const DOCKER_HUB = 'docker.io';

const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*';
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
// An IPv6 literal in brackets is a host too (`[::1]:5000`).
const HOST = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])`;
const DOMAIN = `${HOST}(?::[0-9]+)?`;
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
const REFERENCE = new RegExp(`^((?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*)(?::(${TAG}))?(?:@(${DIGEST}))?$`);

/** Normalises a registry host as the runtime does (`index.docker.io` is Docker Hub). */
export function normalizeRegistry(host: string): string {
  const lower = host.toLowerCase();
  return lower === 'index.docker.io' ? DOCKER_HUB : lower;
}

/** The parts of an image reference, or undefined when the runtime would refuse it (InvalidImageName). */
export function parseImageReference(image: string): ImageReference | undefined {
  const m = REFERENCE.exec(image);
  if (!m) return undefined;
  const [, name, tag, digest] = m;
  if (name.length > 255) return undefined;
  const slash = name.indexOf('/');
  const first = slash < 0 ? '' : name.slice(0, slash);
  const isDomain = slash >= 0 && (/[.:]/.test(first) || first === 'localhost' || first !== first.toLowerCase());
  let registry = isDomain ? normalizeRegistry(first) : DOCKER_HUB;
  let repository = isDomain ? name.slice(slash + 1) : name;
  // A domain part is allowed upper-case letters, a repository path is not.
  if (repository !== repository.toLowerCase()) return undefined;
  if (registry === DOCKER_HUB && !repository.includes('/')) repository = `library/${repository}`;
  return { registry, repository, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
}

/**
 * Whether an allow-list entry admits an image: a registry host (`registry.k8s.io`, `*.gcr.io`,
 * `localhost:5000`; `*` and `?` are globs) or a registry with a repository prefix
 * (`ghcr.io/acme`, `docker.io/library` for Docker Hub's official images), matched on whole
 * path components of the normalised repository (`nginx` is `docker.io/library/nginx`).
 */
export function registryAllows(entry: string, ref: ImageReference): boolean {
  const { host, prefix } = splitEntry(entry);
  if (!globMatch(normalizeRegistry(host), ref.registry)) return false;
  return prefix === '' || ref.repository === prefix || ref.repository.startsWith(`${prefix}/`);
}

function splitEntry(entry: string): { host: string; prefix: string } {
  const slash = entry.indexOf('/');
  return { host: slash < 0 ? entry : entry.slice(0, slash), prefix: slash < 0 ? '' : entry.slice(slash + 1).replace(/\/+$/, '') };
}

function globMatch(glob: string, s: string): boolean {
  const re = new RegExp('^' + glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]') + '$');
  return re.test(s);
}

const GLOB_LABEL = '[a-zA-Z0-9*?](?:[a-zA-Z0-9*?-]*[a-zA-Z0-9*?])?';
const HOST_GLOB = new RegExp(`^${GLOB_LABEL}(?:\\.${GLOB_LABEL})*(?::[0-9]+)?$`);
const REPOSITORY_PREFIX = new RegExp(`^${PATH_COMPONENT}(?:/${PATH_COMPONENT})*$`);

/** Checks an allow-list entry when the profile is read; returns what is wrong with it, if anything. */
export function registryEntryProblem(entry: string): string | undefined {
  const { host, prefix } = splitEntry(entry);
  const shape = 'a host such as registry.example.com, *.gcr.io or localhost:5000, optionally followed by /repository-prefix; no tag or digest';
  if (entry.trim() !== entry || !HOST_GLOB.test(host) || (prefix !== '' && !REPOSITORY_PREFIX.test(prefix))) return `${JSON.stringify(entry)} is not a registry (${shape})`;
  // As for the runtime, a first component without a dot or a port is not a host: `bitnami` is docker.io/bitnami.
  if (!/[.:*?]/.test(host) && host !== 'localhost') return `${JSON.stringify(entry)} is not a registry host (did you mean docker.io/${entry}?)`;
  return undefined;
}

/** `nginx` and `docker.io/library/nginx` name one image: the allow-list message says which registry an image comes from. */
export function describeRegistry(ref: ImageReference): string {
  return ref.registry === DOCKER_HUB ? `${DOCKER_HUB} (Docker Hub)` : ref.registry;
}
