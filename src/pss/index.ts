/**
 * Pod Security Standards evaluator: a pure, dependency-free model of the upstream
 * `k8s.io/pod-security-admission` policy checks at the latest policy version (v1.37).
 *
 * Inputs are plain JS data (as from YAML.parse): the pod's metadata and its spec (for a workload,
 * the pod template's metadata and spec). Nothing here throws on odd shapes; a value of the wrong
 * type counts as absent.
 */
import { CHECKS, viewPod, type Check } from './checks.js';

export type PssLevel = 'privileged' | 'baseline' | 'restricted';

export interface PssFailure {
  /** Upstream check ID, e.g. `runAsNonRoot`, `capabilities_restricted`. */
  check: string;
  /** The level the check belongs to. */
  level: 'baseline' | 'restricted';
  /** Upstream-style short reason, e.g. `runAsNonRoot != true`. */
  reason: string;
  /** Which containers / fields / values are at fault. */
  detail: string;
}

export interface PssResult {
  /** The highest level the pod is admitted at. */
  level: PssLevel;
  /**
   * Every failing check: those that keep the pod out of baseline (level 'baseline') and those
   * that, in addition, keep it out of restricted (level 'restricted'). Empty when level is
   * 'restricted'.
   */
  failures: PssFailure[];
}

/** Upstream order: baseline check IDs sorted, then restricted check IDs sorted. */
function ordered(checks: Check[]): Check[] {
  const byId = (a: Check, b: Check) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  return [
    ...checks.filter((c) => c.level === 'baseline').sort(byId),
    ...checks.filter((c) => c.level === 'restricted').sort(byId),
  ];
}

const BASELINE_CHECKS = ordered(CHECKS.filter((c) => c.level === 'baseline'));

/** Restricted runs every restricted check plus the baseline checks no restricted check overrides. */
const RESTRICTED_CHECKS = (() => {
  const overridden = new Set(CHECKS.flatMap((c) => (c.level === 'restricted' ? (c.overrides ?? []) : [])));
  return ordered(CHECKS.filter((c) => c.level === 'restricted' || !overridden.has(c.id)));
})();

/** The IDs of the checks evaluated at a level, in evaluation order. */
export function checkIds(level: 'baseline' | 'restricted'): string[] {
  return (level === 'baseline' ? BASELINE_CHECKS : RESTRICTED_CHECKS).map((c) => c.id);
}

/** The failures that keep the pod from being admitted at `level` (empty: admitted). */
export function checkLevel(
  podMetadata: unknown,
  podSpec: unknown,
  level: 'baseline' | 'restricted',
): PssFailure[] {
  const pod = viewPod(podMetadata, podSpec);
  const failures: PssFailure[] = [];
  for (const check of level === 'baseline' ? BASELINE_CHECKS : RESTRICTED_CHECKS) {
    const outcome = check.run(pod);
    if (outcome) failures.push({ check: check.id, level: check.level, ...outcome });
  }
  return failures;
}

/** The highest level the pod is admitted at, and every check that fails. */
export function evaluatePod(podMetadata: unknown, podSpec: unknown): PssResult {
  const baseline = checkLevel(podMetadata, podSpec, 'baseline');
  const restrictedOnly = checkLevel(podMetadata, podSpec, 'restricted').filter((f) => f.level === 'restricted');
  const level: PssLevel = baseline.length ? 'privileged' : restrictedOnly.length ? 'baseline' : 'restricted';
  return { level, failures: [...baseline, ...restrictedOnly] };
}
