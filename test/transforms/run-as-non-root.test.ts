import { describe, expect, test } from 'vitest';
import transform from '../../transforms/run-as-non-root.js';
import { findKnownImage, imageRepository, KNOWN_IMAGES } from '../../transforms/data/known-images.js';
import { chainOf, harden, runTransformFixtures } from '../helpers/harness.js';

runTransformFixtures(transform);

describe('known-images table', () => {
  test.each([
    ['nginx', 'nginx'],
    ['nginx:1.27-alpine', 'nginx'],
    ['docker.io/library/nginx:1.27@sha256:abcd', 'docker.io/library/nginx'],
    ['localhost:5000/team/app', 'localhost:5000/team/app'],
    ['localhost:5000/team/app:v2', 'localhost:5000/team/app'],
    ['registry.k8s.io/pause@sha256:abcd', 'registry.k8s.io/pause'],
  ])('repository of %s is %s', (image, repo) => expect(imageRepository(image)).toBe(repo));

  test.each([
    ['nginx:1.27', 101],
    ['docker.io/library/nginx', 101],
    ['nginxinc/nginx-unprivileged:1.27-alpine', 101],
    ['bitnami/nginx:1.27', 1001],
    ['docker.io/bitnami/postgresql:16', 1001],
    ['grafana/grafana:11.2.0', 472],
    ['quay.io/prometheus/node-exporter:v1.8.2', 65534],
    ['prom/prometheus', 65534],
    ['quay.io/prometheus/alertmanager:v0.27.0', 65534],
    ['redis:7', 999],
    ['postgres:16-alpine', 999],
    ['mysql:8.4', 999],
    ['memcached:1.6', 11211],
    ['registry.k8s.io/pause:3.10', 65535],
    ['gcr.io/distroless/static-debian12:nonroot', 65532],
    ['registry.k8s.io/ingress-nginx/controller:v1.11.2', 101],
  ])('%s runs as %i', (image, uid) => expect(findKnownImage(image)?.uid).toBe(uid));

  test.each(['busybox:1.36', 'docker.io/library/busybox'])('%s is known, with no UID', (image) => {
    const e = findKnownImage(image);
    expect(e).toBeDefined();
    expect(e!.uid).toBeUndefined();
  });

  test.each(['example/nginx-exporter', 'my-nginx', 'redis-operator', 'postgres-exporter:1', '', undefined, 42])('%s is not known', (image) => {
    expect(findKnownImage(image)).toBeUndefined();
  });

  test('entries are valid plain data: a RegExp source, non-root IDs, absolute writable paths', () => {
    for (const e of KNOWN_IMAGES) {
      expect(() => new RegExp(e.match), e.match).not.toThrow();
      if (e.uid !== undefined) expect(e.uid, e.match).toBeGreaterThan(0);
      if (e.gid !== undefined) expect(e.gid, e.match).toBeGreaterThan(0);
      expect(e.gid === undefined || e.uid !== undefined, `${e.match}: a gid needs a uid`).toBe(true);
      for (const p of e.writablePaths ?? []) expect(p, e.match).toMatch(/^\/[^\s]*$/);
      expect(JSON.parse(JSON.stringify(e))).toEqual(e);
    }
  });
});

describe('run-as-non-root options', () => {
  const pod = 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    image: x\n';
  test.each([[{ uid: 0 }], [{ gid: -1 }], [{ uid: 1.5 }]])('%j is refused', (options) => {
    expect(() => chainOf(transform, options)).toThrow(/must be an integer( 1-2147483647)?/);
  });
  test('uid/gid options replace the default', () => {
    const out = harden(pod, chainOf(transform, { uid: 1000, gid: 3000 })).output;
    expect(out).toContain('runAsUser: 1000');
    expect(out).toContain('runAsGroup: 3000');
  });
});
