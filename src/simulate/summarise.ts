import { gammaln } from 'simple-statistics';
import { formatDuration } from '../config/duration.js';
import type { SimulationTally } from './run-simulation.js';
import { isRegressed, nominalCanaryRate } from './traffic.js';
import type {
  DetectionSummary,
  LevelCheck,
  MetricSummary,
  SimulationPlan,
  SimulationReport,
  StageEndSummary,
} from './types.js';
import { describeTrigger } from './watch-rule.js';

/** Confidence of the Monte-Carlo margin: a policy exactly at alpha passes the A/A check in 99 % of runs. */
export const LEVEL_CONFIDENCE = 0.99;

function computeMedian(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Rate and median look of the non-zero entries of a per-stage "first look" array. */
export function summariseFirstLooks(firstLooks: Int32Array, canaryPerLook: number): DetectionSummary {
  const hits = Array.from(firstLooks).filter((look) => look > 0);
  const medianLooks = computeMedian(hits);
  return {
    rate: hits.length / firstLooks.length,
    medianLooks,
    medianRequestsPerArm: medianLooks === null ? null : medianLooks * canaryPerLook,
  };
}

function summariseStageEnd(
  failsByLook: Int32Array,
  testFails: number,
  stages: number,
  power: number,
  canaryPerLook: number,
): StageEndSummary {
  const failRateByLook = Array.from(failsByLook, (n) => n / stages);
  const failRate = failRateByLook.at(-1) ?? 0;
  const reached = failRateByLook.findIndex((rate) => rate >= power);
  return {
    failRate,
    testFailRate: testFails / stages,
    limitOnlyFailRate: failRate - testFails / stages,
    failRateByLook,
    requestsPerArmForPower: reached < 0 ? null : (reached + 1) * canaryPerLook,
  };
}

/**
 * The 99th percentile of Binomial(n, p), by summing the pmf in log space from 0 upward (at most a
 * few thousand terms for the stage counts simulate runs).
 */
export function computeBinomialQuantile(n: number, p: number, q: number): number {
  if (p <= 0) return 0;
  if (p >= 1) return n;
  const logN = gammaln(n + 1);
  let cdf = 0;
  for (let k = 0; k <= n; k += 1) {
    cdf += Math.exp(logN - gammaln(k + 1) - gammaln(n - k + 1) + k * Math.log(p) + (n - k) * Math.log1p(-p));
    if (cdf >= q) return k;
  }
  return n;
}

/**
 * The A/A check: a policy at its configured level shows at most alpha false rollbacks on average,
 * but a finite simulation scatters around that; the limit is the rate such a policy stays under
 * in 99 % of runs of this many stages. Both `watch` rollbacks and stage-end fails must stay under it.
 */
export function checkLevel(alpha: number, stages: number, rates: { watch: number; stageEnd: number }): LevelCheck {
  const limit = computeBinomialQuantile(stages, alpha, LEVEL_CONFIDENCE) / stages;
  const checks: LevelCheck['checks'] = [
    { decision: 'watch rollbacks', rate: rates.watch, ok: rates.watch <= limit },
    { decision: 'stage-end fails', rate: rates.stageEnd, ok: rates.stageEnd <= limit },
  ];
  return { alpha, stages, margin: limit - alpha, limit, checks, ok: checks.every((c) => c.ok) };
}

function earliest(arrays: Int32Array[], stages: number): Int32Array {
  const out = new Int32Array(stages);
  for (const a of arrays)
    for (let s = 0; s < stages; s += 1) if (a[s]! > 0 && (out[s] === 0 || a[s]! < out[s]!)) out[s] = a[s]!;
  return out;
}

/** Turns the raw tally into the report `rollout simulate` prints. */
export function summariseSimulation(
  plan: SimulationPlan,
  tally: SimulationTally,
  notes: string[] = [],
): SimulationReport {
  const { stages, canary } = plan;
  const perLook = plan.traffic[0]?.requestsPerLook.canary ?? 0;
  const metrics: MetricSummary[] = plan.traffic.map((t, i) => ({
    id: t.metric.id,
    direction: t.metric.direction,
    action: t.metric.action,
    critical: t.metric.critical,
    regressed: plan.scenario === 'regression' && isRegressed(t),
    source: t.source,
    baselineRate: t.baselineRate,
    canaryRate: nominalCanaryRate(t),
    requestsPerLook: t.requestsPerLook,
    stageEnd: summariseStageEnd(
      tally.metricFailsByLook[i] as Int32Array,
      tally.metricTestFails[i] as number,
      stages,
      canary.power,
      t.requestsPerLook.canary,
    ),
    naive: summariseFirstLooks(tally.metricFirstFail[i] as Int32Array, t.requestsPerLook.canary),
    triggers: plan.triggers.flatMap((spec, k) =>
      spec.metric.id === t.metric.id
        ? [
            {
              id: spec.id,
              metric: t.metric.id,
              action: spec.action,
              rule: describeTrigger(spec),
              ...summariseFirstLooks(tally.triggerFiredAt[k] as Int32Array, t.requestsPerLook.canary),
            },
          ]
        : [],
    ),
  }));
  const byAction = (action: 'rollback' | 'alert') =>
    earliest(
      tally.triggerFiredAt.filter((_, k) => plan.triggers[k]?.action === action),
      stages,
    );
  const stageEnd = summariseStageEnd(tally.overallFailsByLook, tally.overallTestFails, stages, canary.power, perLook);
  const rollback = summariseFirstLooks(byAction('rollback'), perLook);
  return {
    scenario: plan.scenario,
    seed: plan.seed,
    noise: plan.noise,
    stages,
    looks: plan.looks,
    interval: formatDuration(plan.intervalMs),
    alpha: canary.alpha,
    power: canary.power,
    minSamples: canary.minSamples,
    multipleComparisons: canary.multipleComparisons,
    metrics,
    overall: {
      stageEnd: {
        ...stageEnd,
        passRate: tally.overallPasses / stages,
        inconclusiveRate: 1 - stageEnd.failRate - tally.overallPasses / stages,
      },
      naive: summariseFirstLooks(tally.overallFirstFail, perLook),
      watch: { rollback, alert: summariseFirstLooks(byAction('alert'), perLook) },
    },
    level:
      plan.scenario === 'aa'
        ? checkLevel(canary.alpha, stages, { watch: rollback.rate, stageEnd: stageEnd.failRate })
        : null,
    notes,
  };
}
