import type { MetricConfig } from '../config/schema.js';
import type { QueryOutcome } from '../metrics/types.js';
import { compareHistograms } from '../stats/index.js';
import type { Collected } from './collect.js';
import { describeError, describeImpossible } from './evidence.js';
import { base, type JudgeContext } from './judge.js';
import type { InconclusiveReason, MetricVerdict } from './types.js';
import { formatInUnit, metricUnit } from './units.js';

type DistributionMetric = Extract<MetricConfig, { kind: 'distribution' }>;

/** One arm's histogram over the window: bucket upper bounds and per-bucket (not cumulative) requests. */
export type Buckets =
  | { ok: true; bounds: number[]; counts: number[]; requests: number }
  | { ok: false; reason: InconclusiveReason; detail: string };

/**
 * Reads `sum by (le) (increase(x_bucket[window]))`: one series per `le`, cumulative counts. The
 * counts are rounded (increase() extrapolates) and made non-decreasing along `le` (each bucket is
 * extrapolated on its own, so a neighbour can come out a fraction higher), then differenced.
 */
export function readBuckets(o: QueryOutcome): Buckets {
  if (o.kind === 'empty') return { ok: false, reason: 'no-data', detail: 'the bucket query returned no series' };
  if (o.kind === 'nan') return { ok: false, reason: 'nan', detail: 'every bucket count was NaN' };
  if (o.kind !== 'ok') return { ok: false, reason: 'query-error', detail: describeError(o) };
  const rows: Array<{ le: number; count: number }> = [];
  for (const series of o.series) {
    const text = series.labels.le;
    const le = text === '+Inf' ? Infinity : Number(text);
    if (text === undefined || text === '' || Number.isNaN(le))
      return {
        ok: false,
        reason: 'query-error',
        detail: `a series without a numeric le label (${JSON.stringify(series.labels)}): group the bucket query by le`,
      };
    const value = series.values[series.values.length - 1]?.v;
    if (value === undefined || Number.isNaN(value)) continue;
    const impossible = describeImpossible(value, 'non-negative');
    if (impossible) return { ok: false, reason: 'impossible-value', detail: `bucket le="${text}": ${impossible}` };
    if (value > Number.MAX_SAFE_INTEGER)
      return {
        ok: false,
        reason: 'impossible-value',
        detail: `bucket le="${text}": impossible value ${value} (more than 2^53 requests is not a count)`,
      };
    if (rows.some((r) => r.le === le))
      return {
        ok: false,
        reason: 'query-error',
        detail: `two series for le="${text}": group the bucket query by le only`,
      };
    rows.push({ le, count: value });
  }
  if (rows.length === 0) return { ok: false, reason: 'nan', detail: 'every bucket count was NaN' };
  rows.sort((a, b) => a.le - b.le);
  let previous = 0;
  const counts = rows.map((r) => {
    const cumulative = Math.max(previous, Math.round(r.count));
    const inBucket = cumulative - previous;
    previous = cumulative;
    return inBucket;
  });
  return { ok: true, bounds: rows.map((r) => r.le), counts, requests: previous };
}

/** Aligns two arms on the union of their bucket bounds (a bound one arm lacks holds 0 of its requests). */
function align(
  b: { bounds: number[]; counts: number[] },
  c: { bounds: number[]; counts: number[] },
): { bounds: number[]; baseline: number[]; canary: number[] } {
  const bounds = [...new Set([...b.bounds, ...c.bounds])].sort((x, y) => x - y);
  const spread = (arm: { bounds: number[]; counts: number[] }) =>
    bounds.map((le) => arm.counts[arm.bounds.indexOf(le)] ?? 0);
  return { bounds, baseline: spread(b), canary: spread(c) };
}

const quantileName = (q: number) => `p${Number((q * 100).toFixed(2))}`;

/**
 * The histogram method: every request of the window counts once. The p-value is Mann–Whitney U on
 * the binned requests (each bucket one tie group); the change judged against `maxRelativeShift` is
 * the canary/baseline ratio of the configured quantile, reported with its interval.
 */
export function judgeHistogram(
  metric: DistributionMetric,
  c: Extract<Collected, { kind: 'histogram' }>,
  ctx: JudgeContext,
): MetricVerdict {
  const q = quantileName(metric.quantile);
  const threshold =
    metric.maxRelativeShift !== undefined
      ? `${q} ≤ ${Math.round(metric.maxRelativeShift * 100)} % worse than baseline`
      : 'no significant shift in the bad direction';
  const head = base(metric, threshold, c.queries);
  const empty = { value: null, n: null };
  const inconclusive = (
    reason: InconclusiveReason,
    detail: string,
    extra: Partial<MetricVerdict> = {},
  ): MetricVerdict => ({
    ...head,
    verdict: 'inconclusive',
    inconclusive: reason,
    reason: detail,
    baseline: empty,
    canary: empty,
    relativeChange: null,
    ...extra,
  });
  const hb = readBuckets(c.baseline);
  const hc = readBuckets(c.canary);
  if (!hb.ok) return inconclusive(hb.reason, `baseline: ${hb.detail}`);
  if (!hc.ok) return inconclusive(hc.reason, `canary: ${hc.detail}`);
  const minSamples = metric.minSamples ?? ctx.canary.minSamples;
  const counts = { baseline: { value: null, n: hb.requests }, canary: { value: null, n: hc.requests } };
  if (hb.requests === 0 || hc.requests === 0)
    return inconclusive(
      'no-data',
      `no requests on the ${hc.requests === 0 ? 'canary' : 'baseline'} arm in the window`,
      counts,
    );
  if (hb.requests < minSamples || hc.requests < minSamples) {
    return inconclusive(
      'too-few-samples',
      `${Math.min(hb.requests, hc.requests)} requests in the smaller arm, ${minSamples} needed`,
      counts,
    );
  }
  const h = align(hb, hc);
  const alternative = metric.direction === 'lower-is-better' ? 'greater' : 'less';
  const r = compareHistograms(
    h.bounds,
    { counts: h.canary },
    { counts: h.baseline },
    { alternative, quantile: metric.quantile, confidence: 1 - 2 * ctx.canary.alpha },
  );
  const baseline = { value: r.y.value * metric.scale, n: hb.requests };
  const canary = { value: r.x.value * metric.scale, n: hc.requests };
  if (!Number.isFinite(r.y.value)) {
    return inconclusive('impossible-value', `the baseline's ${q} lies in the +Inf bucket: add a larger finite bucket`, {
      baseline: { value: null, n: hb.requests },
      canary: { value: null, n: hc.requests },
    });
  }
  const relativeChange = metric.direction === 'lower-is-better' ? r.ratio - 1 : 1 - r.ratio;
  const f = (v: number) => (Number.isFinite(v) ? formatInUnit(v, metricUnit(metric)) : 'beyond the last finite bucket');
  return {
    ...head,
    verdict: 'pass',
    reason: `${q} canary ${f(canary.value)} vs baseline ${f(baseline.value)} over ${hc.requests} / ${hb.requests} requests, P(canary slower) ${r.probabilityXGreater.toFixed(3)}`,
    baseline,
    canary,
    relativeChange,
    test: `Mann–Whitney U on the binned requests (one-sided, ties by bucket) with the ${q} ratio`,
    statistic: r.statistic,
    pValue: r.pValue,
    interval: { lower: r.ratioInterval[0], upper: r.ratioInterval[1], of: 'ratio', confidence: r.confidence },
  };
}
