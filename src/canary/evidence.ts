import type { QueryOutcome } from '../metrics/types.js';
import type { InconclusiveReason } from './types.js';

export type Scalar = { ok: true; value: number } | { ok: false; reason: InconclusiveReason; detail: string };
export type Points =
  { ok: true; values: number[]; dropped: number } | { ok: false; reason: InconclusiveReason; detail: string };

export function describeError(o: QueryOutcome): string {
  switch (o.kind) {
    case 'http-error':
      return `HTTP ${o.status} from ${o.url}`;
    case 'malformed':
      return `HTTP ${o.status} from ${o.url} with an unreadable body: ${o.problem}`;
    case 'timeout':
      return `timed out after ${o.timeoutMs} ms`;
    case 'unreachable':
      return `${o.url} unreachable (${o.code})`;
    case 'bad-query':
      return `bad query: ${o.error}`;
    case 'too-many-series':
      return `${o.count} series where one was expected`;
    case 'not-recorded':
      return o.message;
    default:
      return o.kind;
  }
}

/**
 * Which numbers a query can mean. `non-negative`: counts, rates, ratios and latencies (finite, ≥ 0).
 * `finite`: a value that may legitimately be negative (a delta), but never ±Inf.
 */
export type ValueDomain = 'non-negative' | 'finite';

const formatValue = (v: number): string => (v === Infinity ? '+Inf' : v === -Infinity ? '-Inf' : String(v));

/** Why `value` cannot be an answer in `domain`, or undefined when it can (NaN is reported apart). */
export function describeImpossible(value: number, domain: ValueDomain): string | undefined {
  if (Number.isNaN(value)) return undefined;
  if (value === Infinity)
    return `impossible value +Inf (a count, rate or latency is never infinite; histogram_quantile answers +Inf when the quantile lies in the +Inf bucket)`;
  if (value === -Infinity) return 'impossible value -Inf (never a measurement)';
  if (domain === 'non-negative' && value < 0)
    return `impossible value ${formatValue(value)} (a count, rate, ratio or latency is never negative: a counter reset or a subtraction in the query?)`;
  return undefined;
}

/** One number from an instant query, or the precise reason there is none. */
export function readScalar(o: QueryOutcome, domain: ValueDomain = 'finite'): Scalar {
  if (o.kind === 'empty') return { ok: false, reason: 'no-data', detail: 'the query returned no series' };
  if (o.kind === 'nan') return { ok: false, reason: 'nan', detail: 'the query returned NaN' };
  if (o.kind !== 'ok') return { ok: false, reason: 'query-error', detail: describeError(o) };
  if (o.series.length !== 1)
    return { ok: false, reason: 'query-error', detail: `${o.series.length} series where one was expected` };
  const samples = o.series[0]?.values ?? [];
  const value = samples[samples.length - 1]?.v;
  if (value === undefined) return { ok: false, reason: 'no-data', detail: 'the series has no sample' };
  if (Number.isNaN(value)) return { ok: false, reason: 'nan', detail: 'the query returned NaN' };
  const impossible = describeImpossible(value, domain);
  if (impossible) return { ok: false, reason: 'impossible-value', detail: impossible };
  return { ok: true, value };
}

/**
 * Per-interval values from a range query; NaN points are dropped and counted, never judged. An
 * impossible point (±Inf, or negative in a non-negative domain) makes the whole series unusable:
 * dropping it would hide exactly the interval where something went wrong.
 */
export function readPoints(o: QueryOutcome, domain: ValueDomain = 'non-negative'): Points {
  if (o.kind === 'empty') return { ok: false, reason: 'no-data', detail: 'the range query returned no series' };
  if (o.kind === 'nan') return { ok: false, reason: 'nan', detail: 'every value was NaN' };
  if (o.kind !== 'ok') return { ok: false, reason: 'query-error', detail: describeError(o) };
  if (o.series.length !== 1)
    return { ok: false, reason: 'query-error', detail: `${o.series.length} series where one was expected` };
  const all = o.series[0]?.values.map((s) => s.v) ?? [];
  for (const v of all) {
    const impossible = describeImpossible(v, domain);
    if (impossible) return { ok: false, reason: 'impossible-value', detail: impossible };
  }
  const values = all.filter((v) => Number.isFinite(v));
  if (all.length > 0 && values.length === 0) return { ok: false, reason: 'nan', detail: 'every value was NaN' };
  return { ok: true, values, dropped: all.length - values.length };
}
