import { readScalar, type Scalar, type ValueDomain } from '../canary/evidence.js';
import type { CanaryConfig } from '../config/schema.js';
import { renderQuery } from '../metrics/promql.js';
import type { MetricsSource } from '../metrics/types.js';
import type { TriggerSpec } from './specs.js';
import type { RatioLook, RatioScalars } from './triggers.js';

/** What a look needs to query the metrics source; every query is evaluated at the same instant. */
export interface QueryContext {
  source: MetricsSource;
  canary: CanaryConfig;
  release: string;
  at: Date;
  timeoutMs?: number;
}

/** A template that cannot be rendered is reported as a query error of that look, never thrown. */
async function ask(
  q: QueryContext,
  template: string,
  variant: string,
  window: string,
  sent: string[],
  domain: ValueDomain,
): Promise<Scalar> {
  let query: string;
  try {
    query = renderQuery(template, { variant, window, release: q.release });
  } catch (error) {
    return { ok: false, reason: 'query-error', detail: (error as Error).message };
  }
  sent.push(query);
  const outcome = await q.source.instant(query, {
    time: q.at,
    maxSeries: 1,
    ...(q.timeoutMs ? { timeoutMs: q.timeoutMs } : {}),
  });
  return readScalar(outcome, domain);
}

async function askRatio(
  q: QueryContext,
  spec: Extract<TriggerSpec, { kind: 'ratio' }>,
  window: string,
  sent: string[],
): Promise<RatioScalars> {
  const { canary, baseline } = q.canary.arms;
  const [canaryEvents, canaryTotal, baselineEvents, baselineTotal] = await Promise.all([
    ask(q, spec.metric.events, canary, window, sent, 'non-negative'),
    ask(q, spec.metric.total, canary, window, sent, 'non-negative'),
    ask(q, spec.metric.events, baseline, window, sent, 'non-negative'),
    ask(q, spec.metric.total, baseline, window, sent, 'non-negative'),
  ]);
  return { canaryEvents, canaryTotal, baselineEvents, baselineTotal };
}

/**
 * A ratio trigger's look: the window's counts (point estimate) and, for relative triggers, the
 * counts since the previous look (`incrementWindow`, e.g. `60s`), all eight queries at once.
 */
export async function collectRatio(
  q: QueryContext,
  spec: Extract<TriggerSpec, { kind: 'ratio' }>,
  incrementWindow: string | null,
): Promise<RatioLook> {
  const sent: string[] = [];
  const [window, increment] = await Promise.all([
    askRatio(q, spec, spec.window, sent),
    incrementWindow ? askRatio(q, spec, incrementWindow, sent) : Promise.resolve(null),
  ]);
  return { window, increment, at: q.at.toISOString(), queries: sent };
}

/** A threshold trigger's look: the canary's value, and the baseline's when the limit is relative. */
export async function collectThreshold(
  q: QueryContext,
  spec: Extract<TriggerSpec, { kind: 'threshold' }>,
): Promise<{ canary: Scalar; baseline: Scalar | null; queries: string[] }> {
  const sent: string[] = [];
  const template = spec.metric.query as string;
  const relative = 'factor' in spec.limit;
  // A latency or a rate is never negative; an absolute limit below zero says this query may be.
  const domain: ValueDomain = 'absolute' in spec.limit && spec.limit.absolute < 0 ? 'finite' : 'non-negative';
  const [canary, baseline] = await Promise.all([
    ask(q, template, q.canary.arms.canary, spec.window, sent, domain),
    relative ? ask(q, template, q.canary.arms.baseline, spec.window, sent, domain) : Promise.resolve(null),
  ]);
  return { canary, baseline, queries: sent };
}
