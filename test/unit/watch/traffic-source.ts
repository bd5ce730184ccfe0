/**
 * An in-memory MetricsSource for the unit tier: it stands in for Prometheus there (the integration
 * tier runs the real one). It answers the repository plan's PromQL by parsing the variant label and
 * the range, and serves counters from synthetic per-minute traffic, exact or seeded-binomial.
 */
import { createPrng, sampleBinomial } from '../../../src/stats/index.js';
import type { MetricsSource, QueryOutcome } from '../../../src/metrics/types.js';

export interface ArmModel {
  requestsPerMinute: number;
  /** Error rate as a function of the minute index since the traffic began. */
  errorRate: (minute: number) => number;
  completionRate?: number;
  fundSetupSuccessRate?: number;
  latencyMs?: number;
}

export interface TrafficOptions {
  /** When traffic begins (ms since epoch). */
  origin: number;
  arms: Record<string, ArmModel>;
  /** Seed for binomial noise; exact expected counts when absent. */
  seed?: number;
  /** Answer `unreachable` at these instants. */
  down?: (atMs: number) => boolean;
}

type Series = 'errors' | 'requests' | 'wizardDone' | 'wizardStarted' | 'fundOk' | 'fundAll';
const PER_MINUTE: Record<Series, (a: ArmModel) => number> = {
  requests: (a) => a.requestsPerMinute,
  errors: (a) => a.requestsPerMinute,
  wizardStarted: () => 60,
  wizardDone: () => 60,
  fundAll: () => 40,
  fundOk: () => 40,
};

export function createTrafficSource(opts: TrafficOptions): MetricsSource & { queries: string[] } {
  const cache = new Map<string, number[]>();
  const random = opts.seed === undefined ? null : createPrng(opts.seed);
  const queries: string[] = [];

  function draw(n: number, p: number): number {
    return random ? sampleBinomial(random, n, p) : n * p;
  }

  /** Per-minute counts of one series, generated lazily and kept (both arms draw from one stream). */
  function minuteCounts(variant: string, series: Series, upTo: number): number[] {
    const arm = opts.arms[variant];
    const key = `${variant}/${series}`;
    const counts = cache.get(key) ?? [];
    cache.set(key, counts);
    if (!arm) return counts;
    while (counts.length <= upTo) {
      const m = counts.length;
      const n = PER_MINUTE[series](arm);
      if (series === 'requests' || series === 'wizardStarted' || series === 'fundAll') counts.push(n);
      else if (series === 'errors') counts.push(draw(n, arm.errorRate(m)));
      else if (series === 'wizardDone') counts.push(draw(n, arm.completionRate ?? 0.97));
      else counts.push(draw(n, arm.fundSetupSuccessRate ?? 0.98));
    }
    return counts;
  }

  /** The counter's value at `t`: whole minutes plus a linear share of the current one. */
  function counter(variant: string, series: Series, tMs: number): number {
    const minutes = Math.max(0, (tMs - opts.origin) / 60_000);
    const whole = Math.floor(minutes);
    const counts = minuteCounts(variant, series, whole);
    let sum = 0;
    for (let i = 0; i < whole; i++) sum += counts[i] ?? 0;
    return sum + (counts[whole] ?? 0) * (minutes - whole);
  }

  function classify(query: string): Series | 'latency' | null {
    if (query.includes('histogram_quantile')) return 'latency';
    if (query.includes('http_requests_total')) return query.includes('status=~') ? 'errors' : 'requests';
    if (query.includes('wizard_completed_total')) return 'wizardDone';
    if (query.includes('wizard_started_total')) return 'wizardStarted';
    if (query.includes('fund_setup_success_total')) return 'fundOk';
    if (query.includes('fund_setup_attempts_total')) return 'fundAll';
    return null;
  }

  const base = (query: string) => ({ query, url: 'memory:', durationMs: 0, attempts: 1 });
  return {
    description: 'memory:traffic',
    queries,
    async instant(query, o = {}) {
      queries.push(query);
      const at = (o.time ?? new Date()).getTime();
      if (opts.down?.(at))
        return {
          ...base(query),
          kind: 'unreachable',
          code: 'ECONNREFUSED',
          message: 'connect ECONNREFUSED 127.0.0.1:9',
        } satisfies QueryOutcome;
      const variant = /variant="([^"]+)"/.exec(query)?.[1] ?? '';
      const series = classify(query);
      if (!series || !opts.arms[variant]) return { ...base(query), kind: 'empty' };
      let value: number;
      if (series === 'latency') value = opts.arms[variant]?.latencyMs ?? 180;
      else {
        const range = /\[(\d+)(ms|s|m|h)\]/.exec(query);
        const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(range?.[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
        const w = Number(range?.[1] ?? 0) * unit;
        value = counter(variant, series, at) - counter(variant, series, at - w);
      }
      return {
        ...base(query),
        kind: 'ok',
        resultType: 'vector',
        series: [{ labels: {}, values: [{ t: at / 1000, v: value }] }],
      };
    },
    async range(query) {
      return { ...base(query), kind: 'empty' };
    },
    async checkOnline() {
      return {
        online: true,
        outcome: {
          ...base('vector(1)'),
          kind: 'ok',
          resultType: 'vector',
          series: [{ labels: {}, values: [{ t: 0, v: 1 }] }],
        },
      };
    },
  };
}
