import type { CanaryConfig, MetricConfig } from '../config/schema.js';
import { renderQuery } from '../metrics/promql.js';
import type { MetricsSource, QueryOutcome } from '../metrics/types.js';

/** The raw evidence for one metric, both arms, gathered concurrently. */
export type Collected =
  | {
      kind: 'ratio';
      baseline: { events: QueryOutcome; total: QueryOutcome };
      canary: { events: QueryOutcome; total: QueryOutcome };
      queries: string[];
      /** The same counts per dispersion interval over the window (range queries), for the overdispersion estimate. */
      intervals?: {
        baseline: { events: QueryOutcome; total: QueryOutcome };
        canary: { events: QueryOutcome; total: QueryOutcome };
      };
    }
  | { kind: 'distribution'; baseline: QueryOutcome; canary: QueryOutcome; queries: string[] }
  | { kind: 'histogram'; baseline: QueryOutcome; canary: QueryOutcome; queries: string[] }
  | { kind: 'threshold'; baseline: QueryOutcome | null; canary: QueryOutcome | null; queries: string[] };

/** More `le` series than any real histogram has (Prometheus clients default to 11–20 buckets). */
export const MAX_BUCKETS = 500;

export interface CollectOptions {
  source: MetricsSource;
  canary: CanaryConfig;
  /** The window both arms are judged over, e.g. `30m` (the same for both arms). */
  window: string;
  now: Date;
  release: string;
  timeoutMs?: number;
}

function render(template: string, variant: string, opts: CollectOptions): string {
  return renderQuery(template, { variant, window: opts.window, release: opts.release });
}

/** Every query of every metric is started at once: an analysis costs about one query's latency. */
export async function collectMetric(metric: MetricConfig, opts: CollectOptions): Promise<Collected> {
  const arms = { baseline: opts.canary.arms.baseline, canary: opts.canary.arms.canary };
  const instant = (q: string) =>
    opts.source.instant(q, { time: opts.now, maxSeries: 1, ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}) });
  if (metric.kind === 'ratio') {
    const q = {
      be: render(metric.events, arms.baseline, opts),
      bt: render(metric.total, arms.baseline, opts),
      ce: render(metric.events, arms.canary, opts),
      ct: render(metric.total, arms.canary, opts),
    };
    const intervalsWanted = opts.canary.overdispersion !== 'off';
    const [be, bt, ce, ct, intervals] = await Promise.all([
      instant(q.be),
      instant(q.bt),
      instant(q.ce),
      instant(q.ct),
      intervalsWanted ? collectIntervals(metric, opts) : undefined,
    ]);
    return {
      kind: 'ratio',
      baseline: { events: be, total: bt },
      canary: { events: ce, total: ct },
      queries: [q.be, q.bt, q.ce, q.ct],
      ...(intervals ? { intervals } : {}),
    };
  }
  if (metric.kind === 'distribution' && metric.method === 'histogram') {
    const qb = render(metric.query, arms.baseline, opts);
    const qc = render(metric.query, arms.canary, opts);
    const buckets = (q: string) =>
      opts.source.instant(q, {
        time: opts.now,
        maxSeries: MAX_BUCKETS,
        ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
      });
    const [baseline, canary] = await Promise.all([buckets(qb), buckets(qc)]);
    return { kind: 'histogram', baseline, canary, queries: [qb, qc] };
  }
  if (metric.kind === 'distribution') {
    const { parseDuration } = await import('../config/duration.js');
    const windowMs = parseDuration(opts.window) ?? 1_800_000;
    const stepSeconds = Math.max(1, (parseDuration(metric.step) ?? 60_000) / 1000);
    const range = {
      start: new Date(opts.now.getTime() - windowMs),
      end: opts.now,
      stepSeconds,
      ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
    };
    const qb = render(metric.query, arms.baseline, opts);
    const qc = render(metric.query, arms.canary, opts);
    const [baseline, canary] = await Promise.all([opts.source.range(qb, range), opts.source.range(qc, range)]);
    return { kind: 'distribution', baseline, canary, queries: [qb, qc] };
  }
  if (metric.source === 'verify' || !metric.query)
    return { kind: 'threshold', baseline: null, canary: null, queries: [] };
  const qb = render(metric.query, arms.baseline, opts);
  const qc = render(metric.query, arms.canary, opts);
  const [baseline, canary] = await Promise.all([instant(qb), instant(qc)]);
  return { kind: 'threshold', baseline, canary, queries: [qb, qc] };
}

/**
 * The ratio metric's counts per `dispersionInterval` over the window: each template rendered with
 * the interval as its window, as a range query stepped by the interval, so the points do not overlap.
 */
async function collectIntervals(
  metric: Extract<MetricConfig, { kind: 'ratio' }>,
  opts: CollectOptions,
): Promise<NonNullable<Extract<Collected, { kind: 'ratio' }>['intervals']>> {
  const { parseDuration } = await import('../config/duration.js');
  const windowMs = parseDuration(opts.window) ?? 1_800_000;
  const stepMs = Math.min(windowMs, parseDuration(opts.canary.dispersionInterval) ?? 60_000);
  const range = {
    start: new Date(opts.now.getTime() - windowMs + stepMs),
    end: opts.now,
    stepSeconds: Math.max(1, stepMs / 1000),
    ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
  };
  const ask = (template: string, variant: string) =>
    opts.source.range(
      renderQuery(template, { variant, window: opts.canary.dispersionInterval, release: opts.release }),
      range,
    );
  const { baseline, canary } = opts.canary.arms;
  const [be, bt, ce, ct] = await Promise.all([
    ask(metric.events, baseline),
    ask(metric.total, baseline),
    ask(metric.events, canary),
    ask(metric.total, canary),
  ]);
  return { baseline: { events: be, total: bt }, canary: { events: ce, total: ct } };
}
