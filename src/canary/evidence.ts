import type { QueryOutcome } from '../metrics/types.js';
import type { InconclusiveReason } from './types.js';

export type Scalar = { ok: true; value: number } | { ok: false; reason: InconclusiveReason; detail: string };
export type Points = { ok: true; values: number[]; dropped: number } | { ok: false; reason: InconclusiveReason; detail: string };

function describeError(o: QueryOutcome): string {
  switch (o.kind) {
    case 'http-error':
      return `HTTP ${o.status} from ${o.url}`;
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

/** One number from an instant query, or the precise reason there is none. */
export function readScalar(o: QueryOutcome): Scalar {
  if (o.kind === 'empty') return { ok: false, reason: 'no-data', detail: 'the query returned no series' };
  if (o.kind === 'nan') return { ok: false, reason: 'nan', detail: 'the query returned NaN' };
  if (o.kind !== 'ok') return { ok: false, reason: 'query-error', detail: describeError(o) };
  if (o.series.length !== 1) return { ok: false, reason: 'query-error', detail: `${o.series.length} series where one was expected` };
  const samples = o.series[0]?.values ?? [];
  const value = samples[samples.length - 1]?.v;
  if (value === undefined) return { ok: false, reason: 'no-data', detail: 'the series has no sample' };
  if (Number.isNaN(value)) return { ok: false, reason: 'nan', detail: 'the query returned NaN' };
  return { ok: true, value };
}

/** Per-interval values from a range query; NaN points are dropped and counted, never judged. */
export function readPoints(o: QueryOutcome): Points {
  if (o.kind === 'empty') return { ok: false, reason: 'no-data', detail: 'the range query returned no series' };
  if (o.kind === 'nan') return { ok: false, reason: 'nan', detail: 'every value was NaN' };
  if (o.kind !== 'ok') return { ok: false, reason: 'query-error', detail: describeError(o) };
  if (o.series.length !== 1) return { ok: false, reason: 'query-error', detail: `${o.series.length} series where one was expected` };
  const all = o.series[0]?.values.map((s) => s.v) ?? [];
  const values = all.filter((v) => Number.isFinite(v));
  if (all.length > 0 && values.length === 0) return { ok: false, reason: 'nan', detail: 'every value was NaN' };
  return { ok: true, values, dropped: all.length - values.length };
}
