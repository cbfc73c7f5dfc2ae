import type { Json } from '../src/core/types.js';
import { defineTransform } from '../src/core/types.js';
import { nullable, string } from '../src/core/options.js';
import { containersOf, mapAt } from './util.js';
import { compareQuantity, parseQuantity } from './data/quantity.js';

export interface SetMemoryLimitsOptions {
  /** Limit for a container that has neither limit nor request: a starting point to tune, not a measurement. */
  defaultMemoryLimit: string;
  /** Request that goes with it (never above the limit). */
  defaultMemoryRequest: string;
  /** When set (e.g. `100m`), containers without a CPU request get this one; null leaves CPU alone. */
  cpuRequest: string | null;
}

const ID = 'set-memory-limits';

const present = (v: Json | undefined): v is Exclude<Json, null> => v !== undefined && v !== null;
const show = (v: Json) => (typeof v === 'string' ? v : JSON.stringify(v));

const positiveQuantity = (v: string) => {
  const q = parseQuantity(v);
  return q && q.num > 0n ? undefined : `${JSON.stringify(v)} is not a positive Kubernetes quantity (e.g. 512Mi, 1Gi)`;
};

export default defineTransform<SetMemoryLimitsOptions, 'podTemplate'>({
  id: ID,
  summary: 'Give every container a memory limit (its request, or a default to tune) and a memory request',
  reason:
    'A container without a memory limit can use all of its node\'s memory: one leak starves every other pod there. The limit makes the container the one that is OOM-killed; the request makes the scheduler reserve what it needs.',
  docs: 'https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/',
  scope: 'podTemplate',
  options: {
    defaultMemoryLimit: string({ default: '512Mi', type: 'Kubernetes quantity', description: 'limit for a container with neither limit nor request: a starting point to tune, not a measurement', test: positiveQuantity }),
    defaultMemoryRequest: string({ default: '128Mi', type: 'Kubernetes quantity', description: 'request that goes with it (never above the limit)', test: positiveQuantity }),
    cpuRequest: nullable(string({ default: '100m', type: 'Kubernetes quantity', description: 'CPU request', test: (v) => (parseQuantity(v) ? undefined : `${JSON.stringify(v)} is not a Kubernetes quantity (e.g. 100m)`) }), {
      default: null,
      description: 'when set (e.g. 100m), containers without a CPU request get this one; null leaves CPU alone',
    }),
  },
  messages: {
    podLevelMemoryLimit: { severity: 'info', title: 'pod-level memory resources: containers left alone' },
    invalidMemoryQuantity: { severity: 'error', title: 'memory is not a Kubernetes quantity' },
    memoryLimitBelowRequest: { severity: 'error', title: 'memory limit below request', help: 'The API server rejects a limit below the request; kharden never lowers or raises a limit: fix one of them.' },
    memoryLimitDefaulted: {
      severity: 'warning',
      title: 'memory limit chosen by kharden',
      help: "The limit is the container's request or the profile's default, not a measurement: tune it to the app's real usage. A limit that is too low gets the container OOM-killed; a request that is too high wastes the node.",
    },
  },
  run(target, ctx) {
    const options = ctx.options;
    const defLimit = parseQuantity(options.defaultMemoryLimit)!;
    const defRequest = parseQuantity(options.defaultMemoryRequest)!;
    const cpu = options.cpuRequest;
    // Never a default request above the default limit.
    const requestForDefault: string = compareQuantity(defRequest, defLimit) <= 0 ? options.defaultMemoryRequest : options.defaultMemoryLimit;

    const t = target.template;

    // Pod-level resources (spec.resources): the pod as a whole is bounded and its requests must
    // cover the containers', so container values kharden invents could make the pod invalid.
    const podLimits = mapAt(t, '/spec/resources/limits');
    const podRequests = mapAt(t, '/spec/resources/requests');
    const podMemory = present(podLimits.memory) || present(podRequests.memory);
    const podCpu = present(podLimits.cpu) || present(podRequests.cpu);
    if (podMemory) {
      ctx.report({
        code: 'podLevelMemoryLimit',
        message: present(podLimits.memory)
          ? `the pod has a pod-level memory limit (${show(podLimits.memory)}) that bounds all its containers together; container memory was left as it is`
          : `the pod sets pod-level memory requests (${show(podRequests.memory!)}) but no pod-level limit; container memory was left as it is: add spec.resources.limits.memory to bound the pod`,
        path: '/spec/resources',
      });
    }

    // Ephemeral containers cannot have resources.
    for (const c of containersOf(t).filter((r) => r.list !== 'ephemeralContainers')) {
      const base = `${c.path}/resources`;
      const limits = mapAt(c.container, '/resources/limits');
      const requests = mapAt(c.container, '/resources/requests');

      if (!podMemory) {
        const limRaw = limits.memory;
        const reqRaw = requests.memory;
        const lim = present(limRaw) ? parseQuantity(limRaw) : undefined;
        const req = present(reqRaw) ? parseQuantity(reqRaw) : undefined;
        if ((present(limRaw) && !lim) || (present(reqRaw) && !req)) {
          const bad = present(limRaw) && !lim ? `limit ${show(limRaw)}` : `request ${show(reqRaw!)}`;
          ctx.report({ code: 'invalidMemoryQuantity', message: `container ${c.name}: memory ${bad} is not a Kubernetes quantity (e.g. 512Mi, 1Gi); memory left as it is`, path: base });
        } else if (present(limRaw)) {
          if (present(reqRaw)) {
            if (compareQuantity(lim!, req!) < 0) {
              ctx.report({
                code: 'memoryLimitBelowRequest',
                message: `container ${c.name}: memory limit ${show(limRaw)} is below its request ${show(reqRaw)}, which the API server rejects; kharden never lowers or raises a limit: fix one of them`,
                path: `${base}/limits/memory`,
              });
            }
          } else {
            // Kubernetes already uses the limit as the request; a smaller one would let the
            // scheduler pack more onto the node than the container may use.
            ctx.set(`${base}/requests/memory`, limRaw, `only a limit was set, and Kubernetes then reserves the limit: written out as the request (${show(limRaw)}) so the reservation is explicit`);
          }
        } else if (present(reqRaw) && req!.num > 0n) {
          ctx.set(`${base}/limits/memory`, reqRaw, `no memory limit: capped at the container's request (${show(reqRaw)}), so it never uses more memory than the scheduler reserved for it`);
          ctx.report({
            code: 'memoryLimitDefaulted',
            message: `container ${c.name}: memory limit set to its request ${show(reqRaw)}`,
            path: `${base}/limits/memory`,
          });
        } else if (present(reqRaw)) {
          // A zero request says nothing about the app's size: the default limit, and the request left alone.
          ctx.set(`${base}/limits/memory`, options.defaultMemoryLimit, `no memory limit: a leak in this container could take memory from every pod on the node; ${options.defaultMemoryLimit} (option defaultMemoryLimit) is a starting point to tune`);
          ctx.report({
            code: 'memoryLimitDefaulted',
            message: `container ${c.name} had no memory limit and a zero request: limit set to the profile's default ${options.defaultMemoryLimit}`,
            path: `${base}/limits/memory`,
          });
        } else {
          ctx.set(`${base}/limits/memory`, options.defaultMemoryLimit, `no memory limit: a leak in this container could take memory from every pod on the node; ${options.defaultMemoryLimit} (option defaultMemoryLimit) is a starting point to tune`);
          ctx.set(`${base}/requests/memory`, requestForDefault, `no memory request: the scheduler reserves ${requestForDefault} for the container`);
          ctx.report({
            code: 'memoryLimitDefaulted',
            message: `container ${c.name} had no memory limit or request: limit ${options.defaultMemoryLimit} and request ${requestForDefault} set (the profile's defaults)`,
            path: `${base}/limits/memory`,
          });
        }
      }

      if (cpu !== null && !podCpu && !present(requests.cpu)) {
        if (present(limits.cpu)) {
          ctx.set(`${base}/requests/cpu`, limits.cpu, `only a CPU limit was set, and Kubernetes then reserves the limit: written out as the request (${show(limits.cpu)}) so the reservation is explicit`);
        } else {
          ctx.set(`${base}/requests/cpu`, cpu, `no CPU request: the scheduler reserves ${cpu} so the container still gets CPU time when the node is busy`);
        }
      }
    }
  },
});
