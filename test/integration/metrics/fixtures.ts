import { counterSeries, histogramSeries } from '../../helpers/prometheus.js';
import type { OpenMetricsSeries } from '../../helpers/prometheus.js';

/** Label value that needs every escape a PromQL string literal has. */
export const WEIRD_NAME = 'we"ird \\ one\nline';

/** Requests per minute and errors per minute of each service, over 48 h ending at `endS`. */
const TRAFFIC: Record<string, { perMinute: number; errors: (t: number) => number }> = {
  // 0.99 % and 1.01 %: either side of a 1 % threshold.
  under: { perMinute: 10_000, errors: () => 99 },
  over: { perMinute: 10_000, errors: () => 101 },
  // 0.2 % for 48 h; "red" has one hour at 5 %, a day ago.
  green: { perMinute: 1000, errors: () => 2 },
  red: { perMinute: 1000, errors: () => 2 },
  // No traffic at all: every ratio is 0/0.
  idle: { perMinute: 0, errors: () => 0 },
};

/**
 * The data set shared by the query tests: request counters (`http_requests_total{service,code}`),
 * latency histograms (`http_request_duration_seconds{service}`) and a few oddly named probes.
 */
export function buildTraffic(endS: number): OpenMetricsSeries[] {
  const start = endS - 48 * 3600;
  const redHour = { from: endS - 24 * 3600, to: endS - 23 * 3600 };
  const series: OpenMetricsSeries[] = [];
  for (const [service, traffic] of Object.entries(TRAFFIC)) {
    const errors = (t: number): number =>
      service === 'red' && t > redHour.from && t <= redHour.to ? 50 : traffic.errors(t);
    series.push(
      counterSeries({
        name: 'http_requests_total',
        labels: { service, code: '500' },
        start,
        end: endS,
        increment: errors,
      }),
      counterSeries({
        name: 'http_requests_total',
        labels: { service, code: '200' },
        start,
        end: endS,
        increment: (t) => traffic.perMinute - errors(t),
      }),
    );
  }
  // p95 = 0.35 s (under 400 ms) for "fast" and 0.75 s (over) for "slow"; see the test for the arithmetic.
  const latency = (tail: number) => () => [...Array<number>(90).fill(0.25), ...Array<number>(10).fill(tail)];
  const buckets = [0.1, 0.2, 0.3, 0.4, 0.5, 1, 2.5];
  for (const [service, tail] of [
    ['fast', 0.35],
    ['slow', 0.9],
  ] as const) {
    series.push(
      ...histogramSeries({
        name: 'http_request_duration_seconds',
        labels: { service },
        buckets,
        start: endS - 3600,
        end: endS,
        observe: latency(tail),
      }),
    );
  }
  for (const name of ['a.c', 'abc', WEIRD_NAME]) {
    series.push({
      name: 'probe_value',
      labels: { name },
      samples: [
        { t: endS - 60, v: 1 },
        { t: endS, v: name.length },
      ],
    });
  }
  return series;
}

/** Now, in whole seconds, a little in the past so that every sample is within the 5 min lookback. */
export function fixtureEnd(): number {
  return Math.floor(Date.now() / 1000) - 5;
}

export const ERROR_RATIO =
  'sum(rate(http_requests_total{service="{{service}}",code=~"5.."}[{{window}}])) / sum(rate(http_requests_total{service="{{service}}"}[{{window}}]))';
export const MIN_AVAILABILITY =
  'min_over_time((1 - sum(rate(http_requests_total{service="{{service}}",code=~"5.."}[5m])) / sum(rate(http_requests_total{service="{{service}}"}[5m])))[{{window}}:5m])';
export const P95 =
  'histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{service="{{service}}"}[{{window}}])))';
