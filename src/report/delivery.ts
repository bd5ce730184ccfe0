import type { Visit, Walk } from './timeline.js';

/**
 * The plan's "Success Metrics → Technical Metrics" (release-plan-v2.1.0.md). They are not part of
 * rollout.yaml, so they are written down here and shown beside the measured figures.
 */
export const DELIVERY_TARGETS = {
  deploymentSuccessRate: { min: 1, text: '100 %' },
  rollbackRate: { max: 0.05, text: '< 5 %' },
  mttrMs: { max: 5 * 60_000, text: '< 5 min' },
} as const;

/** Time spent in one phase or stage, over all its visits. */
export interface TimeInStep {
  phase: string;
  stage: string | null;
  percent?: number;
  visits: number;
  totalMs: number;
  /** True while the release is still in this step (the total runs up to `now`). */
  ongoing: boolean;
}

/** The delivery figures of the release. Rates are fractions (0–1); null when there is nothing to divide by. */
export interface DeliveryMetrics {
  /** Stage deployments (flag moved to a stage) that were not rolled back, over those that finished. */
  deploymentSuccessRate: number | null;
  deployments: number;
  failedDeployments: number;
  /** Release attempts (the first run plus one per retry) that ended in a rollback, over all attempts. */
  rollbackRate: number | null;
  runs: number;
  rollbacks: number;
  /** Mean of completedAt − startedAt over completed rollbacks. */
  mttrMs: number | null;
  incompleteRollbacks: number;
  timePerStage: TimeInStep[];
  timePerPhase: TimeInStep[];
}

function durationOf(v: Visit, now: Date): number {
  return Math.max(0, (v.leftAt ? Date.parse(v.leftAt) : now.getTime()) - Date.parse(v.enteredAt));
}

function sumBy(visits: Visit[], keyOf: (v: Visit) => string, now: Date): TimeInStep[] {
  const map = new Map<string, TimeInStep>();
  for (const v of visits) {
    const key = keyOf(v);
    const entry = map.get(key) ?? { phase: v.phase, stage: keyOf(v) === v.phase ? null : v.stage, ...(v.percent !== undefined ? { percent: v.percent } : {}), visits: 0, totalMs: 0, ongoing: false };
    entry.visits += 1;
    entry.totalMs += durationOf(v, now);
    entry.ongoing ||= v.leftAt === null;
    map.set(key, entry);
  }
  return [...map.values()];
}

/** A phase is visited once per entry, however many of its stages the entry went through. */
function countPhaseEntries(phases: TimeInStep[], visits: Visit[]): TimeInStep[] {
  const entries = new Map<string, number>();
  visits.forEach((v, i) => {
    const prev = visits[i - 1];
    if (!prev || prev.phase !== v.phase || prev.run !== v.run) entries.set(v.phase, (entries.get(v.phase) ?? 0) + 1);
  });
  return phases.map((p) => ({ ...p, visits: entries.get(p.phase) ?? p.visits }));
}

export function computeDelivery(walk: Walk, now: Date): DeliveryMetrics {
  const staged = walk.visits.filter((v) => v.stage !== null);
  const finished = staged.filter((v) => v.outcome !== 'current');
  const failed = finished.filter((v) => v.outcome === 'rolled-back').length;
  const recovered = walk.rollbacks.filter((r) => r.completedAt !== null);
  const mttr = recovered.length ? recovered.reduce((s, r) => s + (Date.parse(r.completedAt!) - Date.parse(r.startedAt)), 0) / recovered.length : null;
  const rolledBackRuns = walk.runs.filter((r) => r.outcome === 'rolled-back').length;
  return {
    deploymentSuccessRate: finished.length ? (finished.length - failed) / finished.length : null,
    deployments: staged.length,
    failedDeployments: failed,
    rollbackRate: walk.runs.length ? rolledBackRuns / walk.runs.length : null,
    runs: walk.runs.length,
    rollbacks: walk.rollbacks.length,
    mttrMs: mttr,
    incompleteRollbacks: walk.rollbacks.length - recovered.length,
    timePerStage: sumBy(staged, (v) => `${v.phase}\u0000${v.stage}`, now),
    timePerPhase: countPhaseEntries(sumBy(walk.visits, (v) => v.phase, now), walk.visits),
  };
}
