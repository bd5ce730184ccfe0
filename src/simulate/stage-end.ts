import { combineVerdicts } from '../canary/analyze.js';
import type { Collected } from '../canary/collect.js';
import { judgeMetric } from '../canary/judge.js';
import type { CanaryConfig } from '../config/schema.js';
import type { QueryOutcome } from '../metrics/types.js';
import { compareProportions } from '../stats/index.js';
import type { RatioMetric } from './types.js';

/** Cumulative counts of both arms of one metric. */
export interface PairCounts {
  baselineEvents: number;
  baselineTotal: number;
  canaryEvents: number;
  canaryTotal: number;
}

/** One metric's stage-end outcome, split by what made it fail. */
export interface MetricOutcome {
  fail: boolean;
  /** Significant after the multiple-comparison adjustment and beyond the tolerance. */
  byTest: boolean;
}

/** The stage-end decision of the whole policy and of each ratio metric. */
export interface StageOutcome {
  verdict: 'pass' | 'fail' | 'inconclusive';
  /** A fail with at least one blocking (critical, rollback) metric failing by the test. */
  byTest: boolean;
  metrics: MetricOutcome[];
}

const EPOCH = new Date(0);

function answer(value: number): QueryOutcome {
  return {
    kind: 'ok',
    query: 'simulated',
    url: 'simulation',
    durationMs: 0,
    attempts: 0,
    resultType: 'vector',
    series: [{ labels: {}, values: [{ t: 0, v: value }] }],
  };
}

function series(values: number[]): QueryOutcome {
  return {
    kind: 'ok',
    query: 'simulated',
    url: 'simulation',
    durationMs: 0,
    attempts: 0,
    resultType: 'matrix',
    series: [{ labels: {}, values: values.map((v, t) => ({ t, v })) }],
  };
}

/**
 * The counts shaped exactly as `collectMetric` hands a ratio metric's evidence to the judge; with
 * the cumulative counts after every look (`history[0]` empty), also the per-interval range answers
 * the overdispersion estimate reads.
 */
export function toCollected(c: PairCounts, history?: readonly PairCounts[]): Collected {
  const collected: Collected = {
    kind: 'ratio',
    baseline: { events: answer(c.baselineEvents), total: answer(c.baselineTotal) },
    canary: { events: answer(c.canaryEvents), total: answer(c.canaryTotal) },
    queries: [],
  };
  if (!history || history.length < 2) return collected;
  const steps = history.slice(1).map((h, i) => ({
    be: h.baselineEvents - (history[i] as PairCounts).baselineEvents,
    bt: h.baselineTotal - (history[i] as PairCounts).baselineTotal,
    ce: h.canaryEvents - (history[i] as PairCounts).canaryEvents,
    ct: h.canaryTotal - (history[i] as PairCounts).canaryTotal,
  }));
  return {
    ...collected,
    intervals: {
      baseline: { events: series(steps.map((s) => s.be)), total: series(steps.map((s) => s.bt)) },
      canary: { events: series(steps.map((s) => s.ce)), total: series(steps.map((s) => s.ct)) },
    },
  };
}

/**
 * Judges the stage as `advance` does: `judgeMetric` on each metric's counts, then `combineVerdicts`
 * (Holm across the tested metrics, tolerance, critical rollback metrics decide).
 */
export function judgeStage(
  metrics: readonly RatioMetric[],
  counts: readonly PairCounts[],
  canary: CanaryConfig,
  histories?: ReadonlyArray<readonly PairCounts[]>,
): StageOutcome {
  const ctx = { canary, budget: null };
  const judged = metrics.map((m, i) => judgeMetric(m, toCollected(counts[i] as PairCounts, histories?.[i]), ctx));
  const combined = combineVerdicts([...metrics], judged, canary, EPOCH, canary.window);
  const outcomes = combined.metrics.map((m, i) => {
    const metric = metrics[i] as RatioMetric;
    // Mirrors combineVerdicts' own rule, to tell a significant regression from an absolute-limit breach.
    const adjusted = m.adjustedPValue;
    const significant =
      adjusted !== undefined &&
      (canary.multipleComparisons === 'holm' ? adjusted <= canary.alpha : adjusted < canary.alpha);
    return { fail: m.verdict === 'fail', byTest: significant && (m.relativeChange ?? 0) > metric.maxRelativeChange };
  });
  const byTest =
    combined.verdict === 'fail' &&
    outcomes.some((o, i) => o.byTest && metrics[i]?.critical === true && metrics[i]?.action === 'rollback');
  return { verdict: combined.verdict, byTest, metrics: outcomes };
}

/** What the judge is certain to say about one metric, or that it must be asked. */
export type Screened = 'inconclusive' | 'pass' | 'limit-fail' | 'maybe-fail';

/**
 * What the judge would say about this metric, where that is certain without asking it. A tested
 * metric fails for sure on an absolute-limit breach (the combination never clears a fail); otherwise
 * it can fail only with a change beyond its tolerance whose raw p-value is ≤ alpha (Holm's adjusted
 * p-values are never below the raw ones, and the overdispersion factor only ever raises them). Below the minimum samples it is inconclusive.
 */
export function screenMetric(metric: RatioMetric, c: PairCounts, canary: CanaryConfig): Screened {
  const { baselineEvents: eb, baselineTotal: tb, canaryEvents: ec, canaryTotal: tc } = c;
  if (
    tb === 0 ||
    tc === 0 ||
    tb < (metric.minSamples ?? canary.minSamples) ||
    tc < (metric.minSamples ?? canary.minSamples)
  )
    return 'inconclusive';
  const pb = eb / tb;
  const pc = ec / tc;
  if (
    (metric.maxAbsolute !== undefined && pc > metric.maxAbsolute) ||
    (metric.minAbsolute !== undefined && pc < metric.minAbsolute)
  )
    return 'limit-fail';
  const worse = metric.direction === 'lower-is-better' ? pc - pb : pb - pc;
  if (worse <= 0 || (pb > 0 && worse / pb <= metric.maxRelativeChange)) return 'pass';
  const alternative = metric.direction === 'lower-is-better' ? 'greater' : 'less';
  return compareProportions({ events: eb, total: tb }, { events: ec, total: tc }, { alternative, alpha: canary.alpha })
    .pValue <= canary.alpha
    ? 'maybe-fail'
    : 'pass';
}

/**
 * The stage-end decision, skipping the judge only where its answer is certain: no metric can fail
 * (pass, or inconclusive if one lacks samples), or the only failures are absolute-limit breaches and
 * the caller does not need to know which fails the test would also have made (`split: false`; the
 * `byTest` flags are then false). Otherwise the real judge and combination decide. A property test
 * holds this equal to {@link judgeStage}.
 */
export function decideStage(
  metrics: readonly RatioMetric[],
  counts: readonly PairCounts[],
  canary: CanaryConfig,
  split = true,
  histories?: ReadonlyArray<readonly PairCounts[]>,
): StageOutcome {
  const screened = metrics.map((m, i) => screenMetric(m, counts[i] as PairCounts, canary));
  if (screened.includes('maybe-fail') || (split && screened.includes('limit-fail')))
    return judgeStage(metrics, counts, canary, histories);
  const fails = screened.map((v) => v === 'limit-fail');
  const blocking = fails.some((fail, i) => fail && metrics[i]?.critical === true && metrics[i]?.action === 'rollback');
  const verdict = blocking
    ? 'fail'
    : fails.includes(true) || screened.includes('inconclusive')
      ? 'inconclusive'
      : 'pass';
  return { verdict, byTest: false, metrics: fails.map((fail) => ({ fail, byTest: false })) };
}
