import { counterSeries, histogramSeries, type OpenMetricsSeries } from '../../helpers/prometheus.js';
import { stagingSoakSeries } from '../../helpers/plan-fixture.js';

/** Now in whole seconds, a little in the past so every last sample is inside the 5 min lookback. */
export function dataEnd(): number {
  return Math.floor(Date.now() / 1000) - 5;
}

/** A gauge sampled every minute over the last 48 h; `value(t)` gives the sample at `t`. */
function gauge(
  name: string,
  labels: Record<string, string>,
  endS: number,
  value: (t: number) => number,
): OpenMetricsSeries {
  const samples = [];
  for (let t = endS - 48 * 3600; t <= endS; t += 60) samples.push({ t, v: value(t) });
  return { name, labels, samples };
}

/**
 * The data the gate tests query, labelled by scenario:
 * - `guardian_green{service}`: "green" is 1 for 48 h; "red" has one red hour a day ago;
 * - `http_requests_total{service,status}`: "under" 0.99 % errors, "over" 1.01 %, "idle" no traffic;
 * - `http_request_duration_seconds{service}`: p95 0.35 s for "fast", 0.9 s for "slow".
 */
export function buildGateData(endS: number): OpenMetricsSeries[] {
  const redHour = (t: number) => t > endS - 24 * 3600 && t <= endS - 23 * 3600;
  const series: OpenMetricsSeries[] = [
    gauge('guardian_green', { service: 'green' }, endS, () => 1),
    gauge('guardian_green', { service: 'red' }, endS, (t) => (redHour(t) ? 0 : 1)),
  ];
  const start = endS - 3600;
  for (const [service, perMinute, errors] of [
    ['under', 10_000, 99],
    ['over', 10_000, 101],
    ['idle', 0, 0],
  ] as const) {
    series.push(
      counterSeries({
        name: 'http_requests_total',
        labels: { service, status: '500' },
        start,
        end: endS,
        increment: errors,
      }),
      counterSeries({
        name: 'http_requests_total',
        labels: { service, status: '200' },
        start,
        end: endS,
        increment: perMinute - errors,
      }),
    );
  }
  series.push(
    ...latencyHistogram({ service: 'fast' }, 0.35, endS),
    ...latencyHistogram({ service: 'slow' }, 0.9, endS),
  );
  return series;
}

/** 90 % of requests at 0.25 s and 10 % at `tail` seconds: p95 interpolates inside the tail's bucket. */
export function latencyHistogram(labels: Record<string, string>, tail: number, endS: number): OpenMetricsSeries[] {
  return histogramSeries({
    name: 'http_request_duration_seconds',
    labels,
    buckets: [0.1, 0.2, 0.3, 0.4, 0.5, 1, 2.5],
    start: endS - 3600,
    end: endS,
    observe: () => [...Array<number>(90).fill(0.25), ...Array<number>(10).fill(tail)],
  });
}

/**
 * Healthy data for the P0 Prometheus gates of the repository's own rollout.yaml: guardian green
 * for 48 h, 0.5 % errors (`status` label), p95 well under 400 ms.
 */
export function buildHealthyPlanData(endS: number): OpenMetricsSeries[] {
  const start = endS - 3600;
  return [
    // The staging soak gates read 24 h of env="staging" traffic (0.2 % errors, ~180 ms).
    ...stagingSoakSeries(endS - 25 * 3600, endS, {}),
    gauge('guardian_green', {}, endS, () => 1),
    counterSeries({ name: 'http_requests_total', labels: { status: '500' }, start, end: endS, increment: 5 }),
    counterSeries({ name: 'http_requests_total', labels: { status: '200' }, start, end: endS, increment: 995 }),
    ...latencyHistogram({}, 0.3, endS),
  ];
}
