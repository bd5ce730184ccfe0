import type { Scalar } from '../canary/evidence.js';
import {
  addInterval,
  computeDispersion,
  createSequentialTest,
  EMPTY_DISPERSION_SUMS,
  evaluateSequential,
  normalSf,
  type SequentialState,
} from '../stats/index.js';
import { formatInUnit, metricUnit } from '../canary/units.js';
import type { Limit, TriggerSpec } from './specs.js';
import type { ArmCounts, TriggerOutcome, TriggerProgress } from './types.js';

/**
 * Pure trigger evaluation: one look's numbers in, the outcome and the next progress out. No I/O, no
 * clock: `loop.ts` gathers the numbers, these functions decide. A missing number never fires and
 * never passes silently: it is `no-data` or `error`, and both count toward the source-error limit.
 */

/** The four counts of a ratio metric over one range, already read from their query outcomes. */
export interface RatioScalars {
  canaryEvents: Scalar;
  canaryTotal: Scalar;
  baselineEvents: Scalar;
  baselineTotal: Scalar;
}

export interface RatioLook {
  /** Counts over the trigger's window: the point estimate. */
  window: RatioScalars;
  /** Counts since the previous look (disjoint from it), or null when no time has passed. */
  increment: RatioScalars | null;
  /** The end of the increment's range (the look's instant), ISO. */
  at: string;
  queries?: string[];
}

export interface Evaluated {
  outcome: TriggerOutcome;
  progress: TriggerProgress;
}

/** A query that failed or answered an impossible number is a source error, not an absence of data. */
function isSourceError(reason: Extract<Scalar, { ok: false }>['reason']): boolean {
  return reason === 'query-error' || reason === 'impossible-value';
}

type Counts =
  { ok: true; canary: ArmCounts; baseline: ArmCounts } | { ok: false; status: 'no-data' | 'error'; detail: string };

/**
 * Reads four scalars as counts. An empty events query with a present total is 0 events (an error
 * series often does not exist until the first error); an empty or NaN total, or NaN events, is no data.
 */
export function readCounts(s: RatioScalars): Counts {
  const named: Array<[string, Scalar]> = [
    ['canary events', s.canaryEvents],
    ['canary total', s.canaryTotal],
    ['baseline events', s.baselineEvents],
    ['baseline total', s.baselineTotal],
  ];
  for (const [name, v] of named)
    if (!v.ok && isSourceError(v.reason)) return { ok: false, status: 'error', detail: `${name}: ${v.detail}` };
  // Only an events query without any series is 0 events; a NaN count is no evidence of none.
  for (const [name, v] of named)
    if (!v.ok && (name.endsWith('total') || v.reason !== 'no-data'))
      return { ok: false, status: 'no-data', detail: `${name}: ${v.detail}` };
  const num = (v: Scalar) => (v.ok ? v.value : 0);
  return {
    ok: true,
    canary: { events: num(s.canaryEvents), total: num(s.canaryTotal) },
    baseline: { events: num(s.baselineEvents), total: num(s.baselineTotal) },
  };
}

/** An increment as whole, non-negative counts with events ≤ total (increase() extrapolates; counters reset). */
export function clampIncrement(arm: ArmCounts): ArmCounts {
  const total = Math.max(0, Math.round(arm.total));
  return { total, events: Math.min(total, Math.max(0, Math.round(arm.events))) };
}

/** Adds a clamped increment: the cumulative counts never decrease. */
export function accumulate(
  cumulative: { canary: ArmCounts; baseline: ArmCounts } | undefined,
  inc: { canary: ArmCounts; baseline: ArmCounts },
): { canary: ArmCounts; baseline: ArmCounts } {
  const add = (a: ArmCounts | undefined, b: ArmCounts): ArmCounts => {
    const c = clampIncrement(b);
    return { events: (a?.events ?? 0) + c.events, total: (a?.total ?? 0) + c.total };
  };
  return { canary: add(cumulative?.canary, inc.canary), baseline: add(cumulative?.baseline, inc.baseline) };
}

/**
 * The smallest harmful difference the sequential test is for, beyond the limit k × baseline: the
 * tolerated margin itself, baseline × |k − 1| (a canary as far beyond the limit as the limit is
 * from the baseline: 2 × baseline for `above baseline × 1.5`), never below 0.0001. The test's
 * mixture is focused on it with the plan's `canary.power` (see `createSequentialTest`'s `effect`).
 * Any value keeps the error guarantee.
 */
export function chooseMixingSd(baselineRate: number, factor: number): number {
  return Math.max(1e-4, Math.abs(baselineRate * (factor - 1)));
}

/**
 * One look of the sequential test of H0 "canary ≤ k × baseline" (≥ for `below`) on cumulative
 * counts: the canary arm as {n, p, φ·p(1−p)}, the baseline arm scaled to {n, k·p, k²·φ·p(1−p)}.
 * φ is the quasi-binomial overdispersion of the increments so far (1: binomial, the test unchanged).
 */
export function lookSequential(
  state: SequentialState,
  cumulative: { canary: ArmCounts; baseline: ArmCounts },
  factor: number,
  dispersion = 1,
): ReturnType<typeof evaluateSequential> {
  const { canary: c, baseline: b } = cumulative;
  const pc = c.total > 0 ? c.events / c.total : 0;
  const pb = b.total > 0 ? b.events / b.total : 0;
  return evaluateSequential(state, {
    canary: { count: c.total, mean: pc, variance: dispersion * pc * (1 - pc) },
    baseline: { count: b.total, mean: factor * pb, variance: dispersion * factor * factor * pb * (1 - pb) },
  });
}

/** Adds one look's increment to the running dispersion sums of both arms. */
export function accumulateDispersion(
  sums: TriggerProgress['dispersion'],
  inc: { canary: ArmCounts; baseline: ArmCounts },
): NonNullable<TriggerProgress['dispersion']> {
  return {
    canary: addInterval(sums?.canary ?? EMPTY_DISPERSION_SUMS, clampIncrement(inc.canary)),
    baseline: addInterval(sums?.baseline ?? EMPTY_DISPERSION_SUMS, clampIncrement(inc.baseline)),
  };
}

/**
 * φ of the baseline's increments so far (1 until it can be estimated, never below 1). The canary's
 * are summed too but not pooled in: a regression starting mid-watch makes them vary more than
 * binomial, and widening the test by that would slow the very detection it is for.
 */
export function readWatchDispersion(progress: TriggerProgress): number {
  return progress.dispersion ? computeDispersion([progress.dispersion.baseline]).factor : 1;
}

function breaches(value: number, limit: number, comparison: 'above' | 'below'): boolean {
  return comparison === 'above' ? value > limit : value < limit;
}

function countErrors(progress: TriggerProgress, status: TriggerOutcome['status']): number {
  return status === 'error' || status === 'no-data' ? progress.consecutiveErrors + 1 : 0;
}

/** A ratio trigger (error rate, completion rate), relative ("baseline * k") or absolute. */
/**
 * Two ways to be sure, each given half of alpha so together they stay within it:
 * - the always-valid sequential test on everything seen since the watch began (subtle regressions);
 * - a one-sided test of the trigger's own window against k × baseline at alpha / 2 / WINDOW_LOOK_BUDGET,
 *   a Bonferroni share for every look a watch could make (100,000 one-minute looks ≈ 69 days), so a
 *   regression that starts late is caught as soon as its window shows it, without clean history
 *   diluting it and without repeated looks inflating false rollbacks.
 */
export const WINDOW_LOOK_BUDGET = 100_000;

/** One-sided Wald test of canary rate vs k × baseline rate in the window; p-value. */
export function testWindow(
  win: { canary: { events: number; total: number }; baseline: { events: number; total: number } },
  k: number,
  comparison: 'above' | 'below',
  dispersion = 1,
): number {
  const pc = win.canary.events / win.canary.total;
  const pb = win.baseline.events / win.baseline.total;
  // Floor the variance at one event per arm so a clean baseline (0 events) still has a finite scale.
  const vc = (dispersion * Math.max(pc * (1 - pc), 1 / win.canary.total)) / win.canary.total;
  const vb = (dispersion * k * k * Math.max(pb * (1 - pb), 1 / win.baseline.total)) / win.baseline.total;
  const z = (pc - k * pb) / Math.sqrt(vc + vb);
  return normalSf(comparison === 'above' ? z : -z);
}

export function evaluateRatioTrigger(
  spec: Extract<TriggerSpec, { kind: 'ratio' }>,
  progress: TriggerProgress,
  look: RatioLook,
  opts: { alpha: number; overdispersion?: 'estimate' | 'off'; power?: number },
): Evaluated {
  let next: TriggerProgress = { ...progress };
  const relative = 'factor' in spec.limit ? spec.limit.factor : null;
  const head = {
    id: spec.id,
    action: spec.action,
    kind: 'ratio' as const,
    comparison: spec.comparison,
    window: spec.window,
    ...(look.queries ? { queries: look.queries } : {}),
  };
  // Evidence first: the increment is committed even when the window has no data, so none is lost.
  let seq: ReturnType<typeof lookSequential> | null = null;
  if (relative !== null && look.increment) {
    const inc = readCounts(look.increment);
    if (!inc.ok && inc.status === 'error')
      return finish(next, { ...head, status: 'error', detail: inc.detail, value: null, baseline: null, limit: null });
    // No total yet: keep `coveredUntil`, so the next look's increment covers this one's range too.
    if (inc.ok)
      next = {
        ...next,
        cumulative: accumulate(next.cumulative, inc),
        dispersion: accumulateDispersion(next.dispersion, inc),
        coveredUntil: look.at,
      };
  }
  const win = readCounts(look.window);
  const dispersion = opts.overdispersion === 'off' ? 1 : readWatchDispersion(next);
  if (relative !== null && next.cumulative) {
    if (!next.sequential && win.ok && win.baseline.total >= 0.5) {
      // The rate is capped at 1: extrapolated counts can show more events than requests.
      const baselineRate = Math.min(1, win.baseline.events / win.baseline.total);
      next.sequential = createSequentialTest({
        kind: 'means',
        alpha: opts.alpha / 2,
        effect: chooseMixingSd(baselineRate, relative),
        power: opts.power ?? 0.9,
        alternative: spec.comparison === 'above' ? 'greater' : 'less',
      });
    }
    if (next.sequential) {
      seq = lookSequential(next.sequential, next.cumulative, relative, dispersion);
      next.sequential = seq.state;
    }
  }
  const seqFields = seq
    ? {
        pValue: seq.pValue,
        significant: seq.decision === 'reject',
        samples: { canary: next.cumulative?.canary.total ?? 0, baseline: next.cumulative?.baseline.total ?? 0 },
      }
    : {};
  if (!win.ok)
    return finish(next, {
      ...head,
      ...seqFields,
      status: win.status,
      detail: win.detail,
      value: null,
      baseline: null,
      limit: null,
    });
  // increase() extrapolates, so a window without traffic can answer 1e-300 requests: under half a
  // request is no traffic, as in the canary analysis (which rounds counts).
  if (win.canary.total < 0.5 || win.baseline.total < 0.5) {
    const arm = win.canary.total < 0.5 ? 'canary' : 'baseline';
    return finish(next, {
      ...head,
      ...seqFields,
      status: 'no-data',
      detail: `no traffic on the ${arm} arm in the last ${spec.window}`,
      value: null,
      baseline: null,
      limit: null,
    });
  }
  const over = (['canary', 'baseline'] as const).find(
    (arm) => Math.round(win[arm].events) > Math.round(win[arm].total),
  );
  if (over) {
    // A rate above 100 % is impossible: judging it would fire (or pass) on a broken query.
    const detail = `the events query counts more than the total query on the ${over} arm (${win[over].events} of ${win[over].total}): check the metric definition`;
    return finish(next, { ...head, ...seqFields, status: 'error', detail, value: null, baseline: null, limit: null });
  }
  const value = win.canary.events / win.canary.total;
  const baseline = win.baseline.events / win.baseline.total;
  const limit = relative !== null ? relative * baseline : (spec.limit as { absolute: number }).absolute;
  const breach = breaches(value, limit, spec.comparison);
  const windowP = relative !== null ? testWindow(win, relative, spec.comparison, dispersion) : null;
  const windowSignificant = windowP !== null && windowP < opts.alpha / 2 / WINDOW_LOOK_BUDGET;
  const significant = relative === null || seq?.decision === 'reject' || windowSignificant;
  const fired = breach && significant;
  const word = spec.comparison === 'above' ? 'above' : 'below';
  const fmt = (x: number) => formatInUnit(x, metricUnit(spec.metric));
  const detail = fired
    ? `canary ${fmt(value)} is ${word} the limit ${fmt(limit)} over ${spec.window}${relative !== null ? ` (baseline ${fmt(baseline)} × ${relative}; sequential p = ${(seq?.pValue ?? 1).toPrecision(2)}, window p = ${(windowP ?? 1).toPrecision(2)}${dispersion > 1 ? `, overdispersion φ = ${dispersion.toFixed(2)}` : ''})` : ''}`
    : breach
      ? `canary ${fmt(value)} is ${word} ${fmt(limit)} over ${spec.window}, not yet significant (sequential p = ${(seq?.pValue ?? 1).toPrecision(2)}, window p = ${(windowP ?? 1).toPrecision(2)})`
      : `canary ${fmt(value)} within the limit ${fmt(limit)} over ${spec.window}`;
  return finish(next, {
    ...head,
    ...seqFields,
    status: fired ? 'fired' : 'ok',
    detail,
    value,
    baseline: relative !== null ? baseline : null,
    limit,
  });
}

/** A threshold query on the canary arm (p95 latency), against a number or k × the baseline arm's value. */
export function evaluateThresholdTrigger(
  spec: Extract<TriggerSpec, { kind: 'threshold' }>,
  progress: TriggerProgress,
  look: { canary: Scalar; baseline: Scalar | null; queries?: string[] },
): Evaluated {
  const head = {
    id: spec.id,
    action: spec.action,
    kind: 'threshold' as const,
    comparison: spec.comparison,
    window: spec.window,
    ...(look.queries ? { queries: look.queries } : {}),
  };
  const missing = [
    ['canary', look.canary] as const,
    ...(look.baseline ? [['baseline', look.baseline] as const] : []),
  ].find(([, s]) => !s.ok);
  if (missing) {
    const s = missing[1] as Extract<Scalar, { ok: false }>;
    return finish(progress, {
      ...head,
      status: isSourceError(s.reason) ? 'error' : 'no-data',
      detail: `${missing[0]}: ${s.detail}`,
      value: null,
      baseline: null,
      limit: null,
    });
  }
  const value = (look.canary as { value: number }).value;
  const baseline = look.baseline ? (look.baseline as { value: number }).value : null;
  return judgeValue(spec, progress, head, value, baseline, spec.limit);
}

/** The golden-case accuracy delta (v1.1 − v1.0): deterministic, no window. */
export function evaluateAccuracyTrigger(
  spec: Extract<TriggerSpec, { kind: 'accuracy' }>,
  progress: TriggerProgress,
  delta: number | null,
): Evaluated {
  const head = { id: spec.id, action: spec.action, kind: 'accuracy' as const, comparison: spec.comparison };
  if (delta === null || !Number.isFinite(delta))
    return finish(progress, {
      ...head,
      status: 'no-data',
      detail: 'the golden-case accuracy delta could not be computed',
      value: null,
      baseline: null,
      limit: spec.limit,
    });
  return judgeValue(spec, progress, head, delta, null, { absolute: spec.limit });
}

function judgeValue(
  spec: { comparison: 'above' | 'below'; metric: Parameters<typeof metricUnit>[0] },
  progress: TriggerProgress,
  head: Omit<TriggerOutcome, 'status' | 'detail' | 'value' | 'baseline' | 'limit' | 'consecutiveErrors'>,
  value: number,
  baseline: number | null,
  limit: Limit,
): Evaluated {
  const unit = metricUnit(spec.metric);
  if ('factor' in limit && baseline === null)
    return finish(progress, {
      ...head,
      status: 'no-data',
      detail: 'no baseline value',
      value,
      baseline: null,
      limit: null,
    });
  const bound = 'factor' in limit ? limit.factor * (baseline as number) : limit.absolute;
  const fired = breaches(value, bound, spec.comparison);
  const fmt = (x: number) => formatInUnit(x, unit);
  const detail = `canary ${fmt(value)} ${fired ? 'is' : 'is not'} ${spec.comparison} ${fmt(bound)}${'factor' in limit ? ` (baseline ${fmt(baseline as number)} × ${limit.factor})` : ''}${head.window ? ` over ${head.window}` : ''}`;
  return finish(progress, { ...head, status: fired ? 'fired' : 'ok', detail, value, baseline, limit: bound });
}

/** A health check: fires after `consecutiveFailures` failed checks; inconclusive (no URL) is an error. */
export function evaluateHealthTrigger(
  spec: Extract<TriggerSpec, { kind: 'health' }>,
  progress: TriggerProgress,
  check: { verdict: 'pass' | 'fail' | 'inconclusive'; summary: string },
): Evaluated {
  const head = {
    id: spec.id,
    action: spec.action,
    kind: 'health' as const,
    comparison: 'failing' as const,
    value: null,
    baseline: null,
    limit: spec.consecutiveFailures,
  };
  if (check.verdict === 'inconclusive') {
    return finish(progress, {
      ...head,
      status: 'error',
      detail: `health check ${spec.gate.id} could not decide: ${check.summary}`,
      consecutiveFailures: progress.consecutiveFailures,
    });
  }
  const failures = check.verdict === 'fail' ? progress.consecutiveFailures + 1 : 0;
  const fired = failures >= spec.consecutiveFailures;
  const detail =
    check.verdict === 'pass'
      ? `health check ${spec.gate.id} passed`
      : `health check ${spec.gate.id} failed ${failures} time(s) in a row (${spec.consecutiveFailures} fire): ${check.summary}`;
  return finish(
    { ...progress, consecutiveFailures: failures },
    { ...head, status: fired ? 'fired' : 'ok', detail, consecutiveFailures: failures },
  );
}

function finish(progress: TriggerProgress, outcome: Omit<TriggerOutcome, 'consecutiveErrors'>): Evaluated {
  const consecutiveErrors = countErrors(progress, outcome.status);
  return { outcome: { ...outcome, consecutiveErrors }, progress: { ...progress, consecutiveErrors } };
}
