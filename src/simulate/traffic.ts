import { sampleBinomial, sampleIntervalRate, type Random } from '../stats/index.js';
import type { PairCounts } from './stage-end.js';
import type { MetricTraffic, RatioMetric, TrafficNoise } from './types.js';

/** Requests per arm per look when neither a flag nor a recording says otherwise (12,000 per arm over 60 looks). */
export const DEFAULT_REQUESTS_PER_LOOK = 200;

/** Regression size when neither `--effect` nor `--canary-rate` is given: 50 % worse. */
export const DEFAULT_EFFECT = 1.5;

/**
 * A healthy baseline for a metric: 2 % errors / 97 % completions, but never closer than halfway to
 * the metric's own absolute limit. A baseline sitting on the limit fails about half of all healthy
 * stages on the limit alone, which says nothing about the statistics (the report shows it if asked
 * for with `--baseline-rate`).
 */
export function chooseDefaultRate(metric: RatioMetric): number {
  if (metric.direction === 'lower-is-better')
    return metric.maxAbsolute === undefined ? 0.02 : Math.min(0.02, metric.maxAbsolute / 2);
  return metric.minAbsolute === undefined ? 0.97 : Math.max(0.97, (1 + metric.minAbsolute) / 2);
}

/**
 * The canary rate for a relative effect in the metric's bad direction, the way the judge measures
 * change: 1.5 on an error rate of 2 % is 3 %; 1.05 on a completion rate of 97 % is a 5 % drop (92.15 %).
 */
export function applyEffect(metric: RatioMetric, baselineRate: number, effect: number): number {
  const rate = metric.direction === 'lower-is-better' ? baselineRate * effect : baselineRate * (2 - effect);
  return Math.min(1, Math.max(0, rate));
}

/** True rates of both arms for one stage (a recorded baseline is redrawn from its counts each stage). */
export function drawStageRates(t: MetricTraffic, random: Random): { baseline: number; canary: number } {
  const baseline = t.resample
    ? sampleBinomial(random, t.resample.total, t.resample.events / t.resample.total) / t.resample.total
    : t.baselineRate;
  const canary = t.canaryRate ?? applyEffect(t.metric, baseline, t.effect ?? 1);
  return { baseline, canary };
}

/** The canary's nominal rate, for the report. */
export function nominalCanaryRate(t: MetricTraffic): number {
  return t.canaryRate ?? applyEffect(t.metric, t.baselineRate, t.effect ?? 1);
}

/** Whether the canary is worse than the baseline in the metric's bad direction. */
export function isRegressed(t: MetricTraffic): boolean {
  const canary = nominalCanaryRate(t);
  return t.metric.direction === 'lower-is-better' ? canary > t.baselineRate : canary < t.baselineRate;
}

/** Each arm's current interval rate, carried from look to look for autocorrelated traffic (null: none yet). */
export interface IntervalRates {
  baseline: number | null;
  canary: number | null;
}

/** This interval's true rate of one arm: the stage rate (binomial), or a clustered draw (see TrafficNoise). */
function drawIntervalRate(random: Random, n: number, p: number, noise: TrafficNoise, previous: number | null): number {
  if (noise.overdispersion === 1) return p;
  if (previous !== null && noise.autocorrelation > 0 && random() < noise.autocorrelation) return previous;
  return sampleIntervalRate(random, n, p, noise.overdispersion);
}

/**
 * Adds one look of traffic to `previous`: whole counts, no per-request objects. Binomial with the
 * stage's rates when `noise` is φ = 1 (the same draws as always); otherwise each interval's rate
 * is drawn first (`current` carries it to the next look).
 */
export function drawLook(
  previous: PairCounts,
  rates: { baseline: number; canary: number },
  volume: MetricTraffic['requestsPerLook'],
  random: Random,
  noise: TrafficNoise = { overdispersion: 1, autocorrelation: 0 },
  current: IntervalRates = { baseline: null, canary: null },
): PairCounts {
  current.baseline = drawIntervalRate(random, volume.baseline, rates.baseline, noise, current.baseline);
  current.canary = drawIntervalRate(random, volume.canary, rates.canary, noise, current.canary);
  return {
    baselineEvents: previous.baselineEvents + sampleBinomial(random, volume.baseline, current.baseline),
    baselineTotal: previous.baselineTotal + volume.baseline,
    canaryEvents: previous.canaryEvents + sampleBinomial(random, volume.canary, current.canary),
    canaryTotal: previous.canaryTotal + volume.canary,
  };
}

export const EMPTY_COUNTS: PairCounts = Object.freeze({
  baselineEvents: 0,
  baselineTotal: 0,
  canaryEvents: 0,
  canaryTotal: 0,
});
