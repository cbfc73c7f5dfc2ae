import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, test } from 'vitest';
import YAML from 'yaml';
import transform from '../../transforms/check-image-references.js';
import { parseImageReference, registryAllows } from '../../transforms/data/image-reference.js';
import { SHARED, chainOf, harden, runTransformFixtures } from '../helpers/harness.js';

runTransformFixtures(transform);

const D = '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef';
const pod = (...images: string[]) =>
  `apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n${images.map((im, i) => `  - name: c${i}\n    image: ${JSON.stringify(im)}\n`).join('')}`;

describe('image references, read as the container runtime reads them', () => {
  test.each([
    ['nginx', 'docker.io', 'library/nginx', undefined, undefined],
    ['nginx:1.25', 'docker.io', 'library/nginx', '1.25', undefined],
    ['bitnami/redis:7', 'docker.io', 'bitnami/redis', '7', undefined],
    ['docker.io/nginx', 'docker.io', 'library/nginx', undefined, undefined],
    ['index.docker.io/library/nginx:1', 'docker.io', 'library/nginx', '1', undefined],
    ['registry.k8s.io/pause:3.9', 'registry.k8s.io', 'pause', '3.9', undefined],
    ['localhost/app', 'localhost', 'app', undefined, undefined],
    ['localhost:5000/team/app:v1', 'localhost:5000', 'team/app', 'v1', undefined],
    ['Registry.Example.com/app', 'registry.example.com', 'app', undefined, undefined],
    [`nginx@sha256:${D}`, 'docker.io', 'library/nginx', undefined, `sha256:${D}`],
    [`ghcr.io/acme/api:2@sha256:${D}`, 'ghcr.io', 'acme/api', '2', `sha256:${D}`],
    ['gcr.io/distroless/static-debian12:nonroot', 'gcr.io', 'distroless/static-debian12', 'nonroot', undefined],
  ])('%s', (image, registry, repository, tag, digest) => {
    expect(parseImageReference(image)).toEqual({ registry, repository, ...(tag ? { tag } : {}), ...(digest ? { digest } : {}) });
  });

  test.each(['', 'nginx:', ':1.0', 'Nginx', 'ghcr.io/Acme/app', '${IMAGE}', 'nginx 1.25', ' nginx', 'nginx@sha256:abc', 'a//b', 'ko://github.com/x/cmd'])(
    '%j is refused (InvalidImageName)',
    (image) => expect(parseImageReference(image)).toBeUndefined(),
  );
});

describe('allow-list entries', () => {
  const allows = (entry: string, image: string) => registryAllows(entry, parseImageReference(image)!);
  test.each([
    ['docker.io', 'nginx', true],
    ['docker.io', 'index.docker.io/bitnami/redis', true],
    ['index.docker.io', 'nginx', true],
    ['docker.io/library', 'nginx:1', true],
    ['docker.io/library', 'bitnami/redis', false],
    ['ghcr.io/acme', 'ghcr.io/acme/api', true],
    ['ghcr.io/acme', 'ghcr.io/acme', true],
    ['ghcr.io/acme', 'ghcr.io/acme-evil/api', false],
    ['ghcr.io/acme/', 'ghcr.io/acme/api', true],
    ['*.gcr.io', 'us.gcr.io/p/x', true],
    ['*.gcr.io', 'gcr.io/p/x', false],
    ['registry.example.com', 'registry.example.com:5000/x', false],
    ['registry.example.com:5000', 'registry.example.com:5000/x', true],
    ['Registry.Example.com', 'registry.example.com/x', true],
    ['quay.io', 'nginx', false],
  ])('%s admits %s: %s', (entry, image, want) => expect(allows(entry, image)).toBe(want));

  test.each(['', ' quay.io', 'quay.io/acme:1', 'quay.io/acme@sha256:x', 'https://quay.io', 'quay.io/Acme'])('%j is refused when the profile is read', (entry) => {
    expect(() => chainOf(transform, { allowedRegistries: [entry] })).toThrow(/allowedRegistries\.0/);
  });

  test('a first component that is not a host is refused with the Docker Hub spelling', () => {
    expect(() => chainOf(transform, { allowedRegistries: ['ghcr.io', 'bitnami'] })).toThrow('allowedRegistries.1: "bitnami" is not a registry host (did you mean docker.io/bitnami?)');
  });
});

describe('severities and messages', () => {
  test('by default: mutable tags are warnings, a tag without digest is info, a digest is nothing', () => {
    const r = harden(pod('nginx:latest', 'nginx', 'nginx:1.25', `nginx@sha256:${D}`), chainOf(transform));
    expect(r.findings.map((f) => [f.code, f.severity, f.path])).toEqual([
      ['imageTagLatest', 'warning', '/spec/containers/0/image'],
      ['imageTagMissing', 'warning', '/spec/containers/1/image'],
      ['imageNotPinned', 'info', '/spec/containers/2/image'],
    ]);
    expect(r.findings[0].message).toContain('nginx:latest');
    expect(r.findings[0].message).toContain('container c0');
  });

  test('requireDigest makes every image without a digest an error', () => {
    const r = harden(pod('nginx:latest', 'nginx', 'nginx:1.25', `nginx@sha256:${D}`), chainOf(transform, { requireDigest: true }));
    expect(r.findings.map((f) => [f.code, f.severity])).toEqual([
      ['imageTagLatest', 'error'],
      ['imageTagMissing', 'error'],
      ['imageNotPinned', 'error'],
    ]);
  });

  test('a registry outside the allow-list is an error naming the registry, even for a pinned image', () => {
    const r = harden(pod(`quay.io/acme/x@sha256:${D}`), chainOf(transform, { allowedRegistries: ['ghcr.io'] }));
    expect(r.findings.map((f) => [f.code, f.severity])).toEqual([['imageRegistryNotAllowed', 'error']]);
    expect(r.findings[0].message).toMatch(/quay\.io.*not in allowedRegistries \(ghcr\.io\)/);
  });

  test('an empty allow-list checks nothing', () => {
    expect(harden(pod(`quay.io/acme/x@sha256:${D}`), chainOf(transform)).findings).toEqual([]);
  });
});

/** Polaris's own fixtures for the same checks, from ../shared, held to Polaris's verdicts. */
const POLARIS = path.join(SHARED, 'corpus/peers/polaris/test/checks');
const polarisPresent = fs.existsSync(POLARIS);
if (!polarisPresent) console.warn(`skipping the Polaris image checks: ${POLARIS} is absent`);
const files = (check: string, prefix: string) =>
  polarisPresent ? fs.readdirSync(path.join(POLARIS, check)).filter((f) => f.startsWith(prefix) && f.endsWith('.yaml')).sort().map((f) => path.join(check, f)) : [];

describe.skipIf(!polarisPresent)("Polaris's tagNotSpecified and pullPolicyNotAlways fixtures", () => {
  const mutableTag = new Set(['imageTagLatest', 'imageTagMissing']);
  test.each(files('tagNotSpecified', 'failure'))('%s: reported as a mutable tag', (f) => {
    const r = harden(fs.readFileSync(path.join(POLARIS, f), 'utf8'), chainOf(transform));
    expect(r.findings.some((x) => mutableTag.has(x.code))).toBe(true);
  });
  test.each(files('tagNotSpecified', 'success'))('%s: no mutable-tag finding', (f) => {
    const r = harden(fs.readFileSync(path.join(POLARIS, f), 'utf8'), chainOf(transform));
    expect(r.findings.filter((x) => mutableTag.has(x.code))).toEqual([]);
  });
  test.each(files('pullPolicyNotAlways', 'failure'))('%s: with pullAlwaysForMutableTags, hardened to what Polaris expects (mutated*)', (f) => {
    const r = harden(fs.readFileSync(path.join(POLARIS, f), 'utf8'), chainOf(transform, { pullAlwaysForMutableTags: true }));
    const mutated = fs.readFileSync(path.join(POLARIS, f.replace('failure', 'mutated')), 'utf8');
    expect(YAML.parse(r.output, { version: '1.1' })).toEqual(YAML.parse(mutated, { version: '1.1' }));
  });
  test.each(files('pullPolicyNotAlways', 'success'))('%s: already Always, left as it is', (f) => {
    const text = fs.readFileSync(path.join(POLARIS, f), 'utf8');
    const r = harden(text, chainOf(transform, { pullAlwaysForMutableTags: true }));
    expect(r.output).toBe(text);
  });
});
