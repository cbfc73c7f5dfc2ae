import type { JsonObject, StreamResource } from '../src/core/types.js';
import { defineTransform } from '../src/core/types.js';
import { boolean, list, nullable, string } from '../src/core/options.js';
import { globMatch } from '../src/core/exemptions.js';
import { evaluatePod } from '../src/pss/index.js';
import type { PssLevel } from '../src/pss/index.js';
import { isPlainObject, obj, valueAt } from './util.js';

const ID = 'set-pod-security-labels';
/** Opt-out on a Namespace: keep the level labels it already has, even weaker ones. */
export const POD_SECURITY_ANNOTATION = 'kharden.dev/pod-security';
const KEEP = 'keep';
const PREFIX = 'pod-security.kubernetes.io/';
const MODES = ['enforce', 'audit', 'warn'] as const;
type Mode = (typeof MODES)[number];
const LEVELS: readonly PssLevel[] = ['privileged', 'baseline', 'restricted'];
/** The newest policy version src/pss models (upstream v1.37): what kharden evaluated the workloads at. */
export const PSS_VERSION = 'v1.37';

export interface PodSecurityLabelsOptions {
  level: PssLevel;
  auditLevel: PssLevel | null;
  warnLevel: PssLevel | null;
  version: string;
  skipNamespaces: string[];
  createNamespaces: boolean;
}

const rank = (l: PssLevel) => LEVELS.indexOf(l);
const isLevel = (v: unknown): v is PssLevel => typeof v === 'string' && (LEVELS as readonly string[]).includes(v);
const weakest = (a: PssLevel, b: PssLevel): PssLevel => (rank(a) <= rank(b) ? a : b);
/** A label key as a JSON Pointer segment (`/` is `~1`). */
const labelPath = (key: string) => `/metadata/labels/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;

const isVersion = (v: unknown): v is string => typeof v === 'string' && (/^v1\.(0|[1-9][0-9]*)$/.test(v) || v === 'latest');
const pinReason = (mode: Mode) => `pin ${mode} to the policy version kharden checked the workloads against: a cluster upgrade then does not change what is ${mode === 'enforce' ? 'enforced' : mode === 'audit' ? 'audited' : 'warned about'} unreviewed`;
const levelOption = (description: string) => string<PssLevel>({ default: 'restricted', oneOf: LEVELS, description });

/** One workload of the run and the Pod Security level its (hardened) pod templates are admitted at. */
interface WorkloadLevel {
  resource: StreamResource;
  level: PssLevel;
  /** The checks that keep it at `level` (upstream ids). */
  checks: string[];
}

/** The name a finding gives a workload: `DaemonSet kube-flannel-ds`. */
function describe(r: StreamResource): string {
  return `${r.ref.kind} ${r.ref.name ?? '(unnamed)'}`;
}

function levelOf(resource: StreamResource): WorkloadLevel {
  let level: PssLevel = 'restricted';
  const failures: { check: string; level: string }[] = [];
  for (const path of resource.templatePaths) {
    const template = obj(path === '' ? resource.value : valueAt(resource.value, path));
    const evaluated = evaluatePod(template.metadata ?? {}, template.spec ?? {});
    level = weakest(level, evaluated.level);
    failures.push(...evaluated.failures);
  }
  // The checks of the next level up are the ones that hold it where it is.
  const next = level === 'privileged' ? 'baseline' : 'restricted';
  return { resource, level, checks: [...new Set(failures.filter((f) => f.level === next).map((f) => f.check))] };
}

/** "DaemonSet node-exporter (privileged: hostNamespaces, hostPathVolumes)", for the workloads below `level`. */
function holdersText(below: WorkloadLevel[]): string {
  const shown = below.slice(0, 5).map((w) => `${describe(w.resource)} (${w.level}: ${w.checks.join(', ') || 'see its findings'})`);
  return shown.join('; ') + (below.length > shown.length ? `; and ${below.length - shown.length} more` : '');
}

export default defineTransform<PodSecurityLabelsOptions, 'stream'>({
  id: ID,
  summary: 'Label every Namespace to enforce, audit and warn at the profile\'s Pod Security level, pinned to a policy version (held down only as far as its hardened workloads need)',
  reason:
    'Pod Security admission enforces nothing in a namespace without labels: the hardening of each pod is then a convention, not a guarantee. Labels make the API server refuse pods that fall back below the level. The version is pinned so a cluster upgrade does not change what is enforced unreviewed.',
  docs: 'https://kubernetes.io/docs/concepts/security/pod-security-admission/',
  scope: 'stream',
  reads: ['workloads', { group: '', kinds: ['Namespace'] }],
  options: {
    level: levelOption('the Pod Security level to enforce (held down to what the namespace\'s hardened workloads are admitted at)'),
    auditLevel: nullable(levelOption('the level to audit'), { default: null, description: 'the level to audit (null: the same as level); audit never blocks' }),
    warnLevel: nullable(levelOption('the level to warn at'), { default: null, description: 'the level kubectl warns at (null: the same as level); warnings never block' }),
    version: string({
      default: PSS_VERSION,
      type: 'policy version (v1.N, or latest)',
      description: `the policy version written in the -version labels: pinned (${PSS_VERSION}, the newest the built-in evaluator models) so that a cluster upgrade does not change what is enforced; "latest" follows the cluster`,
      test: (v) => (isVersion(v) ? undefined : `must be a policy version like ${PSS_VERSION}, or latest; found ${JSON.stringify(v)}`),
    }),
    skipNamespaces: list(string({ default: 'kube-*', description: 'a namespace name or glob', type: 'namespace glob' }), {
      default: ['kube-*'],
      description: 'namespaces whose labels are left as they are, with a finding (Kubernetes reserves the kube- prefix for its system namespaces: kube-system, kube-public, kube-node-lease)',
    }),
    createNamespaces: boolean({
      default: false,
      description: 'add a labelled Namespace object for each namespace the workloads use that has none in the input (off: a finding says which labels to set)',
    }),
  },
  messages: {
    enforceHeldBack: {
      severity: 'warning',
      title: 'namespace enforces a weaker level than the profile',
      help: 'Some workloads of the namespace are still below the profile\'s level after hardening (node agents, hostPath volumes, host namespaces, exemptions): enforcing the profile\'s level would make the API server refuse their pods. The namespace enforces the strongest level they all meet; audit and warn stay at the profile\'s level. Move those workloads to a namespace of their own to enforce the full level here.',
    },
    enforceRejectsWorkloads: {
      severity: 'warning',
      title: 'namespace enforces a level its workloads do not meet',
      help: 'The namespace already enforces a level stricter than some of its workloads meet after hardening, and kharden never lowers a level: the API server will refuse their pods. Fix the workload, move it to another namespace, or lower the label deliberately.',
    },
    weakerLevelKept: {
      severity: 'info',
      title: 'weaker level kept by annotation',
      help: `The namespace carries ${POD_SECURITY_ANNOTATION}: ${KEEP}, so the level labels it has are kept even where weaker than the profile's; missing labels are still added. Remove the annotation to let kharden raise them.`,
    },
    systemNamespace: {
      severity: 'info',
      title: 'system namespace left as it is',
      help: 'Namespaces matching the skipNamespaces option (by default kube-*, which Kubernetes reserves for its own components) run control-plane and node components that need privileges; their Pod Security labels are left as they are. Label them deliberately, or set skipNamespaces in a profile.',
    },
    namespaceNotInInput: {
      severity: 'info',
      title: 'namespace not in the input: its Pod Security level is set elsewhere or nowhere',
      help: 'Workloads use a namespace that these manifests do not create, so kharden cannot label it. Label it where it is created (kubectl label namespace NAME pod-security.kubernetes.io/enforce=LEVEL pod-security.kubernetes.io/enforce-version=VERSION …), or set createNamespaces: true in a profile to have kharden add the Namespace object.',
    },
    invalidPodSecurityAnnotation: {
      severity: 'warning',
      title: `${POD_SECURITY_ANNOTATION} has an unknown value`,
      help: `The only value is "${KEEP}" (keep the level labels the namespace has). Any other value is ignored and the labels are raised to the profile's level.`,
    },
    invalidNamespaceLabels: {
      severity: 'warning',
      title: 'namespace labels are not a map',
      help: 'metadata.labels must be a map of strings; kharden leaves the namespace as it is (the API server would refuse it).',
    },
  },
  run(target, ctx) {
    const o = ctx.options;
    const levels: Record<Mode, PssLevel> = { enforce: o.level, audit: o.auditLevel ?? o.level, warn: o.warnLevel ?? o.level };
    const skipped = (name: string) => o.skipNamespaces.find((g) => globMatch(g, name));

    const workloads = new Map<string, WorkloadLevel[]>();
    for (const r of target.resources) {
      if (r.templatePaths.length === 0) continue;
      const ns = r.ref.namespace ?? '';
      if (!workloads.has(ns)) workloads.set(ns, []);
      workloads.get(ns)!.push(levelOf(r));
    }
    /** The level to enforce in a namespace: the profile's, held down to its weakest workload. */
    const enforceFor = (ns: string) => (workloads.get(ns) ?? []).reduce<PssLevel>((l, w) => weakest(l, w.level), o.level);
    const below = (ns: string, level: PssLevel) => (workloads.get(ns) ?? []).filter((w) => rank(w.level) < rank(level));

    const namespaces = target.resources.filter((r) => r.ref.kind === 'Namespace' && r.ref.apiVersion === 'v1' && typeof r.ref.name === 'string' && r.ref.name !== '');
    for (const ns of namespaces) {
      const name = ns.ref.name!;
      const glob = skipped(name);
      if (glob !== undefined) {
        ctx.report({ resource: ns, code: 'systemNamespace', message: `namespace ${name} matches skipNamespaces "${glob}": its Pod Security labels are left as they are` });
        continue;
      }
      const meta = obj(ns.value.metadata);
      if (meta.labels !== undefined && meta.labels !== null && !isPlainObject(meta.labels)) {
        ctx.report({ resource: ns, code: 'invalidNamespaceLabels', message: `namespace ${name}: metadata.labels is not a map; left as it is`, path: '/metadata/labels' });
        continue;
      }
      const labels = obj(meta.labels);
      const optOut = obj(meta.annotations)[POD_SECURITY_ANNOTATION];
      if (optOut !== undefined && optOut !== KEEP) {
        ctx.report({ resource: ns, code: 'invalidPodSecurityAnnotation', message: `${POD_SECURITY_ANNOTATION}: ${JSON.stringify(optOut)} is not "${KEEP}"; ignored`, path: `/metadata/annotations/${POD_SECURITY_ANNOTATION.replace(/\//g, '~1')}` });
      }
      const keep = optOut === KEEP;
      const edit = ctx.on(ns);
      const enforce = enforceFor(name);
      for (const mode of MODES) {
        const want = mode === 'enforce' ? enforce : levels[mode];
        const key = `${PREFIX}${mode}`;
        const versionKey = `${key}-version`;
        const have = labels[key];
        const setBoth = (why: string) => {
          // Pods that controllers create at run time (provisioner helpers, job runners, operands) are not in the input.
          edit.set(labelPath(key), want, mode === 'enforce' ? `${why}; pods created at run time in the namespace must meet it too` : why);
          edit.set(labelPath(versionKey), o.version, pinReason(mode));
        };
        if (!isLevel(have)) {
          if (have === undefined || have === null) setBoth(`${mode} Pod Security level ${want}${mode === 'enforce' && want !== o.level ? ` (not ${o.level}: workloads here need ${want})` : ''}`);
          else setBoth(`${JSON.stringify(have)} is not a Pod Security level (Pod Security admission reads it as ${mode === 'enforce' ? 'restricted' : 'privileged'}); set to ${want}`);
          continue;
        }
        if (rank(have) > rank(want)) {
          // Stricter than kharden would set: kept, but it may refuse workloads of this input.
          if (mode === 'enforce') {
            const refused = below(name, have);
            if (refused.length) ctx.report({ resource: ns, code: 'enforceRejectsWorkloads', message: `namespace ${name} enforces ${have}, but its pods would be refused: ${holdersText(refused)}`, path: labelPath(key) });
          }
          continue;
        }
        if (rank(have) < rank(want)) {
          if (keep) {
            ctx.report({ resource: ns, code: 'weakerLevelKept', message: `namespace ${name} keeps ${mode}: ${have} (kharden would set ${want}) because of ${POD_SECURITY_ANNOTATION}: ${KEEP}`, path: labelPath(key) });
            continue;
          }
          setBoth(`raise ${mode} from ${have} to ${want}`);
          continue;
        }
        const version = labels[versionKey];
        if (version === undefined || version === null) edit.set(labelPath(versionKey), o.version, pinReason(mode));
        else if (!isVersion(version)) edit.set(labelPath(versionKey), o.version, `${JSON.stringify(version)} is not a policy version (Pod Security admission reads it as latest); ${pinReason(mode)}`);
      }
      const enforced = obj(obj(edit.current).metadata).labels;
      if (rank(enforce) < rank(o.level) && obj(enforced)[`${PREFIX}enforce`] === enforce) {
        ctx.report({ resource: ns, code: 'enforceHeldBack', message: `namespace ${name} enforces ${enforce}, not ${o.level}, so that these are not refused: ${holdersText(below(name, o.level))}`, path: labelPath(`${PREFIX}enforce`) });
      }
    }

    // Namespaces the workloads use that the input does not create.
    const created = new Set(namespaces.map((n) => n.ref.name!));
    for (const [ns, list] of workloads) {
      if (created.has(ns) || (ns !== '' && skipped(ns) !== undefined)) continue;
      const enforce = enforceFor(ns);
      const held = rank(enforce) < rank(o.level) ? `; not ${o.level}, because of ${holdersText(below(ns, o.level))}` : '';
      const wanted = `enforce=${enforce}, audit=${levels.audit}, warn=${levels.warn} (version ${o.version})`;
      if (ns === '') {
        ctx.report({ resource: list[0].resource, code: 'namespaceNotInInput', message: `${list.length} workload(s) have no namespace (it is chosen when they are applied, e.g. helm --namespace): label that namespace ${wanted}${held}` });
        continue;
      }
      if (!o.createNamespaces) {
        ctx.report({ resource: list[0].resource, code: 'namespaceNotInInput', message: `namespace ${ns} (${list.length} workload(s)) has no Namespace object in these manifests, so it enforces no Pod Security level here: label it ${wanted}${held}` });
        continue;
      }
      const labels: JsonObject = {};
      for (const mode of MODES) {
        labels[`${PREFIX}${mode}`] = mode === 'enforce' ? enforce : levels[mode];
        labels[`${PREFIX}${mode}-version`] = o.version;
      }
      const generated = ctx.generate({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels } }, `namespace ${ns}, used by ${list.length} workload(s), enforcing Pod Security level ${enforce}`);
      if (held) ctx.report({ resource: generated, code: 'enforceHeldBack', message: `namespace ${ns} enforces ${enforce}, not ${o.level}, so that these are not refused: ${holdersText(below(ns, o.level))}` });
    }
  },
});
