import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectMetric } from '../../../src/canary/collect.js';
import { judgeMetric } from '../../../src/canary/judge.js';
import { canary as canarySchema, type MetricConfig } from '../../../src/config/schema.js';
import { createPrometheusSource } from '../../../src/metrics/prometheus.js';
import { compareProportions, createPrng, sampleBinomial } from '../../../src/stats/index.js';
import {
  counterSeries,
  startPrometheus,
  type OpenMetricsSeries,
  type PrometheusInstance,
} from '../../helpers/prometheus.js';

/**
 * The stage-end rate test on a real Prometheus when errors cluster: per minute, each arm's error
 * rate is redrawn (a bad host for a minute, then a clean one), so the counts vary about four times
 * more than binomial. The analysis reads the window in 1m intervals, estimates φ from the
 * baseline's and widens the test; steady traffic (the same 2 errors every minute) keeps the binomial test exactly.
 */
const MINUTES = 40;
const PER_MINUTE = 400;
const end = Math.floor(Date.now() / 1000) - 5;
const start = end - MINUTES * 60;

function arm(scenario: string, variant: string, errorsAt: (minute: number) => number): OpenMetricsSeries[] {
  const minuteOf = (t: number) => Math.round((t - start) / 60);
  return [
    counterSeries({
      name: 'cl_requests_total',
      labels: { scenario, variant, status: '500' },
      start,
      end,
      increment: (t) => errorsAt(minuteOf(t)),
    }),
    counterSeries({
      name: 'cl_requests_total',
      labels: { scenario, variant, status: '200' },
      start,
      end,
      increment: (t) => PER_MINUTE - errorsAt(minuteOf(t)),
    }),
  ];
}

/** Errors per minute: a binomial draw around a rate that is 0.2 % most minutes and 2.2 % one minute in ten (φ ≈ 4). */
function clustered(seed: number): (minute: number) => number {
  const random = createPrng(seed);
  const counts = Array.from({ length: MINUTES + 1 }, () =>
    sampleBinomial(random, PER_MINUTE, random() < 0.1 ? 0.022 : 0.002),
  );
  return (m) => counts[m] as number;
}

let prom: PrometheusInstance;
beforeAll(async () => {
  prom = await startPrometheus({
    series: [
      ...arm('clustered', 'canary', clustered(1)),
      ...arm('clustered', 'baseline', clustered(2)),
      ...arm('steady', 'canary', () => 2),
      ...arm('steady', 'baseline', () => 2),
    ],
  });
}, 120_000);
afterAll(async () => {
  await prom?.stop();
});

async function judge(scenario: string) {
  const canary = canarySchema.parse({
    window: '30m',
    alpha: 0.01,
    arms: { label: 'variant', canary: 'canary', baseline: 'baseline' },
    metrics: [
      {
        id: 'error_rate',
        kind: 'ratio',
        events: `sum(increase(cl_requests_total{scenario="${scenario}",variant="{{variant}}",status="500"}[{{window}}]))`,
        total: `sum(increase(cl_requests_total{scenario="${scenario}",variant="{{variant}}"}[{{window}}]))`,
        direction: 'lower-is-better',
        maxRelativeChange: 0.1,
      },
    ],
  });
  const metric = canary.metrics[0] as MetricConfig;
  const source = createPrometheusSource({ url: prom.url, env: {} });
  const collected = await collectMetric(metric, {
    source,
    canary,
    window: canary.window,
    now: new Date(end * 1000),
    release: 'x',
  });
  return judgeMetric(metric, collected, { canary, budget: null });
}

describe('clustered errors on a real Prometheus', () => {
  it("estimates the overdispersion from the baseline's 1m intervals and widens the test by it", async () => {
    const v = await judge('clustered');
    expect(v.dispersion).toBeGreaterThan(2);
    expect(v.dispersion).toBeLessThan(8);
    expect(v.test).toMatch(/quasi-binomial: widened for overdispersion φ = [\d.]+ \(29 df\)/);
    const plain = compareProportions(
      { events: v.baseline.events, total: v.baseline.n as number },
      { events: v.canary.events, total: v.canary.n as number },
      { alternative: 'greater', alpha: 0.01 },
    );
    const widened = compareProportions(
      { events: v.baseline.events, total: v.baseline.n as number },
      { events: v.canary.events, total: v.canary.n as number },
      { alternative: 'greater', alpha: 0.01, dispersion: v.dispersion as number },
    );
    expect(v.pValue).toBe(widened.pValue);
    if (plain.pValue < 0.5) expect(v.pValue).toBeGreaterThan(plain.pValue);
  });

  it('steady counts (no extra variation) keep exactly the binomial p-value', async () => {
    const v = await judge('steady');
    expect(v.dispersion).toBe(1);
    expect(v.test).toMatch(/binomial \(dispersion φ = 0\.\d+ ≤ 1\)/);
    const plain = compareProportions(
      { events: v.baseline.events, total: v.baseline.n as number },
      { events: v.canary.events, total: v.canary.n as number },
      { alternative: 'greater', alpha: 0.01 },
    );
    expect(v.pValue).toBe(plain.pValue);
  });
});
