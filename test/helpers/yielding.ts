/**
 * Long test loops run inside a vitest worker whose RPC with the main process (task updates,
 * heartbeats) needs that worker's event loop: a loop that holds it for seconds makes vitest report
 * "Timeout calling onTaskUpdate" on a loaded machine although every assertion passed. These
 * helpers hand the event loop back regularly (a macrotask turn, which timers and I/O callbacks
 * need: awaiting a resolved promise would not let them run).
 */

/** Gives the event loop one full turn. */
export const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Returns a function to await inside a loop: it gives the event loop a turn when `everyMs` have
 * passed since the last one, and costs nothing otherwise.
 */
export function yieldEvery(everyMs = 20): () => Promise<void> | undefined {
  let last = performance.now();
  return () => {
    const now = performance.now();
    if (now - last < everyMs) return undefined;
    return turn().then(() => {
      last = performance.now();
    });
  };
}

/** `for (const x of items) fn(x)`, giving the event loop a turn every `everyMs`. */
export async function forEachYielding<T>(items: Iterable<T>, fn: (item: T, index: number) => void, everyMs = 20): Promise<void> {
  const pause = yieldEvery(everyMs);
  let i = 0;
  for (const item of items) {
    await pause();
    fn(item, i++);
  }
}
