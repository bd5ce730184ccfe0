import type { CanaryConfig, MetricConfig, PerfBudget } from '../config/schema.js';
import {
  compareProportions,
  computeRulePower,
  computeRuleSampleSize,
  hodgesLehmann,
  mannWhitneyAutocorrelated,
} from '../stats/index.js';
import type { Collected } from './collect.js';
import type { QueryOutcome } from '../metrics/types.js';
import { readPoints, readScalar, type Scalar } from './evidence.js';
import { BINOMIAL, readDispersion, type DispersionReading } from './dispersion-evidence.js';
import { judgeHistogram } from './judge-histogram.js';
import type { MetricVerdict } from './types.js';
import { formatInUnit, metricUnit } from './units.js';

/** Minimum per-interval points per arm for a distribution metric when the metric sets none. */
export const DEFAULT_DISTRIBUTION_MIN_POINTS = 10;

export interface JudgeContext {
  canary: CanaryConfig;
  budget: PerfBudget | null;
  /** model_accuracy_delta for `source: verify` threshold metrics (v1.1 − v1.0 on the golden cases). */
  accuracyDelta?: number | null;
}

const pct = (x: number) => formatInUnit(x, '%');

export function base(
  metric: MetricConfig,
  threshold: string,
  queries: string[],
): Omit<MetricVerdict, 'verdict' | 'reason' | 'baseline' | 'canary' | 'relativeChange'> {
  return {
    id: metric.id,
    ...(metric.title ? { title: metric.title } : {}),
    kind: metric.kind,
    ...(metricUnit(metric) ? { unit: metricUnit(metric) } : {}),
    critical: metric.critical,
    action: metric.action,
    threshold,
    queries,
  };
}

/** Judges one metric before the multiple-comparison adjustment; `significant` is decided later. */
export function judgeMetric(metric: MetricConfig, collected: Collected, ctx: JudgeContext): MetricVerdict {
  if (metric.kind === 'ratio' && collected.kind === 'ratio') return judgeRatio(metric, collected, ctx);
  if (metric.kind === 'distribution' && collected.kind === 'distribution')
    return judgeDistribution(metric, collected, ctx);
  if (metric.kind === 'distribution' && collected.kind === 'histogram') return judgeHistogram(metric, collected, ctx);
  if (metric.kind === 'threshold' && collected.kind === 'threshold') return judgeThreshold(metric, collected, ctx);
  throw new Error(`metric ${metric.id}: collected ${collected.kind} evidence for a ${metric.kind} metric`);
}

function judgeRatio(
  metric: Extract<MetricConfig, { kind: 'ratio' }>,
  c: Extract<Collected, { kind: 'ratio' }>,
  ctx: JudgeContext,
): MetricVerdict {
  const worse = metric.direction === 'lower-is-better' ? 'higher' : 'lower';
  const threshold = `canary ≤ ${Math.round(metric.maxRelativeChange * 100)} % ${worse} than baseline${metric.maxAbsolute !== undefined ? `, ≤ ${pct(metric.maxAbsolute)}` : ''}${metric.minAbsolute !== undefined ? `, ≥ ${pct(metric.minAbsolute)}` : ''}`;
  const head = base(metric, threshold, c.queries);
  const values = [c.baseline.events, c.baseline.total, c.canary.events, c.canary.total].map((o) => readCount(o));
  const empty = { value: null, n: null };
  for (const [i, v] of values.entries()) {
    if (!v.ok) {
      const arm = i < 2 ? 'baseline' : 'canary';
      return {
        ...head,
        verdict: 'inconclusive',
        inconclusive: v.reason,
        reason: `${arm} ${i % 2 === 0 ? 'events' : 'total'}: ${v.detail}`,
        baseline: empty,
        canary: empty,
        relativeChange: null,
      };
    }
  }
  const [eb, tb, ec, tc] = values.map((v) => Math.round((v as { value: number }).value)) as [
    number,
    number,
    number,
    number,
  ];
  const baseline = { value: tb > 0 ? eb / tb : null, n: tb, events: eb };
  const canary = { value: tc > 0 ? ec / tc : null, n: tc, events: ec };
  if (tb === 0 || tc === 0) {
    return {
      ...head,
      verdict: 'inconclusive',
      inconclusive: 'no-data',
      reason: `no traffic on the ${tc === 0 ? 'canary' : 'baseline'} arm in the window`,
      baseline,
      canary,
      relativeChange: null,
    };
  }
  if (eb > tb || ec > tc || eb < 0 || ec < 0) {
    return {
      ...head,
      verdict: 'inconclusive',
      inconclusive: 'query-error',
      reason: 'the events query counts more than the total query: check the metric definition',
      baseline,
      canary,
      relativeChange: null,
    };
  }
  const pb = eb / tb;
  const pc = ec / tc;
  const sign = metric.direction === 'lower-is-better' ? 1 : -1;
  const relativeChange = pb === 0 ? (pc === 0 ? 0 : Infinity * sign * Math.sign(pc)) : (sign * (pc - pb)) / pb;
  const minSamples = metric.minSamples ?? ctx.canary.minSamples;
  const alternative = metric.direction === 'lower-is-better' ? 'greater' : 'less';
  if (tb < minSamples || tc < minSamples) {
    const n = Math.min(tb, tc);
    const advice = adviseSampleSize(metric, pb, minSamples, ctx);
    const more = Math.max(0, advice.neededPerArm - n);
    return {
      ...head,
      verdict: 'inconclusive',
      inconclusive: 'too-few-samples',
      reason: `${n} samples in the smaller arm, ${minSamples} needed; ${Number.isFinite(more) ? `needs ~${more} more requests per arm` : 'no stage size is enough'} for a ${Math.round(ctx.canary.power * 100)} % chance to fail ${advice.effect}`,
      baseline,
      canary,
      relativeChange,
      power: {
        achieved: advice.achieved(n),
        neededPerArm: advice.neededPerArm,
        morePerArm: more,
        effect: advice.effect,
      },
    };
  }
  const dispersion =
    ctx.canary.overdispersion === 'off' ? BINOMIAL('overdispersion: off') : readDispersion(c.intervals);
  const test = compareProportions(
    { events: eb, total: tb },
    { events: ec, total: tc },
    { alternative, alpha: ctx.canary.alpha, dispersion: dispersion.factor },
  );
  const absoluteBreach =
    (metric.maxAbsolute !== undefined && pc > metric.maxAbsolute) ||
    (metric.minAbsolute !== undefined && pc < metric.minAbsolute);
  return {
    ...head,
    verdict: absoluteBreach ? 'fail' : 'pass',
    reason: absoluteBreach
      ? `canary ${pct(pc)} breaks the absolute limit (${metric.maxAbsolute !== undefined ? `≤ ${pct(metric.maxAbsolute)}` : `≥ ${pct(metric.minAbsolute as number)}`})`
      : `canary ${pct(pc)} vs baseline ${pct(pb)}`,
    baseline,
    canary,
    relativeChange,
    test: `${test.method === 'fisher-exact' ? "Fisher's exact test (one-sided)" : 'two-proportion score test (one-sided)'}${describeDispersion(dispersion)}`,
    dispersion: dispersion.factor,
    statistic: test.statistic,
    pValue: test.pValue,
    interval: { lower: test.ratioInterval[0], upper: test.ratioInterval[1], of: 'ratio', confidence: test.confidence },
  };
}

/** Effects the advice is for: twice the tolerance (at the tolerance itself the rule fails half the time at best). */
const ADVICE_EFFECT = 2;

/**
 * How many requests per arm the stage-end rule as applied needs to fail a change of twice the
 * tolerance with the configured power: one-sided significance after Holm (alpha / the metrics
 * tested), the estimate beyond the tolerance, at least the minimum samples.
 */
function adviseSampleSize(
  metric: Extract<MetricConfig, { kind: 'ratio' }>,
  pb: number,
  minSamples: number,
  ctx: JudgeContext,
): { neededPerArm: number; effect: string; achieved: (n: number) => number } {
  const sign = metric.direction === 'lower-is-better' ? 1 : -1;
  const change = ADVICE_EFFECT * metric.maxRelativeChange;
  const p0 = Math.min(0.999999, Math.max(1e-6, pb));
  const p1 = Math.min(0.999999, Math.max(1e-6, p0 * (1 + sign * change)));
  const tests =
    ctx.canary.multipleComparisons === 'holm' ? ctx.canary.metrics.filter((m) => m.kind !== 'threshold').length : 1;
  const rule = {
    p0,
    p1,
    direction: metric.direction,
    alpha: ctx.canary.alpha,
    tests,
    tolerance: metric.maxRelativeChange,
  };
  const effect = `a ${Math.round(change * 100)} % change (${pct(p0)} → ${pct(p1)}; the rule: p < alpha/${tests} (Holm) and beyond the ${Math.round(metric.maxRelativeChange * 100)} % tolerance)`;
  if (p0 === p1) return { neededPerArm: minSamples, effect, achieved: () => 0 };
  const { perArm } = computeRuleSampleSize({ ...rule, power: ctx.canary.power, minSamples });
  return { neededPerArm: perArm, effect, achieved: (n) => (n > 0 ? computeRulePower({ ...rule, n }) : 0) };
}

function describeDispersion(d: DispersionReading): string {
  if (d.note) return ` (${d.note})`;
  const phi = (d.estimate as number).toFixed(2);
  return d.factor > 1
    ? `, quasi-binomial: widened for overdispersion φ = ${phi} (${d.degreesOfFreedom} df)`
    : `, binomial (dispersion φ = ${phi} ≤ 1)`;
}

/** Counts are finite, ≥ 0 and exact: beyond 2^53 a double no longer counts requests one by one. */
function readCount(o: QueryOutcome): Scalar {
  const v = readScalar(o, 'non-negative');
  if (v.ok && v.value > Number.MAX_SAFE_INTEGER)
    return {
      ok: false,
      reason: 'impossible-value',
      detail: `impossible value ${v.value} (more than 2^53 requests is not a count)`,
    };
  return v;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  // Halves first: the sum of two values near Number.MAX_VALUE would overflow to Infinity.
  return s.length % 2 ? (s[mid] as number) : (s[mid - 1] as number) / 2 + (s[mid] as number) / 2;
}

function judgeDistribution(
  metric: Extract<MetricConfig, { kind: 'distribution' }>,
  c: Extract<Collected, { kind: 'distribution' }>,
  ctx: JudgeContext,
): MetricVerdict {
  const threshold =
    metric.maxRelativeShift !== undefined
      ? `shift ≤ ${Math.round(metric.maxRelativeShift * 100)} % in the bad direction`
      : 'no significant shift in the bad direction';
  const head = base(metric, threshold, c.queries);
  const empty = { value: null, n: null };
  const pb = readPoints(c.baseline);
  const pcn = readPoints(c.canary);
  for (const [arm, p] of [
    ['baseline', pb],
    ['canary', pcn],
  ] as const) {
    if (!p.ok)
      return {
        ...head,
        verdict: 'inconclusive',
        inconclusive: p.reason,
        reason: `${arm}: ${p.detail}`,
        baseline: empty,
        canary: empty,
        relativeChange: null,
      };
  }
  const xb = (pb as { values: number[] }).values;
  const xc = (pcn as { values: number[] }).values;
  const baseline = { value: xb.length ? median(xb) : null, n: xb.length };
  const canary = { value: xc.length ? median(xc) : null, n: xc.length };
  const minPoints = metric.minSamples ?? DEFAULT_DISTRIBUTION_MIN_POINTS;
  if (xb.length < minPoints || xc.length < minPoints) {
    return {
      ...head,
      verdict: 'inconclusive',
      inconclusive: xb.length === 0 || xc.length === 0 ? 'no-data' : 'too-few-samples',
      reason: `${Math.min(xb.length, xc.length)} intervals in the smaller arm, ${minPoints} needed`,
      baseline,
      canary,
      relativeChange: null,
    };
  }
  const alternative = metric.direction === 'lower-is-better' ? 'greater' : 'less';
  const inUnit = (v: number | null) => (v === null ? 'n/a' : formatInUnit(v, metricUnit(metric)));
  // Points of a stepped range query are time series: the test is widened for their autocorrelation.
  const mw = mannWhitneyAutocorrelated(xc, xb, { alternative });
  const hl = hodgesLehmann(xb, xc, { confidence: 1 - 2 * ctx.canary.alpha });
  const sign = metric.direction === 'lower-is-better' ? 1 : -1;
  const scale = Math.abs(baseline.value ?? 0);
  const relativeChange =
    scale === 0 ? (hl.estimate === 0 ? 0 : sign * Math.sign(hl.estimate) * Infinity) : (sign * hl.estimate) / scale;
  return {
    ...head,
    verdict: 'pass',
    reason: `median canary ${inUnit(canary.value)} vs baseline ${inUnit(baseline.value)}, shift ${inUnit(hl.estimate)}`,
    baseline,
    canary,
    relativeChange,
    test: `Mann–Whitney U (one-sided, widened for lag-1 autocorrelation ${mw.lag1.x.toFixed(2)} / ${mw.lag1.y.toFixed(2)}: ${mw.effectiveN.x.toFixed(0)} / ${mw.effectiveN.y.toFixed(0)} effective points) with Hodges–Lehmann shift`,
    statistic: mw.statistic,
    pValue: mw.pValue,
    interval: { lower: hl.lower, upper: hl.upper, of: 'shift', confidence: hl.confidence },
  };
}

function resolveLimit(limit: number | string | undefined, budget: PerfBudget | null): number | undefined {
  if (typeof limit === 'number' || limit === undefined) return limit;
  const value = budget ? (budget as Record<string, unknown>)[limit.slice('budget.'.length)] : undefined;
  return typeof value === 'number' ? value : undefined;
}

function judgeThreshold(
  metric: Extract<MetricConfig, { kind: 'threshold' }>,
  c: Extract<Collected, { kind: 'threshold' }>,
  ctx: JudgeContext,
): MetricVerdict {
  const max = resolveLimit(metric.max, ctx.budget);
  const min = metric.min;
  const unit = metricUnit(metric);
  const threshold = [
    max !== undefined ? `≤ ${formatInUnit(max, unit)}${typeof metric.max === 'string' ? ` (${metric.max})` : ''}` : '',
    min !== undefined ? `≥ ${formatInUnit(min, unit)}` : '',
  ]
    .filter(Boolean)
    .join(', ');
  const head = base(metric, threshold, c.queries);
  const empty = { value: null, n: null };
  let value: number;
  let baseline: { value: number | null; n: null } = empty;
  if (metric.source === 'verify') {
    if (ctx.accuracyDelta === undefined || ctx.accuracyDelta === null || Number.isNaN(ctx.accuracyDelta)) {
      return {
        ...head,
        verdict: 'inconclusive',
        inconclusive: 'no-data',
        reason: 'no accuracy score: the golden cases were not scored',
        baseline: empty,
        canary: empty,
        relativeChange: null,
      };
    }
    value = ctx.accuracyDelta;
  } else {
    // A latency or a rate is never negative; a limit below zero says this query may be (a delta).
    const domain = (min !== undefined && min < 0) || (max !== undefined && max < 0) ? 'finite' : 'non-negative';
    const canary = c.canary
      ? readScalar(c.canary, domain)
      : ({ ok: false, reason: 'no-data', detail: 'no query' } as const);
    if (!canary.ok)
      return {
        ...head,
        verdict: 'inconclusive',
        inconclusive: canary.reason,
        reason: `canary: ${canary.detail}`,
        baseline: empty,
        canary: empty,
        relativeChange: null,
      };
    value = canary.value;
    const b = c.baseline ? readScalar(c.baseline, domain) : null;
    if (b?.ok) baseline = { value: b.value, n: null };
  }
  const over = max !== undefined && value > max;
  const under = min !== undefined && value < min;
  const relativeChange = baseline.value ? (value - baseline.value) / Math.abs(baseline.value) : null;
  return {
    ...head,
    verdict: over || under ? 'fail' : 'pass',
    reason: over
      ? `canary ${formatInUnit(value, unit)} is above ${formatInUnit(max, unit)}`
      : under
        ? `canary ${formatInUnit(value, unit)} is below ${formatInUnit(min, unit)}`
        : `canary ${formatInUnit(value, unit)} within ${threshold}`,
    baseline,
    canary: { value, n: null },
    relativeChange,
    test: 'absolute threshold',
  };
}
