import type { Scalar } from '../canary/evidence.js';
import { evaluateRatioTrigger, type RatioScalars } from '../watch/triggers.js';
import { createTriggerProgress, type TriggerProgress } from '../watch/types.js';
import type { PairCounts } from './stage-end.js';
import type { RatioTrigger } from './types.js';

/**
 * One `watch` trigger followed through one simulated stage with the real, pure trigger rule of
 * `src/watch/triggers.ts`: each look hands it the counts over the trigger's window (the point
 * estimate) and the disjoint increment since the previous look (the sequential evidence).
 */
export interface TriggerRun {
  spec: RatioTrigger;
  /** Index of the trigger's metric in the simulation's traffic. */
  metricIndex: number;
  /** Looks covered by the trigger's window (a 10m window watched every 1m: 10). */
  windowLooks: number;
  alpha: number;
  overdispersion: 'estimate' | 'off';
  /** `canary.power`, which the sequential test's mixture is focused for. */
  power: number;
  progress: TriggerProgress;
  /** The look at which it fired in this stage, 0 while it has not. */
  firedAt: number;
}

/** A fresh run of `spec` for a new stage. */
export function startTriggerRun(
  spec: RatioTrigger,
  metricIndex: number,
  windowLooks: number,
  alpha: number,
  overdispersion: 'estimate' | 'off' = 'estimate',
  power = 0.9,
): TriggerRun {
  return {
    spec,
    metricIndex,
    windowLooks,
    alpha,
    overdispersion,
    power,
    progress: createTriggerProgress(),
    firedAt: 0,
  };
}

const value = (v: number): Scalar => ({ ok: true, value: v });

function toScalars(c: PairCounts): RatioScalars {
  return {
    canaryEvents: value(c.canaryEvents),
    canaryTotal: value(c.canaryTotal),
    baselineEvents: value(c.baselineEvents),
    baselineTotal: value(c.baselineTotal),
  };
}

/** Counts between two cumulative snapshots (`from` exclusive). */
export function subtractCounts(to: PairCounts, from: PairCounts): PairCounts {
  return {
    baselineEvents: to.baselineEvents - from.baselineEvents,
    baselineTotal: to.baselineTotal - from.baselineTotal,
    canaryEvents: to.canaryEvents - from.canaryEvents,
    canaryTotal: to.canaryTotal - from.canaryTotal,
  };
}

/**
 * Evaluates the trigger at position `index` of the metric's cumulative counts (`cumulative[0]` is
 * the empty start; the stage's traffic may begin before the watch's first look). As in the loop
 * (`chooseIncrementWindow`), the first look's increment is the trigger's whole window and later
 * ones are the interval since the previous look. Returns true when it fires; a fired trigger stays
 * fired (`look` is recorded as the stage's look number).
 */
export function lookTrigger(
  run: TriggerRun,
  cumulative: readonly PairCounts[],
  index: number,
  at: string,
  look = index,
): boolean {
  if (run.firedAt > 0) return true;
  const now = cumulative[index] as PairCounts;
  const window = subtractCounts(now, cumulative[Math.max(0, index - run.windowLooks)] as PairCounts);
  const increment =
    run.progress.coveredUntil === undefined ? window : subtractCounts(now, cumulative[index - 1] as PairCounts);
  const evaluated = evaluateRatioTrigger(
    run.spec,
    run.progress,
    { window: toScalars(window), increment: toScalars(increment), at },
    { alpha: run.alpha, overdispersion: run.overdispersion, power: run.power },
  );
  run.progress = evaluated.progress;
  if (evaluated.outcome.status === 'fired') run.firedAt = look;
  return run.firedAt > 0;
}

/** `above baseline × 1.5 over 10m`, `below 0.95 over 15m`. */
export function describeTrigger(spec: RatioTrigger): string {
  const limit = 'factor' in spec.limit ? `baseline × ${spec.limit.factor}` : String(spec.limit.absolute);
  return `${spec.comparison} ${limit} over ${spec.window}`;
}
