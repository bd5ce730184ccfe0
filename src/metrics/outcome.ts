import { excerptBody } from './redact.js';
import type { OutcomeBase, QueryOutcome, Series } from './types.js';

/** What an answered query returned, before classification. */
export interface AnsweredResult {
  resultType: string;
  series: Series[];
}

/** Why an attempt produced no result, in transport-neutral terms. */
export type AttemptFailure =
  | { type: 'deadline'; timeoutMs: number }
  | { type: 'network'; code: string; message: string }
  | { type: 'http'; status: number; body: unknown }
  | { type: 'malformed'; status: number; problem: string };

/** Parses a Prometheus sample value; Prometheus spells infinities `+Inf`/`-Inf`, which parseFloat does not know. */
export function parseSampleValue(raw: unknown): number {
  if (typeof raw === 'number') return raw;
  if (raw === '+Inf' || raw === 'Inf') return Number.POSITIVE_INFINITY;
  if (raw === '-Inf') return Number.NEGATIVE_INFINITY;
  if (typeof raw !== 'string') return Number.NaN;
  return raw === 'NaN' ? Number.NaN : Number(raw);
}

/** Turns a successful answer into `ok`, `empty`, `nan`, `too-many-series` or (for strings) `bad-query`. */
export function classifyAnswer(result: AnsweredResult, base: OutcomeBase, maxSeries?: number): QueryOutcome {
  const { resultType, series } = result;
  if (resultType !== 'vector' && resultType !== 'matrix' && resultType !== 'scalar') {
    return {
      ...base,
      kind: 'bad-query',
      status: 200,
      errorType: 'unsupported_result',
      error: `query returns a ${resultType}, expected a number`,
    };
  }
  if (series.length === 0) return { ...base, kind: 'empty' };
  if (maxSeries !== undefined && series.length > maxSeries) {
    return { ...base, kind: 'too-many-series', expected: maxSeries, count: series.length, series };
  }
  const values = series.flatMap((s) => s.values);
  if (values.length > 0 && values.every((sample) => Number.isNaN(sample.v))) {
    return { ...base, kind: 'nan', series };
  }
  return { ...base, kind: 'ok', resultType, series };
}

/** Turns a failed attempt into `timeout`, `unreachable`, `bad-query`, `malformed` or `http-error`. */
export function classifyFailure(failure: AttemptFailure, base: OutcomeBase, secrets: readonly string[]): QueryOutcome {
  if (failure.type === 'deadline') {
    return { ...base, kind: 'timeout', timeoutMs: failure.timeoutMs, source: 'client' };
  }
  if (failure.type === 'network') {
    return { ...base, kind: 'unreachable', code: failure.code, message: excerptBody(failure.message, secrets, 200) };
  }
  if (failure.type === 'malformed') {
    return { ...base, kind: 'malformed', status: failure.status, problem: excerptBody(failure.problem, secrets, 200) };
  }
  const envelope = readEnvelope(failure.body);
  if (envelope && (failure.status === 400 || failure.status === 422)) {
    return {
      ...base,
      kind: 'bad-query',
      status: failure.status,
      errorType: envelope.errorType,
      error: excerptBody(envelope.error, secrets),
    };
  }
  if (envelope && failure.status === 503 && envelope.errorType === 'timeout') {
    return { ...base, kind: 'timeout', timeoutMs: 0, source: 'server' };
  }
  return { ...base, kind: 'http-error', status: failure.status, bodyExcerpt: excerptBody(failure.body, secrets) };
}

/** Transient outcomes are worth another attempt: network failures, timeouts and 5xx, never 4xx. */
export function isTransient(outcome: QueryOutcome): boolean {
  switch (outcome.kind) {
    case 'unreachable':
    case 'timeout':
      return true;
    case 'http-error':
      return outcome.status >= 500;
    default:
      return false;
  }
}

function readEnvelope(body: unknown): { errorType: string; error: string } | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const record = body as Record<string, unknown>;
  if (record.status !== 'error' || typeof record.errorType !== 'string') return undefined;
  return { errorType: record.errorType, error: typeof record.error === 'string' ? record.error : '' };
}
