import { createPrng } from '../stats/index.js';
import { decideStage, type PairCounts, type StageOutcome } from './stage-end.js';
import { drawLook, drawStageRates, EMPTY_COUNTS, type IntervalRates } from './traffic.js';
import type { SimulationPlan } from './types.js';
import { lookTrigger, startTriggerRun, subtractCounts, type TriggerRun } from './watch-rule.js';

/**
 * Raw counts of one simulation, before they become rates. Per-look arrays are indexed by look − 1;
 * per-stage arrays hold the first look at which something happened in that stage (0 = never).
 */
export interface SimulationTally {
  /** Per metric, then per look: stages whose stage-end decision would fail the metric at that look. */
  metricFailsByLook: Int32Array[];
  /** Per metric: fails at the last look by the test, and by an absolute limit alone. */
  metricTestFails: Int32Array;
  metricLimitOnlyFails: Int32Array;
  overallFailsByLook: Int32Array;
  overallTestFails: number;
  overallPasses: number;
  /** Per metric, then per stage: first look the stage-end decision fails the metric (the naive repeated test). */
  metricFirstFail: Int32Array[];
  overallFirstFail: Int32Array;
  /** Per trigger (plan order), then per stage: the look it fired. */
  triggerFiredAt: Int32Array[];
}

function createTally(plan: SimulationPlan): SimulationTally {
  const metrics = plan.traffic.length;
  const perLook = () => new Int32Array(plan.looks);
  const perStage = () => new Int32Array(plan.stages);
  return {
    metricFailsByLook: Array.from({ length: metrics }, perLook),
    metricTestFails: new Int32Array(metrics),
    metricLimitOnlyFails: new Int32Array(metrics),
    overallFailsByLook: perLook(),
    overallTestFails: 0,
    overallPasses: 0,
    metricFirstFail: Array.from({ length: metrics }, perStage),
    overallFirstFail: perStage(),
    triggerFiredAt: plan.triggers.map(perStage),
  };
}

/** Looks a trigger window spans at the watch interval (at least one). */
export function countWindowLooks(windowMs: number, intervalMs: number): number {
  return Math.max(1, Math.ceil(windowMs / intervalMs));
}

/**
 * Runs `plan.stages` independent stages of `plan.looks` looks. Each look adds one interval of
 * binomial traffic to every metric, judges the stage as if it ended now (the real judge and Holm
 * combination) and runs each `watch` trigger (the real sequential rule). Deterministic per seed.
 */
export function runSimulation(plan: SimulationPlan, windowMs: (window: string) => number): SimulationTally {
  const tally = createTally(plan);
  const random = createPrng(plan.seed);
  const metrics = plan.traffic.map((t) => t.metric);
  const alpha = plan.canary.alpha;
  const triggerIndex = plan.triggers.map((spec) => plan.traffic.findIndex((t) => t.metric.id === spec.metric.id));
  const windows = plan.triggers.map((spec) => countWindowLooks(windowMs(spec.window), plan.intervalMs));
  // The loop's first look already holds a trigger window of traffic: the stage runs that long first.
  const lead = Math.max(0, ...windows.map((w) => w - 1));
  for (let stage = 0; stage < plan.stages; stage += 1) {
    const rates = plan.traffic.map((t) => drawStageRates(t, random));
    const current: IntervalRates[] = plan.traffic.map(() => ({ baseline: null, canary: null }));
    const history: PairCounts[][] = plan.traffic.map(() => [EMPTY_COUNTS]);
    const draw = () =>
      plan.traffic.map((t, m) => {
        const past = history[m] as PairCounts[];
        const counts = drawLook(
          past[past.length - 1] as PairCounts,
          rates[m] as { baseline: number; canary: number },
          t.requestsPerLook,
          random,
          plan.noise,
          current[m],
        );
        past.push(counts);
        return counts;
      });
    for (let i = 0; i < lead; i += 1) draw();
    const start = history.map((h) => h[lead] as PairCounts);
    const stageHistory: PairCounts[][] = plan.traffic.map(() => [EMPTY_COUNTS]);
    const runs: TriggerRun[] = plan.triggers.map((spec, i) =>
      startTriggerRun(
        spec,
        triggerIndex[i] as number,
        windows[i] as number,
        alpha,
        plan.canary.overdispersion,
        plan.canary.power,
      ),
    );
    for (let look = 1; look <= plan.looks; look += 1) {
      // The stage-end decision judges the stage's own looks (and their intervals, for the dispersion).
      const now = draw().map((counts, m) => subtractCounts(counts, start[m] as PairCounts));
      now.forEach((counts, m) => (stageHistory[m] as PairCounts[]).push(counts));
      // Which fails the test made (beyond an absolute limit) is reported for the stage end only.
      const last = look === plan.looks;
      recordStageEnd(tally, decideStage(metrics, now, plan.canary, last, stageHistory), stage, look, last);
      const at = new Date(plan.intervalMs * look).toISOString();
      runs.forEach((run, i) => {
        if (run.firedAt === 0 && lookTrigger(run, history[run.metricIndex] as PairCounts[], lead + look, at, look))
          (tally.triggerFiredAt[i] as Int32Array)[stage] = look;
      });
    }
  }
  return tally;
}

function recordStageEnd(
  tally: SimulationTally,
  outcome: StageOutcome,
  stage: number,
  look: number,
  last: boolean,
): void {
  const index = look - 1;
  outcome.metrics.forEach((m, i) => {
    if (!m.fail) return;
    const fails = tally.metricFailsByLook[i] as Int32Array;
    fails[index] = (fails[index] as number) + 1;
    const first = tally.metricFirstFail[i] as Int32Array;
    if (first[stage] === 0) first[stage] = look;
    if (last) {
      const split = m.byTest ? tally.metricTestFails : tally.metricLimitOnlyFails;
      split[i] = (split[i] as number) + 1;
    }
  });
  if (outcome.verdict === 'fail') {
    tally.overallFailsByLook[index] = (tally.overallFailsByLook[index] as number) + 1;
    if (tally.overallFirstFail[stage] === 0) tally.overallFirstFail[stage] = look;
    if (last && outcome.byTest) tally.overallTestFails += 1;
  }
  if (last && outcome.verdict === 'pass') tally.overallPasses += 1;
}
