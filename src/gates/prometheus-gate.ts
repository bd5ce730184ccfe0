import type { GateConfig } from '../config/schema.js';
import { renderQuery } from '../metrics/promql.js';
import type { QueryOutcome } from '../metrics/types.js';
import { formatNumber, isSatisfied, parseComparison } from './compare.js';
import type { GateContext, GateOutcome } from './types.js';

type PrometheusGate = Extract<GateConfig, { kind: 'prometheus' }>;

/**
 * PromQL + comparison. Every way of not getting exactly the numbers asked for (no URL, empty, NaN,
 * too many series, HTTP error, timeout, unreachable) is its own inconclusive outcome; a query that
 * Prometheus rejects is a failure, because waiting will not fix it.
 */
export async function judgePrometheusGate(gate: PrometheusGate, ctx: GateContext): Promise<GateOutcome> {
  const expected = gate.expect.trim();
  const comparison = parseComparison(gate.expect);
  let query: string;
  try {
    query = renderQuery(gate.query, { release: ctx.release, ...(gate.window ? { window: gate.window } : {}) });
  } catch (error) {
    return {
      verdict: 'fail',
      reason: 'config',
      summary: `query template: ${(error as Error).message}`,
      evidence: { source: gate.query, expected },
    };
  }
  if (!comparison)
    return {
      verdict: 'fail',
      reason: 'config',
      summary: `"${gate.expect}" is not a comparison`,
      evidence: { source: query, expected },
    };
  const opened = ctx.metrics
    ? await ctx.metrics.get()
    : { problem: 'no metrics source configured', hint: 'set ROLLOUT_PROMETHEUS_URL to your Prometheus' };
  if ('problem' in opened) {
    return {
      verdict: 'inconclusive',
      reason: 'no-url',
      summary: opened.problem,
      hint: opened.hint,
      evidence: { source: query, expected },
    };
  }
  const timeoutMs = ctx.metrics?.timeoutMs;
  const outcome = await opened.source.instant(query, {
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    ...(gate.expectSeries === 'one' ? { maxSeries: 1 } : {}),
  });
  return judgeOutcome(outcome, comparison, gate, query);
}

function judgeOutcome(
  outcome: QueryOutcome,
  comparison: NonNullable<ReturnType<typeof parseComparison>>,
  gate: PrometheusGate,
  query: string,
): GateOutcome {
  const expected = comparison.text;
  const base = { source: query, expected };
  const details = {
    url: outcome.url,
    attempts: outcome.attempts,
    queryMs: outcome.durationMs,
    outcome: outcome.kind,
    ...(gate.window ? { window: gate.window } : {}),
  };
  const inconclusive = (reason: GateOutcome['reason'], summary: string, hint?: string): GateOutcome => ({
    verdict: 'inconclusive',
    reason,
    summary,
    ...(hint ? { hint } : {}),
    evidence: { ...base, details },
  });
  switch (outcome.kind) {
    case 'empty':
      return inconclusive(
        'empty',
        'no data: the query matched no series',
        'check the metric names and labels, and that the exporter is scraped',
      );
    case 'nan':
      return inconclusive('nan', 'the query returned NaN (typically 0/0: no traffic in the window)');
    case 'too-many-series':
      return inconclusive(
        'too-many-series',
        `expected one series, got ${outcome.count}`,
        'aggregate the query (sum, max) or set expectSeries: any',
      );
    case 'http-error':
      return inconclusive(
        'http-error',
        `Prometheus answered HTTP ${outcome.status}`,
        'check the Prometheus URL and credentials',
      );
    case 'malformed':
      return inconclusive(
        'malformed',
        `Prometheus answered HTTP ${outcome.status} with an unreadable body: ${outcome.problem}`,
        'check that the URL points at Prometheus itself, not at a login page or a proxy',
      );
    case 'timeout':
      return inconclusive(
        'timeout',
        `no answer within ${formatMs(outcome.timeoutMs || outcome.durationMs)} (${outcome.source} timeout, ${outcome.attempts} attempt(s))`,
      );
    case 'unreachable':
      return inconclusive(
        'unreachable',
        `Prometheus unreachable at ${outcome.url} (${outcome.code})`,
        'check that Prometheus is up and the URL is right',
      );
    case 'not-recorded':
      return inconclusive('not-recorded', outcome.message);
    case 'bad-query':
      return {
        verdict: 'fail',
        reason: 'bad-query',
        summary: `Prometheus rejected the query: ${outcome.error}`,
        evidence: { ...base, details },
      };
    case 'ok':
      return judgeValues(outcome, comparison, base, details);
  }
}

function judgeValues(
  outcome: Extract<QueryOutcome, { kind: 'ok' }>,
  comparison: NonNullable<ReturnType<typeof parseComparison>>,
  base: { source: string; expected: string },
  details: Record<string, unknown>,
): GateOutcome {
  // An instant vector has one sample per series; take the latest should a matrix come back.
  const values = outcome.series.map((s) => ({ labels: s.labels, v: s.values[s.values.length - 1]?.v ?? Number.NaN }));
  const missing = values.filter((x) => Number.isNaN(x.v));
  const observed = values.length === 1 ? values[0]?.v : values.map((x) => x.v);
  const evidence = {
    ...base,
    observed,
    details: { ...details, series: values.map((x) => ({ labels: x.labels, value: x.v })) },
  };
  if (missing.length > 0) {
    return {
      verdict: 'inconclusive',
      reason: 'nan',
      summary: `${missing.length} of ${values.length} series are NaN`,
      evidence,
    };
  }
  const impossible = values.filter((x) => !isPossible(x.v, comparison));
  if (impossible.length > 0) {
    const shownValues = impossible
      .map((x) => formatNumber(x.v))
      .slice(0, 3)
      .join(', ');
    const why = impossible.some((x) => !Number.isFinite(x.v))
      ? 'an infinite value is never a measurement'
      : 'a rate, count, ratio or latency is never negative';
    return {
      verdict: 'inconclusive',
      reason: 'impossible-value',
      summary: `impossible value ${shownValues}${values.length > 1 ? ` (${impossible.length} of ${values.length} series)` : ''}: ${why}`,
      hint: 'check the query (a counter reset, a division by zero, a subtraction); write a negative threshold in expect if the value can be negative',
      evidence,
    };
  }
  const failing = values.filter((x) => !isSatisfied(x.v, comparison));
  const shown = values.length === 1 ? formatNumber(values[0]?.v ?? Number.NaN) : `${values.length} series`;
  if (failing.length === 0) return { verdict: 'pass', reason: 'ok', summary: `${shown} ${comparison.text}`, evidence };
  const worst = failing
    .map((x) => formatNumber(x.v))
    .slice(0, 3)
    .join(', ');
  return {
    verdict: 'fail',
    reason: 'threshold',
    summary: `${values.length === 1 ? worst : `${failing.length} of ${values.length} series (${worst})`} is not ${comparison.text}`,
    evidence,
  };
}

/**
 * Values a gate refuses to judge. ±Inf is never a measurement (a division by zero, an overflowing
 * sum). A negative value is accepted only when the comparison itself names a negative number
 * (`> -0.05`): otherwise the query is a count, a rate, a ratio or a latency, and a negative
 * one (a counter reset, a subtraction gone wrong) would pass `< 0.01` on data that cannot be.
 */
export function isPossible(value: number, comparison: { value: number }): boolean {
  if (!Number.isFinite(value)) return false;
  return value >= 0 || comparison.value < 0;
}

function formatMs(ms: number): string {
  return ms >= 1000 ? `${formatNumber(ms / 1000)}s` : `${Math.round(ms)}ms`;
}
