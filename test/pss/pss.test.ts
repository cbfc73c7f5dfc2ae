/**
 * The Pod Security Standards evaluator against the upstream pod-security-admission fixtures
 * (latest policy version), plus a few unit tests of the semantics the fixtures do not pin down.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { describe, expect, test } from 'vitest';
import { checkIds, checkLevel, evaluatePod } from '../../src/pss/index.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CORPUS = path.resolve(HERE, '../../../shared/corpus/psa');
const VERSION = 'v1.37';
const LEVELS = ['baseline', 'restricted'] as const;
type Level = (typeof LEVELS)[number];

/** Restricted checks that replace a baseline check at restricted level (latest version). */
const REPLACED_AT_RESTRICTED: Record<string, string> = {
  capabilities_baseline: 'capabilities_restricted',
  hostPathVolumes: 'restrictedVolumes',
  seccompProfile_baseline: 'seccompProfile_restricted',
  procMount: 'procMount_restricted',
};

const ALL_IDS = [...new Set([...checkIds('baseline'), ...checkIds('restricted')])];

/** `runasnonroot2.yaml` → `runAsNonRoot`; undefined for `base*.yaml` or an unknown prefix. */
function checkForFile(file: string): string | undefined {
  const prefix = path.basename(file, '.yaml').replace(/\d+$/, '');
  return ALL_IDS.find((id) => id.toLowerCase() === prefix);
}

interface Fixture {
  level: Level;
  outcome: 'pass' | 'fail';
  file: string;
  name: string;
}

function fixtures(): Fixture[] {
  const out: Fixture[] = [];
  for (const level of LEVELS) {
    for (const outcome of ['pass', 'fail'] as const) {
      const dir = path.join(CORPUS, level, VERSION, outcome);
      for (const f of fs.readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort()) {
        out.push({ level, outcome, file: path.join(dir, f), name: `${level}/${VERSION}/${outcome}/${f}` });
      }
    }
  }
  return out;
}

function loadPod(file: string): { metadata: unknown; spec: unknown } {
  const doc = YAML.parse(fs.readFileSync(file, 'utf8')) as { kind?: string; metadata?: unknown; spec?: unknown };
  expect(doc.kind).toBe('Pod');
  return { metadata: doc.metadata, spec: doc.spec };
}

const haveCorpus = fs.existsSync(path.join(CORPUS, 'baseline', VERSION));
const corpusTitle = haveCorpus
  ? `upstream PSA fixtures (${VERSION}) at ${CORPUS}`
  : `upstream PSA fixtures: SKIPPED because the corpus directory ${CORPUS} is absent`;

(haveCorpus ? describe : describe.skip)(corpusTitle, () => {
  const all = haveCorpus ? fixtures() : [];

  test('the corpus has the expected files', () => {
    expect(all.filter((f) => f.outcome === 'pass').length).toBe(15 + 23);
    expect(all.filter((f) => f.outcome === 'fail').length).toBe(34 + 76);
    // Every fail fixture is named after a known check.
    expect(all.filter((f) => f.outcome === 'fail' && !checkForFile(f.file)).map((f) => f.name)).toEqual([]);
  });

  test.each(all.filter((f) => f.outcome === 'pass').map((f) => [f.name, f] as const))(
    'allowed: %s',
    (_name, f) => {
      const pod = loadPod(f.file);
      expect(checkLevel(pod.metadata, pod.spec, f.level)).toEqual([]);
    },
  );

  test.each(all.filter((f) => f.outcome === 'fail').map((f) => [f.name, f] as const))(
    'denied: %s',
    (_name, f) => {
      const pod = loadPod(f.file);
      const failing = checkLevel(pod.metadata, pod.spec, f.level).map((x) => x.check);
      expect(failing.length).toBeGreaterThan(0);
      const expected = checkForFile(f.file);
      if (expected) {
        const accepted = [expected];
        if (f.level === 'restricted' && REPLACED_AT_RESTRICTED[expected]) accepted.push(REPLACED_AT_RESTRICTED[expected]);
        expect(failing.filter((id) => accepted.includes(id)), `failing checks: ${failing.join(', ')}`).not.toEqual([]);
      }
    },
  );
});

// ---------------------------------------------------------------------------------------------

/** A pod admitted at restricted: one container plus one init container. */
function restrictedSpec(): Record<string, any> {
  const sc = () => ({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
  return {
    containers: [{ name: 'app', image: 'x', securityContext: sc() }],
    initContainers: [{ name: 'init', image: 'x', securityContext: sc() }],
    securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
  };
}

const ids = (spec: unknown, level: Level, meta: unknown = {}) => checkLevel(meta, spec, level).map((f) => f.check);

describe('PSS semantics', () => {
  test('the restricted template pod is admitted at restricted', () => {
    expect(evaluatePod({}, restrictedSpec())).toEqual({ level: 'restricted', failures: [] });
  });

  test('container-level runAsNonRoot overrides the pod level', () => {
    // No pod-level value: every container must set it.
    const spec = restrictedSpec();
    delete spec.securityContext.runAsNonRoot;
    expect(ids(spec, 'restricted')).toEqual(['runAsNonRoot']);
    spec.containers[0].securityContext.runAsNonRoot = true;
    expect(ids(spec, 'restricted')).toEqual(['runAsNonRoot']); // the init container still lacks it
    spec.initContainers[0].securityContext.runAsNonRoot = true;
    expect(ids(spec, 'restricted')).toEqual([]);
    // A container's explicit false beats the pod's true.
    const spec2 = restrictedSpec();
    spec2.containers[0].securityContext.runAsNonRoot = false;
    expect(checkLevel({}, spec2, 'restricted')).toEqual([
      expect.objectContaining({ check: 'runAsNonRoot', level: 'restricted', detail: expect.stringContaining('"app"') }),
    ]);
  });

  test('container-level seccompProfile covers a missing pod-level one', () => {
    const spec = restrictedSpec();
    delete spec.securityContext.seccompProfile;
    expect(ids(spec, 'restricted')).toEqual(['seccompProfile_restricted']);
    expect(ids(spec, 'baseline')).toEqual([]);
    for (const c of [...spec.containers, ...spec.initContainers]) c.securityContext.seccompProfile = { type: 'Localhost' };
    expect(ids(spec, 'restricted')).toEqual([]);
  });

  test('ephemeral containers count', () => {
    const spec = restrictedSpec();
    spec.ephemeralContainers = [{ name: 'debug', image: 'x' }];
    const failures = checkLevel({}, spec, 'restricted');
    expect(failures.map((f) => f.check)).toEqual(['allowPrivilegeEscalation', 'capabilities_restricted']);
    expect(failures.every((f) => f.detail.includes('"debug"'))).toBe(true);
    spec.ephemeralContainers[0].securityContext = { privileged: true };
    expect(ids(spec, 'baseline')).toEqual(['privileged']);
  });

  test('legacy AppArmor annotations are checked', () => {
    const meta = { annotations: { 'container.apparmor.security.beta.kubernetes.io/app': 'unconfined' } };
    expect(ids(restrictedSpec(), 'baseline', meta)).toEqual(['appArmorProfile']);
    meta.annotations['container.apparmor.security.beta.kubernetes.io/app'] = 'runtime/default';
    expect(ids(restrictedSpec(), 'baseline', meta)).toEqual([]);
  });

  test('Windows pods are exempt from seccomp, capabilities and allowPrivilegeEscalation at restricted', () => {
    const spec = { os: { name: 'windows' }, containers: [{ name: 'w', image: 'x' }], securityContext: { runAsNonRoot: true } };
    expect(evaluatePod({}, spec)).toEqual({ level: 'restricted', failures: [] });
    // ... but not from runAsNonRoot, nor from the baseline checks.
    const linux = { ...spec, os: { name: 'linux' } };
    expect(ids(linux, 'restricted')).toEqual(['allowPrivilegeEscalation', 'capabilities_restricted', 'seccompProfile_restricted']);
    expect(ids({ ...spec, securityContext: {} }, 'restricted')).toEqual(['runAsNonRoot']);
    expect(ids({ ...spec, hostNetwork: true }, 'baseline')).toEqual(['hostNamespaces']);
  });

  test('hostUsers: false relaxes runAsNonRoot, runAsUser and baseline procMount, not procMount_restricted', () => {
    const spec = restrictedSpec();
    spec.hostUsers = false;
    delete spec.securityContext.runAsNonRoot;
    spec.securityContext.runAsUser = 0;
    spec.containers[0].securityContext.procMount = 'Unmasked';
    expect(ids(spec, 'baseline')).toEqual([]);
    expect(ids(spec, 'restricted')).toEqual(['procMount_restricted']);
    spec.hostUsers = true;
    expect(ids(spec, 'baseline')).toEqual(['procMount']);
    expect(ids(spec, 'restricted')).toEqual(['procMount_restricted', 'runAsNonRoot', 'runAsUser']);
  });

  test('a volume without a source is defaulted to emptyDir', () => {
    const spec = restrictedSpec();
    spec.volumes = [{ name: 'a' }, { name: 'b', emptyDir: null }, { name: 'c', csi: { driver: 'd' } }];
    expect(ids(spec, 'restricted')).toEqual([]);
    spec.volumes.push({ name: 'h', hostPath: { path: '/' } });
    expect(ids(spec, 'baseline')).toEqual(['hostPathVolumes']);
    expect(ids(spec, 'restricted')).toEqual(['restrictedVolumes']);
  });

  test('null and garbage input does not throw and is treated as absent', () => {
    const garbage: unknown[] = [
      null,
      undefined,
      42,
      'pod',
      [],
      [null],
      { containers: null },
      { containers: 'x', initContainers: 7, ephemeralContainers: {} },
      { containers: [null, 5, 'c', []] },
      { containers: [{ name: 9, securityContext: 'root', ports: 'all' }] },
      { containers: [{ securityContext: { capabilities: { add: 'SYS_ADMIN', drop: null } } }] },
      { securityContext: { sysctls: [null, { name: 7 }, 'x'], seLinuxOptions: [], seccompProfile: 'Unconfined' } },
      { volumes: [null, 'v', { name: 'x', hostPath: 'str' }], os: 'windows', hostNetwork: 'true' },
    ];
    const metas: unknown[] = [null, undefined, 'm', { annotations: null }, { annotations: { a: 1, [`container.apparmor.security.beta.kubernetes.io/x`]: 3 } }];
    for (const spec of garbage) {
      for (const meta of metas) {
        expect(() => evaluatePod(meta, spec)).not.toThrow();
        // Nothing in there is a recognisable baseline violation.
        expect(checkLevel(meta, spec, 'baseline')).toEqual([]);
      }
    }
    // A pod without containers has nothing for the per-container restricted checks to flag.
    expect(evaluatePod(null, null).level).toBe('restricted');
    // A container with a garbage securityContext is like one without: baseline, not restricted.
    const res = evaluatePod({}, { containers: [{ name: 'c', securityContext: 'root' }] });
    expect(res.level).toBe('baseline');
    expect(res.failures.map((f) => f.check)).toEqual([
      'allowPrivilegeEscalation',
      'capabilities_restricted',
      'runAsNonRoot',
      'seccompProfile_restricted',
    ]);
  });

  test('evaluatePod returns the highest admitted level and the failures at each level', () => {
    const spec = restrictedSpec();
    spec.containers[0].securityContext.privileged = true;
    spec.containers[0].securityContext.capabilities.add = ['SYS_ADMIN'];
    spec.volumes = [{ name: 'host', hostPath: { path: '/var/run' } }];
    const res = evaluatePod({}, spec);
    expect(res.level).toBe('privileged');
    expect(res.failures.map((f) => `${f.level}:${f.check}`)).toEqual([
      'baseline:capabilities_baseline',
      'baseline:hostPathVolumes',
      'baseline:privileged',
      'restricted:capabilities_restricted',
      'restricted:restrictedVolumes',
    ]);
    expect(res.failures[0]).toEqual({
      check: 'capabilities_baseline',
      level: 'baseline',
      reason: 'non-default capabilities',
      detail: 'container "app" must not include "SYS_ADMIN" in securityContext.capabilities.add',
    });

    const baselineOnly = restrictedSpec();
    baselineOnly.securityContext.runAsUser = 0;
    expect(evaluatePod({}, baselineOnly)).toEqual({
      level: 'baseline',
      failures: [{ check: 'runAsUser', level: 'restricted', reason: 'runAsUser=0', detail: 'pod must not set runAsUser=0' }],
    });
  });
});
