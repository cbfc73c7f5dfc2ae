/** Pod Security Standards levels of a workload before and after hardening, for the report. */
import { evaluatePod } from '../pss/index.js';
import type { WorkloadRecord } from '../core/engine.js';
import type { PssSummary } from './build.js';

function levelOf(template: Record<string, unknown>) {
  return evaluatePod(template.metadata ?? {}, template.spec ?? {});
}

export function summarizePss(w: WorkloadRecord): PssSummary {
  const before = levelOf(w.before);
  const after = w.edited ? levelOf(w.after) : before;
  return {
    before: before.level,
    after: after.level,
    failing: after.failures.map((f) => ({ check: f.check, detail: f.detail })),
  };
}
