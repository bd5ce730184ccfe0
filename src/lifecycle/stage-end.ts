import type { CanaryVerdict } from '../canary/types.js';
import type { CanaryConfig } from '../config/schema.js';

/** What a failing canary verdict at the end of a stage does: roll the release back, or hold it where it is. */
export interface StageEndDecision {
  action: 'rollback' | 'hold';
  /** The failing metrics whose `onFail` is `rollback` (empty when holding). */
  rollbackMetrics: string[];
  /** Every failing metric. */
  failing: string[];
}

/**
 * D-1: "canary threshold breaches trigger automated rollback". A metric that fails at the end of a
 * stage rolls the release back when its `onFail` says so; any other failure holds the stage (exit 1,
 * nothing changed). Inconclusive metrics never roll back: missing evidence is not a regression.
 */
export function decideStageEnd(canary: CanaryVerdict, policy: CanaryConfig): StageEndDecision {
  const failing = canary.metrics.filter((m) => m.verdict === 'fail').map((m) => m.id);
  const onFail = new Map(policy.metrics.map((m) => [m.id, m.onFail ?? 'hold']));
  const rollbackMetrics = failing.filter((id) => onFail.get(id) === 'rollback');
  return { action: rollbackMetrics.length > 0 ? 'rollback' : 'hold', rollbackMetrics, failing };
}
