import type { Json } from '../src/core/types.js';
import { defineTransform } from '../src/core/types.js';
import { integer, nullable, string } from '../src/core/options.js';
import { containersOf, mapAt } from './util.js';
import { compareQuantity, parseQuantity } from './data/quantity.js';
import type { Quantity } from './data/quantity.js';
import { formatBytes, jvmHeapOf, jvmMemoryLimit } from './data/jvm.js';

export interface SetMemoryLimitsOptions {
  /** Limit for a container that has neither limit nor request: a starting point to tune, not a measurement. */
  defaultMemoryLimit: string;
  /** Request that goes with it (never above the limit). */
  defaultMemoryRequest: string;
  /** When set (e.g. `100m`), containers without a CPU request get this one; null leaves CPU alone. */
  cpuRequest: string | null;
  /** A container with a request and no limit gets this many times its request (at least the default limit). */
  limitToRequestRatio: number;
}

const ID = 'set-memory-limits';

const present = (v: Json | undefined): v is Exclude<Json, null> => v !== undefined && v !== null;
const bytesOf = (b: bigint): Quantity => ({ num: b, den: 1n });
/** The larger of two quantities with their written forms. */
const larger = (a: { q: Quantity; text: string }, b: { q: Quantity; text: string }) => (compareQuantity(b.q, a.q) > 0 ? b : a);
/** A quantity times an integer, written in the quantity's own unit when it has one (90Mi × 2 = 180Mi). */
function times(text: string, q: Quantity, n: number): { q: Quantity; text: string } {
  const m = /^(\d+)(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/.exec(text.trim());
  const product = { num: q.num * BigInt(n), den: q.den };
  if (m) return { q: product, text: `${BigInt(m[1]) * BigInt(n)}${m[2] ?? ''}` };
  return { q: product, text: product.den === 1n ? formatBytes(product.num) : String(Number(product.num) / Number(product.den)) };
}
const show = (v: Json) => (typeof v === 'string' ? v : JSON.stringify(v));

const positiveQuantity = (v: string) => {
  const q = parseQuantity(v);
  return q && q.num > 0n ? undefined : `${JSON.stringify(v)} is not a positive Kubernetes quantity (e.g. 512Mi, 1Gi)`;
};

export default defineTransform<SetMemoryLimitsOptions, 'podTemplate'>({
  id: ID,
  summary: 'Give every container a memory limit (twice its request, at least a default to tune, above a JVM heap) and a memory request',
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
    limitToRequestRatio: integer({
      default: 2,
      min: 1,
      max: 10,
      description: 'a container with a memory request and no limit gets this many times its request as limit, and never less than defaultMemoryLimit (a limit equal to a request sized for the steady state OOM-kills the first spike)',
    }),
  },
  messages: {
    podLevelMemoryLimit: {
      severity: 'info',
      title: 'pod-level memory resources: containers left alone',
      help: 'Pod-level resources (spec.resources) bound the containers together and must cover their requests, so kharden adds no container values. A pod-level request without a pod-level limit leaves the pod unbounded: add spec.resources.limits.memory.',
    },
    invalidMemoryQuantity: { severity: 'error', title: 'memory is not a Kubernetes quantity', help: 'Write memory as a Kubernetes quantity: 512Mi, 1Gi, 1e9 (kilo is a lowercase k). The API server rejects anything else.' },
    memoryLimitBelowRequest: { severity: 'error', title: 'memory limit below request', help: 'The API server rejects a limit below the request; kharden never lowers or raises a limit: fix one of them.' },
    memoryLimitDefaulted: {
      severity: 'warning',
      title: 'memory limit chosen by kharden',
      help: "The limit is a starting point, not a measurement: limitToRequestRatio times the request (a request is usually sized for the steady state; a limit equal to it OOM-kills the first spike), never below defaultMemoryLimit, and above a JVM's heap. Tune it to the app's real peak: too low and the container is OOM-killed, too high and a leak takes memory from its neighbours.",
    },
    jvmHeapAboveLimit: {
      severity: 'warning',
      title: 'memory limit leaves no room for the JVM heap',
      help: 'A JVM uses its heap plus metaspace, code cache, thread stacks and GC structures; kharden sizes a limit as heap × 1.25 + 256Mi. Below that the kernel OOM-kills the container once the heap fills: raise the limit, lower -Xmx, or size the heap from the limit with -XX:MaxRAMPercentage.',
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
          ? `pod-level memory limit ${show(podLimits.memory)}: container memory left as it is`
          : `pod-level memory request ${show(podRequests.memory!)} without a pod-level limit: container memory left as it is`,
        path: '/spec/resources',
      });
    }
    const podLimit = present(podLimits.memory) ? parseQuantity(podLimits.memory) : undefined;

    // Ephemeral containers cannot have resources.
    for (const c of containersOf(t).filter((r) => r.list !== 'ephemeralContainers')) {
      const base = `${c.path}/resources`;
      const limits = mapAt(c.container, '/resources/limits');
      const requests = mapAt(c.container, '/resources/requests');
      const heap = jvmHeapOf(c.container);
      const jvm = heap ? jvmMemoryLimit(heap.bytes) : undefined;
      const jvmNeed = jvm ? { q: bytesOf(jvm.bytes), text: jvm.quantity } : undefined;
      const heapSays = heap ? `JVM heap ${heap.flag} (${heap.where})` : '';
      /** A limit already in the manifest (the container's or the pod's) that leaves no room for the heap. */
      const checkHeapRoom = (limit: Quantity, text: string, path: string, whose: string) => {
        if (jvmNeed && compareQuantity(limit, jvmNeed.q) < 0) {
          ctx.report({ code: 'jvmHeapAboveLimit', message: `container ${c.name}: ${whose}memory limit ${text} is below ${jvmNeed.text} for its ${heapSays}`, path });
        }
      };
      /** The limit kharden writes: the largest of the candidates, and the message naming them. */
      const choose = (candidates: { q: Quantity; text: string; why: string }[]) => {
        const chosen = candidates.reduce((a, b) => (larger(a, b) === b ? b : a));
        const whys = candidates.map((x) => x.why);
        return { ...chosen, says: whys.length > 1 ? `the largest of ${whys.slice(0, -1).join(', ')} and ${whys[whys.length - 1]}` : whys[0] };
      };
      const defaultCandidate = { q: defLimit, text: options.defaultMemoryLimit, why: `the default ${options.defaultMemoryLimit}` };
      const jvmCandidates = jvmNeed ? [{ ...jvmNeed, why: `${jvmNeed.text} for its ${heapSays}` }] : [];

      if (podMemory) {
        if (podLimit) checkHeapRoom(podLimit, show(podLimits.memory!), '/spec/resources/limits/memory', 'pod-level ');
      } else {
        const limRaw = limits.memory;
        const reqRaw = requests.memory;
        const lim = present(limRaw) ? parseQuantity(limRaw) : undefined;
        const req = present(reqRaw) ? parseQuantity(reqRaw) : undefined;
        if ((present(limRaw) && !lim) || (present(reqRaw) && !req)) {
          const bad = present(limRaw) && !lim ? `limit ${show(limRaw)}` : `request ${show(reqRaw!)}`;
          ctx.report({ code: 'invalidMemoryQuantity', message: `container ${c.name}: memory ${bad} is not a Kubernetes quantity; memory left as it is`, path: base });
        } else if (present(limRaw)) {
          if (present(reqRaw)) {
            if (compareQuantity(lim!, req!) < 0) {
              ctx.report({ code: 'memoryLimitBelowRequest', message: `container ${c.name}: memory limit ${show(limRaw)} is below its request ${show(reqRaw)}`, path: `${base}/limits/memory` });
            }
          } else {
            // Kubernetes already uses the limit as the request; a smaller one would let the
            // scheduler pack more onto the node than the container may use.
            ctx.set(`${base}/requests/memory`, limRaw, `only a limit was set, and Kubernetes then reserves the limit: written out as the request (${show(limRaw)}) so the reservation is explicit`);
          }
          checkHeapRoom(lim!, show(limRaw), `${base}/limits/memory`, '');
        } else {
          const candidates = [defaultCandidate, ...jvmCandidates];
          // A positive request sizes the app; a zero request says nothing about it.
          if (present(reqRaw) && req!.num > 0n) {
            const ratio = options.limitToRequestRatio;
            candidates.unshift({ ...times(show(reqRaw), req!, ratio), why: ratio === 1 ? `its request ${show(reqRaw)}` : `${ratio} × its request ${show(reqRaw)}` });
          }
          const chosen = choose(candidates);
          ctx.set(`${base}/limits/memory`, chosen.text, `no memory limit: a leak in this container could take memory from every pod on the node; ${chosen.says} is a starting point to tune`);
          if (!present(reqRaw)) ctx.set(`${base}/requests/memory`, requestForDefault, `no memory request: the scheduler reserves ${requestForDefault} for the container`);
          ctx.report({
            code: 'memoryLimitDefaulted',
            message: `container ${c.name}: memory limit ${chosen.text} set (${chosen.says})${present(reqRaw) ? '' : `, request ${requestForDefault}`}`,
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
