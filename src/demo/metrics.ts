import { parseDuration } from '../config/duration.js';
import type { RawConfig } from '../config/schema.js';
import { renderQuery } from '../metrics/promql.js';
import type {
  InstantOptions,
  MetricsSource,
  OnlineResult,
  QueryOutcome,
  RangeOptions,
  Sample,
} from '../metrics/types.js';
import { computeHistogramQuantile, type CounterName, type TrafficLedger } from './traffic-ledger.js';

/** What one query of the demo plan measures in the simulated application's counters. */
export type Measure =
  | { kind: 'count'; counter: CounterName }
  | { kind: 'ratio'; events: CounterName; total: CounterName }
  | { kind: 'quantile'; q: number; unit: 'ms' | 's' }
  | { kind: 'constant'; value: number };

/**
 * The demo plan's queries, by canary metric id (answered per arm) and by gate id (over all traffic).
 * A metric or gate missing here is never answered: its queries come back `not-recorded`, so a plan
 * and source that disagree show up as inconclusive instead of passing.
 */
export const DEMO_MEASURES: {
  metrics: Record<string, { events: Measure; total: Measure } | Measure>;
  gates: Record<string, Measure>;
} = {
  metrics: {
    error_rate: { events: { kind: 'count', counter: 'errors' }, total: { kind: 'count', counter: 'requests' } },
    wizard_completion_rate: {
      events: { kind: 'count', counter: 'wizardCompleted' },
      total: { kind: 'count', counter: 'wizardStarted' },
    },
    fund_setup_success_rate: {
      events: { kind: 'count', counter: 'fundSuccess' },
      total: { kind: 'count', counter: 'fundAttempts' },
    },
    latency_p95: { kind: 'quantile', q: 0.95, unit: 'ms' },
    latency: { kind: 'quantile', q: 0.5, unit: 'ms' },
  },
  gates: {
    // The simulated guardian job has been green all along: there is no real one to ask.
    'guardian-48h': { kind: 'constant', value: 1 },
    'error-rate-baseline': { kind: 'ratio', events: 'errors', total: 'requests' },
    'p95-baseline': { kind: 'quantile', q: 0.95, unit: 's' },
  },
};

/** One query shape the source answers: the rendered text with the window left open. */
export interface QueryPattern {
  regex: RegExp;
  /** The arm the query selects, or null for all traffic. */
  variant: string | null;
  measure: Measure;
  /** Canary metric or gate id, for messages. */
  from: string;
}

// Rendered in place of {{window}}, then turned into a capture group: a valid duration nobody writes.
const SENTINEL = '987654321s';
const WINDOW_GROUP = '(\\d+(?:ms|s|m|h|d|w))';
const RANGE_SELECTOR = /\[(\d+(?:ms|s|m|h|d|w))\]/;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function toPattern(rendered: string, variant: string | null, measure: Measure, from: string): QueryPattern {
  const parts = rendered.split(SENTINEL).map(escapeRegExp);
  // The same window everywhere it appears: the first occurrence captures, the others must repeat it.
  const body = parts.length === 1 ? parts[0] : [parts[0], WINDOW_GROUP, parts.slice(1).join('\\1')].join('');
  return { regex: new RegExp(`^${body}$`), variant, measure, from };
}

function isMeasure(x: { events: Measure; total: Measure } | Measure): x is Measure {
  return 'kind' in x;
}

/** Every query the plan's canary metrics, triggers and Prometheus gates render, with what it measures. */
export function buildQueryPatterns(config: RawConfig): QueryPattern[] {
  const patterns: QueryPattern[] = [];
  const canary = config.canary;
  for (const metric of canary?.metrics ?? []) {
    const bound = DEMO_MEASURES.metrics[metric.id];
    if (!canary || !bound) continue;
    for (const variant of [canary.arms.canary, canary.arms.baseline]) {
      const render = (template: string) =>
        renderQuery(template, { variant, window: SENTINEL, release: config.release });
      if (metric.kind === 'ratio' && !isMeasure(bound)) {
        patterns.push(
          toPattern(render(metric.events), variant, bound.events, metric.id),
          toPattern(render(metric.total), variant, bound.total, metric.id),
        );
      } else if (metric.kind !== 'ratio' && metric.query && isMeasure(bound)) {
        patterns.push(toPattern(render(metric.query), variant, bound, metric.id));
      }
    }
  }
  for (const gate of config.phases.flatMap((p) => p.gates)) {
    const bound = DEMO_MEASURES.gates[gate.id];
    if (gate.kind === 'prometheus' && bound)
      patterns.push(toPattern(renderQuery(gate.query, { window: SENTINEL }), null, bound, gate.id));
  }
  return patterns;
}

export interface SimulatedSourceOptions {
  ledger: TrafficLedger;
  config: RawConfig;
  /** The simulated clock: instant queries without a time are evaluated at its now. */
  now: () => Date;
}

const URL = 'simulated:rollout-demo';

type Point = { ok: true; v: number } | { ok: false };

function evaluate(p: QueryPattern, windowMs: number, atMs: number, ledger: TrafficLedger): Point {
  const m = p.measure;
  switch (m.kind) {
    case 'constant':
      return { ok: true, v: m.value };
    case 'count': {
      const s = ledger.sum(m.counter, p.variant, atMs, windowMs);
      return s.seen ? { ok: true, v: s.value } : { ok: false };
    }
    case 'ratio': {
      const total = ledger.sum(m.total, p.variant, atMs, windowMs);
      if (!total.seen) return { ok: false };
      return {
        ok: true,
        v: total.value === 0 ? Number.NaN : ledger.sum(m.events, p.variant, atMs, windowMs).value / total.value,
      };
    }
    case 'quantile': {
      const h = ledger.histogram(p.variant, atMs, windowMs);
      if (!h) return { ok: false };
      const ms = computeHistogramQuantile(m.q, h);
      return { ok: true, v: m.unit === 'ms' ? ms : ms / 1000 };
    }
  }
}

/**
 * A `MetricsSource` over the simulated application: it answers exactly the queries the demo plan
 * renders (both arms, any window, including the increments `watch` asks for) from the traffic counted
 * at the requested simulated time. Anything else is `not-recorded`; an arm without traffic in the
 * window is `empty`, as Prometheus would answer for a series with no samples.
 */
export function createSimulatedSource(opts: SimulatedSourceOptions): MetricsSource {
  const patterns = buildQueryPatterns(opts.config);
  const base = (query: string) => ({ query, url: URL, durationMs: 0, attempts: 0 });
  const find = (query: string): { pattern: QueryPattern; windowMs: number } | null => {
    for (const pattern of patterns) {
      const m = pattern.regex.exec(query);
      if (!m) continue;
      const window = m[1] ?? RANGE_SELECTOR.exec(query)?.[1] ?? '0s';
      return { pattern, windowMs: parseDuration(window) ?? 0 };
    }
    return null;
  };
  const notRecorded = (query: string): QueryOutcome => ({
    ...base(query),
    kind: 'not-recorded',
    message:
      'the simulated source has no series for this query (rollout demo answers only the queries of its own plan)',
  });
  const labels = (p: QueryPattern): Record<string, string> => (p.variant ? { variant: p.variant } : {});
  return {
    description: 'simulated metrics (rollout demo: in-process traffic, not Prometheus)',
    async instant(query: string, o: InstantOptions = {}): Promise<QueryOutcome> {
      const hit = find(query);
      if (!hit) return notRecorded(query);
      const atMs = (o.time ?? opts.now()).getTime();
      const point = evaluate(hit.pattern, hit.windowMs, atMs, opts.ledger);
      if (!point.ok) return { ...base(query), kind: 'empty' };
      const series = [{ labels: labels(hit.pattern), values: [{ t: atMs / 1000, v: point.v }] }];
      return Number.isNaN(point.v)
        ? { ...base(query), kind: 'nan', series }
        : { ...base(query), kind: 'ok', resultType: 'vector', series };
    },
    async range(query: string, o: RangeOptions): Promise<QueryOutcome> {
      if (!(o.stepSeconds > 0)) throw new RangeError(`stepSeconds must be positive, got ${o.stepSeconds}`);
      const hit = find(query);
      if (!hit) return notRecorded(query);
      const values: Sample[] = [];
      for (let t = o.start.getTime(); t <= o.end.getTime(); t += o.stepSeconds * 1000) {
        const point = evaluate(hit.pattern, hit.windowMs, t, opts.ledger);
        if (point.ok) values.push({ t: t / 1000, v: point.v });
      }
      if (values.length === 0) return { ...base(query), kind: 'empty' };
      const series = [{ labels: labels(hit.pattern), values }];
      return values.every((s) => Number.isNaN(s.v))
        ? { ...base(query), kind: 'nan', series }
        : { ...base(query), kind: 'ok', resultType: 'matrix', series };
    },
    async checkOnline(): Promise<OnlineResult> {
      return {
        online: true,
        outcome: {
          ...base('vector(1)'),
          kind: 'ok',
          resultType: 'vector',
          series: [{ labels: {}, values: [{ t: opts.now().getTime() / 1000, v: 1 }] }],
        },
      };
    },
  };
}
