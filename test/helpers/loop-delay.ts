/**
 * Setup file: with KHARDEN_TEST_LOOP_DELAY=<file>, appends one line per test file to <file>: the
 * longest time the worker's event loop was held (a test or hook that never yields) and the CPU time
 * the worker spent (child processes not counted). Vitest's RPC with the worker times out at 60 s;
 * this shows how far each file stays from that. Off by default.
 */
import * as fs from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterAll, expect } from 'vitest';

const out = process.env.KHARDEN_TEST_LOOP_DELAY;
if (out) {
  const started = process.cpuUsage();
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  afterAll(() => {
    delay.disable();
    const ms = (ns: number) => Math.round(ns / 1e6);
    const cpu = process.cpuUsage(started);
    const s = (us: number) => (us / 1e6).toFixed(1);
    fs.appendFileSync(out, `${ms(delay.max)} ms longest, p99 ${ms(delay.percentile(99))} ms, worker CPU ${s(cpu.user + cpu.system)} s  ${expect.getState().testPath ?? '?'}\n`);
  });
}
