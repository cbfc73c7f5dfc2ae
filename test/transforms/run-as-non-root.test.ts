import { describe, expect, test } from 'vitest';
import transform from '../../transforms/run-as-non-root.js';
import { dataDirPath, findKnownImage, imageRepository, imageTag, KNOWN_IMAGES, knownIdentity, runsEntrypoint } from '../../transforms/data/known-images.js';
import { hardenText } from '../../src/core/engine.js';
import { BUILTIN_POD_TEMPLATE_LOCATIONS } from '../../src/core/resources.js';
import { chainOf, harden, runTransformFixtures } from '../helpers/harness.js';

runTransformFixtures(transform);

/** One image per table entry, so a new entry cannot be added without a test that reaches it. */
const SAMPLE_IMAGE: Record<string, string> = {
  '(^|/)bitnami(legacy|secure)?/': 'docker.io/bitnami/nginx:1.27',
  '(^|/)nginxinc/nginx-unprivileged$': 'nginxinc/nginx-unprivileged:1.27',
  '(^|/)nginx$': 'nginx:1.27',
  '(^|/)ingress-nginx/controller(-chroot)?$': 'registry.k8s.io/ingress-nginx/controller:v1.11.2',
  '(^|/)grafana/grafana(-oss|-enterprise)?$': 'grafana/grafana:11.2.0',
  '(^|/)prom(etheus)?/prometheus$': 'quay.io/prometheus/prometheus:v2.54.1',
  '(^|/)prom(etheus)?/alertmanager$': 'quay.io/prometheus/alertmanager:v0.27.0',
  '(^|/)prom(etheus)?/(node-exporter|pushgateway|blackbox-exporter)$': 'quay.io/prometheus/node-exporter:v1.8.2',
  '(^|/)kube-state-metrics$': 'registry.k8s.io/kube-state-metrics/kube-state-metrics:v2.13.0',
  '(^|/)redis$': 'redis:7.4',
  '(^|/)postgres$': 'postgres:16',
  '(^|/)mysql$': 'mysql:8.4',
  '(^|/)mariadb$': 'mariadb:11.4',
  '(^|/)mongo$': 'mongo:8.0',
  '(^|/)rabbitmq$': 'rabbitmq:3.13',
  '(^|/)memcached$': 'memcached:1.6',
  '(^|/)elasticsearch(/elasticsearch)?$': 'docker.elastic.co/elasticsearch/elasticsearch:8.15.0',
  '(^|/)pause$': 'registry.k8s.io/pause:3.10',
  '(^|/)distroless/': 'gcr.io/distroless/static-debian12:nonroot',
  '^cgr\\.dev/chainguard/': 'cgr.dev/chainguard/nginx:latest',
  '(^|/)busybox$': 'busybox:1.36',
};

describe('known-images table', () => {
  test('every entry has a sample image that it matches (and no earlier entry takes)', () => {
    for (const e of KNOWN_IMAGES) expect(findKnownImage(SAMPLE_IMAGE[e.match]), e.match).toBe(e);
    expect(Object.keys(SAMPLE_IMAGE).sort()).toEqual(KNOWN_IMAGES.map((e) => e.match).sort());
  });

  test.each([
    ['nginx', 'nginx'],
    ['nginx:1.27-alpine', 'nginx'],
    ['docker.io/library/nginx:1.27@sha256:abcd', 'docker.io/library/nginx'],
    ['localhost:5000/team/app', 'localhost:5000/team/app'],
    ['localhost:5000/team/app:v2', 'localhost:5000/team/app'],
    ['registry.k8s.io/pause@sha256:abcd', 'registry.k8s.io/pause'],
  ])('repository of %s is %s', (image, repo) => expect(imageRepository(image)).toBe(repo));

  test.each([
    ['nginx:1.27-alpine', '1.27-alpine'],
    ['docker.io/library/nginx:1.27@sha256:abcd', '1.27'],
    ['localhost:5000/team/app', undefined],
    ['registry.k8s.io/pause@sha256:abcd', undefined],
  ])('tag of %s is %s', (image, tag) => expect(imageTag(image)).toBe(tag));

  test.each([
    ['postgres:16', 999, 999],
    ['postgres:16.4-alpine3.20', 70, 70],
    ['docker.io/library/postgres:alpine', 70, 70],
    ['redis:7.4', 999, 999],
    ['redis:7.4-alpine', 999, 1000],
    ['bitnami/redis:7.4', 1001, undefined],
  ])('%s runs as %i:%s', (image, uid, gid) => {
    expect(knownIdentity(findKnownImage(image)!, image)).toEqual({ uid, ...(gid !== undefined ? { gid } : {}) });
  });

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
    ['postgres:16', 999],
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
      for (const d of e.entrypoint?.dataDirs ?? []) expect(d.path, e.match).toMatch(/^\/[^\s]*$/);
      if (e.entrypoint) expect(e.entrypoint.programs.length, e.match).toBeGreaterThan(0);
      for (const v of e.variants ?? []) {
        expect(() => new RegExp(v.tag), v.tag).not.toThrow();
        expect(v.uid, e.match).toBeGreaterThan(0);
        expect(e.uid, `${e.match}: variants refine an entry that has a uid`).toBeDefined();
      }
      for (const p of e.writablePaths ?? []) expect(p, e.match).toMatch(/^\/[^\s]*$/);
      expect(JSON.parse(JSON.stringify(e))).toEqual(e);
    }
  });
});

describe('entrypoints that start as root', () => {
  const postgres = findKnownImage('postgres')!;
  test.each([
    [{}, true],
    [{ args: ['postgres', '-c', 'max_connections=200'] }, true],
    [{ args: ['-c', 'shared_buffers=256MB'] }, true],
    [{ command: ['docker-entrypoint.sh', 'postgres'] }, true],
    [{ command: ['/usr/local/bin/docker-entrypoint.sh'], args: ['postgres'] }, true],
    [{ command: ['pg_dumpall', '-f', '/backup/all.sql'] }, false],
    [{ args: ['bash', '-c', 'sleep 1d'] }, false],
  ])('%j runs the postgres entrypoint: %s', (container, runs) => expect(runsEntrypoint(postgres, container)).toBe(runs));

  const pgdata = postgres.entrypoint!.dataDirs[0];
  test.each([
    [{}, 'postgres:16', '/var/lib/postgresql/data'],
    [{}, 'postgres', '/var/lib/postgresql/data'],
    [{}, 'postgres:17-alpine', '/var/lib/postgresql/data'],
    [{}, 'postgres:18', '/var/lib/postgresql/18/docker'],
    [{}, 'postgres:19.0-trixie', '/var/lib/postgresql/19/docker'],
    [{ env: [{ name: 'PGDATA', value: '/pg/data/' }] }, 'postgres:18', '/pg/data'],
    [{ env: [{ name: 'PGDATA', valueFrom: { configMapKeyRef: { name: 'x', key: 'y' } } }] }, 'postgres:16', undefined],
  ])('%j with %s keeps PGDATA in %s', (container, image, path) => expect(dataDirPath(pgdata, container, image)).toBe(path));
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

describe('run-as-non-root findings', () => {
  const job = (image: string) =>
    `apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n      - name: c\n        image: ${image}\n`;
  const findingsOf = (image: string) => harden(job(image), chainOf(transform)).findings;

  test('a UID picked for an image kharden does not know is a warning (it may break the app)', () => {
    const [f] = findingsOf('ghcr.io/example/app:1');
    expect(f).toMatchObject({ code: 'imageMayRequireRoot', severity: 'warning' });
    expect(f.message).toContain('UID 65532');
  });

  test('a known image without a user (busybox) still gets the warning, with its note', () => {
    const [f] = findingsOf('busybox:1.36');
    expect(f).toMatchObject({ code: 'imageMayRequireRoot', severity: 'warning' });
    expect(f.message).toContain(findKnownImage('busybox')!.note);
  });

  test("a UID from the table is one info finding, with the table's note on the image", () => {
    const found = findingsOf('bitnami/postgresql:16');
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ code: 'uidFromKnownImage', severity: 'info' });
    expect(found[0].message).toContain('UID 1001');
    expect(found[0].message).toContain(findKnownImage('bitnami/postgresql')!.note);
  });

  test("every note in the table is shown when kharden picks that image's UID", () => {
    const noted = KNOWN_IMAGES.filter((e) => e.note);
    expect(noted.length).toBeGreaterThan(1);
    for (const e of noted) {
      const image = SAMPLE_IMAGE[e.match];
      expect(findKnownImage(image), `${e.match}: its sample image must match it`).toBe(e);
      expect(findingsOf(image).map((f) => f.message).join('\n'), e.match).toContain(e.note);
    }
  });
});

describe('run-as-non-root where pod-level security fields are forbidden (Knative Serving)', () => {
  // A profile can declare such a location (podSecurityContext: forbidden); built here without one.
  const locations = [...BUILTIN_POD_TEMPLATE_LOCATIONS, { apiVersion: 'serving.knative.dev/*', kinds: ['Service'], path: '/spec/template', podSecurityContext: 'forbidden' as const }];
  const SERVICE = `apiVersion: serving.knative.dev/v1
kind: Service
metadata:
  name: hello
spec:
  template:
    spec:
      containers:
      - name: hello
        image: ghcr.io/knative/helloworld-go:latest
        volumeMounts:
        - {name: data, mountPath: /data}
      - name: cache
        image: redis:7.4
      volumes:
      - name: data
        persistentVolumeClaim:
          claimName: hello-data
`;
  const run = (text: string) => hardenText('service.yaml', text, { chain: chainOf(transform), podTemplateLocations: locations, freezeTargets: true });

  test('runAsNonRoot, runAsUser and runAsGroup go on each container, never under spec.securityContext', () => {
    const r = run(SERVICE);
    expect(r.output).toBe(`apiVersion: serving.knative.dev/v1
kind: Service
metadata:
  name: hello
spec:
  template:
    spec:
      containers:
      - name: hello
        image: ghcr.io/knative/helloworld-go:latest
        volumeMounts:
        - {name: data, mountPath: /data}
        securityContext:
          runAsNonRoot: true
          runAsUser: 65532
          runAsGroup: 65532
      - name: cache
        image: redis:7.4
        securityContext:
          runAsNonRoot: true
          runAsUser: 999
          runAsGroup: 999
      volumes:
      - name: data
        persistentVolumeClaim:
          claimName: hello-data
`);
    expect(r.edits.every((e) => /^\/spec\/template\/spec\/containers\/\d+\/securityContext/.test(e.path))).toBe(true);
  });

  test('fsGroup cannot be set per container: it is reported instead (a warning, the volume is persistent)', () => {
    const r = run(SERVICE);
    expect(r.findings.map((f) => f.code).sort()).toEqual(['fsGroupNotSet', 'imageMayRequireRoot', 'uidFromKnownImage']);
    const f = r.findings.find((x) => x.code === 'fsGroupNotSet')!;
    expect(f.severity).toBe('warning');
    expect(f.message).toContain("the Service's controller rejects");
    const again = run(r.output);
    expect(again.output).toBe(r.output);
    expect(again.edits).toEqual([]);
  });

  test('with only an emptyDir (fresh and world-writable) there is nothing to report about fsGroup', () => {
    const r = run(SERVICE.replace('persistentVolumeClaim:\n          claimName: hello-data', 'emptyDir: {}'));
    expect(r.output).toContain('emptyDir: {}');
    expect(r.findings.map((f) => f.code)).not.toContain('fsGroupNotSet');
  });

  test('with the built-in locations the same Service passes through untouched', () => {
    const r = hardenText('service.yaml', SERVICE, { chain: chainOf(transform), podTemplateLocations: BUILTIN_POD_TEMPLATE_LOCATIONS });
    expect(r.output).toBe(SERVICE);
  });
});
