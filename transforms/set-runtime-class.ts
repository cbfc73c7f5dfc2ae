import { defineTransform } from '../src/core/types.js';
import { list, nullable, string } from '../src/core/options.js';
import { globMatch, matchesSelector, parseSelector, UNFIXABLE_BASELINE_CHECKS } from '../src/core/exemptions.js';
import { checkLevel } from '../src/pss/index.js';
import { mapAt, str } from './util.js';

export interface SetRuntimeClassOptions {
  runtimeClassName: string | null;
  namespaces: string[];
  labels: string | null;
}

const ID = 'set-runtime-class';

/** A RuntimeClass name is a DNS-1123 subdomain. */
const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Checks that keep a pod out of a sandbox: it needs the host itself (node agents) or privileged containers. */
const NEEDS_HOST = new Set([...UNFIXABLE_BASELINE_CHECKS, 'privileged']);

const selectorProblem = (v: string) => {
  try {
    parseSelector(v);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
};

export default defineTransform<SetRuntimeClassOptions, 'podTemplate'>({
  id: ID,
  summary: 'Run selected workloads (by namespace or labels) in a sandboxed runtime such as gVisor or Kata (runtimeClassName); does nothing unless a profile selects',
  reason:
    'A sandboxed runtime puts a second kernel boundary (gVisor\'s user-space kernel, Kata\'s VM) between an untrusted workload and the node. It costs performance and compatibility, so it is for the workloads a profile selects, never a default.',
  docs: 'https://kubernetes.io/docs/concepts/containers/runtime-class/',
  scope: 'podTemplate',
  options: {
    runtimeClassName: nullable(
      string({ default: 'gvisor', type: 'RuntimeClass name', description: 'RuntimeClass name', test: (v) => (SUBDOMAIN.test(v) && v.length <= 253 ? undefined : `${JSON.stringify(v)} is not a RuntimeClass name (a DNS-1123 subdomain such as gvisor or kata-qemu)`) }),
      { default: null, description: 'the RuntimeClass selected workloads get (gvisor, kata…; the cluster must have it); null: the transform does nothing' },
    ),
    namespaces: list(string({ default: '', type: 'namespace (globs * and ?)', description: 'a namespace' }), {
      default: [],
      type: 'list of namespaces (globs * and ?)',
      description: 'select workloads in these namespaces (a workload without metadata.namespace matches none)',
    }),
    labels: nullable(string({ default: '', type: 'label selector', description: 'a label selector', test: selectorProblem }), {
      default: null,
      description: 'select workloads whose labels (or pod template labels) match this selector (app=web,tier in (a,b),!legacy); with namespaces, both must match',
    }),
  },
  messages: {
    runtimeClassKept: { severity: 'info', title: 'workload already names a RuntimeClass', help: 'A runtimeClassName set in the manifest is the author\'s choice and is never replaced.' },
    runtimeClassNotForWindows: { severity: 'info', title: 'no sandboxed runtime for a Windows pod', help: 'gVisor and Kata run Linux pods only; a Windows pod keeps the node\'s default runtime.' },
    runtimeClassNotForHostPod: {
      severity: 'warning',
      title: 'selected workload cannot run sandboxed',
      help: 'The pod uses the node itself (host namespaces, hostPath, hostPorts, unsafe sysctls, HostProcess, probe hosts) or privileged containers, which a sandbox cannot give it (gVisor has no host network; Kata runs the pod in a VM). It keeps the default runtime: narrow the selector, or move what it needs off the host.',
    },
  },
  run(target, ctx) {
    const { runtimeClassName: wanted, namespaces, labels } = ctx.options;
    if (wanted === null || (namespaces.length === 0 && labels === null)) return;
    if (namespaces.length && !namespaces.some((g) => target.ref.namespace !== undefined && globMatch(g, target.ref.namespace))) return;
    if (labels !== null) {
      const selector = parseSelector(labels);
      if (!matchesSelector(selector, mapAt(target.resource, '/metadata/labels')) && !matchesSelector(selector, mapAt(target.template, '/metadata/labels'))) return;
    }
    const current = str(mapAt(target.template, '/spec').runtimeClassName);
    if (current === wanted) return;
    if (current !== undefined) {
      ctx.report({ code: 'runtimeClassKept', message: `the pod already runs with RuntimeClass ${current}; ${wanted} not set`, path: '/spec/runtimeClassName' });
      return;
    }
    // The runtime is the whole pod's: a container exempted from this transform keeps the pod out.
    if (target.pod.exemptContainers.length) return;
    if (target.pod.windows) {
      ctx.report({ code: 'runtimeClassNotForWindows', message: `Windows pod: RuntimeClass ${wanted} not set (sandboxed runtimes run Linux pods only)`, path: '/spec' });
      return;
    }
    const t = target.template as { metadata?: unknown; spec?: unknown };
    const host = checkLevel(t.metadata ?? {}, t.spec ?? {}, 'baseline').filter((f) => NEEDS_HOST.has(f.check));
    if (host.length) {
      ctx.report({
        code: 'runtimeClassNotForHostPod',
        message: `the pod needs the host (${host.map((f) => `${f.check}: ${f.detail}`).join('; ')}), which a sandboxed runtime cannot give it; RuntimeClass ${wanted} not set`,
        path: '/spec',
      });
      return;
    }
    const by = [namespaces.length ? `namespace ${target.ref.namespace}` : '', labels !== null ? `labels ${labels}` : ''].filter(Boolean).join(' and ');
    ctx.set('/spec/runtimeClassName', wanted, `selected by ${by} (options namespaces/labels): the pod runs in the sandboxed runtime ${wanted}; the cluster needs a RuntimeClass named ${wanted}, or the API server refuses the pods`);
  },
});
