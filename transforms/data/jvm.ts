/**
 * The Java heap a container asks for on its command line or in its environment, so that a memory
 * limit is never set below it. A JVM's footprint is its heap plus metaspace, code cache, thread
 * stacks, GC structures and direct buffers; with a container limit below that, the kernel
 * OOM-kills it once the heap fills.
 *
 * Flags read (HotSpot, https://docs.oracle.com/en/java/javase/21/docs/specs/man/java.html):
 * `-Xmx<size>` and `-XX:MaxHeapSize=<size>` (maximum heap), `-Xms<size>` and
 * `-XX:InitialHeapSize=<size>` (initial heap: the heap is at least that), where size is bytes or
 * a number with k/K, m/M, g/G or t/T (powers of 1024). `-XX:MaxRAMPercentage` sizes the heap from
 * the limit itself and needs nothing. They are found in any env value (JAVA_OPTS,
 * JAVA_TOOL_OPTIONS, JDK_JAVA_OPTIONS, _JAVA_OPTIONS, ES_JAVA_OPTS…), in command and in args,
 * with `$(VAR)` references expanded from the container's literal env values as the kubelet does.
 */
import type { Json, JsonObject } from '../../src/core/types.js';
import { isPlainObject } from '../../src/lib/json.js';

export interface JvmHeap {
  /** The largest heap any flag asks for, in bytes. */
  bytes: bigint;
  /** The flag as written (`-Xmx1g`). */
  flag: string;
  /** Where it was found: `env JAVA_OPTS`, `args`, `command`. */
  where: string;
}

const MiB = 1n << 20n;
const UNITS: Record<string, bigint> = { '': 1n, k: 1n << 10n, m: MiB, g: 1n << 30n, t: 1n << 40n };
const HEAP_FLAG = /(?:^|[\s"'=,])(-Xm[xs](\d+)([kKmMgGtT]?)|-XX:(?:MaxHeapSize|InitialHeapSize)=(\d+)([kKmMgGtT]?))(?=$|[\s"',])/g;

/** Kubernetes `$(VAR)` expansion from the container's literal env values (`$$` escapes a `$`). */
function expand(text: string, env: ReadonlyMap<string, string>): string {
  return text.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (m, name: string | undefined) => (name === undefined ? '$' : env.get(name) ?? m));
}

/** Every heap flag in one string. */
export function heapFlagsIn(text: string): { bytes: bigint; flag: string }[] {
  const out: { bytes: bigint; flag: string }[] = [];
  for (const m of text.matchAll(HEAP_FLAG)) {
    const digits = m[2] ?? m[4];
    const unit = (m[3] ?? m[5] ?? '').toLowerCase();
    out.push({ bytes: BigInt(digits) * UNITS[unit], flag: m[1] });
  }
  return out;
}

/** The largest heap a container's env, command or args ask for, if any. */
export function jvmHeapOf(container: Readonly<JsonObject>): JvmHeap | undefined {
  const env = new Map<string, string>();
  const sources: { text: string; where: string }[] = [];
  for (const e of Array.isArray(container.env) ? container.env : []) {
    if (!isPlainObject(e) || typeof e.name !== 'string' || typeof e.value !== 'string') continue;
    const value = expand(e.value, env);
    env.set(e.name, value);
    sources.push({ text: value, where: `env ${e.name}` });
  }
  for (const key of ['command', 'args'] as const) {
    const list: readonly Json[] = Array.isArray(container[key]) ? (container[key] as Json[]) : [];
    for (const item of list) if (typeof item === 'string') sources.push({ text: expand(item, env), where: key });
  }
  let best: JvmHeap | undefined;
  const isMax = (flag: string) => /^-Xmx|MaxHeapSize/.test(flag);
  for (const s of sources) {
    for (const f of heapFlagsIn(s.text)) {
      // On a tie the maximum-heap flag is the one to name.
      if (!best || f.bytes > best.bytes || (f.bytes === best.bytes && isMax(f.flag) && !isMax(best.flag))) best = { ...f, where: s.where };
    }
  }
  return best;
}

/**
 * The memory limit kharden gives a JVM with this heap: heap × 1.25 + 256Mi, rounded up to a whole
 * MiB. The quarter covers GC structures and direct buffers that grow with the heap; 256Mi covers
 * metaspace, the code cache (up to 240Mi reserved) and thread stacks. 1g → 1536Mi, 4g → 5376Mi.
 */
export function jvmMemoryLimit(heapBytes: bigint): { bytes: bigint; quantity: string } {
  const bytes = (heapBytes * 5n) / 4n + 256n * MiB;
  const mib = (bytes + MiB - 1n) / MiB;
  return { bytes: mib * MiB, quantity: `${mib}Mi` };
}

/** A byte count as people write it: 1g, 512m, 1536Mi… (binary units, exact or in bytes). */
export function formatBytes(bytes: bigint): string {
  for (const [suffix, size] of [['Gi', 1n << 30n], ['Mi', MiB], ['Ki', 1n << 10n]] as const) if (bytes >= size && bytes % size === 0n) return `${bytes / size}${suffix}`;
  return String(bytes);
}
