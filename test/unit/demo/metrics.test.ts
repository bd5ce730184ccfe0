import { afterEach, describe, expect, it } from 'vitest';
import { analyzeCanary } from '../../../src/canary/analyze.js';
import type { RawConfig } from '../../../src/config/schema.js';
import { REGRESSION_PROFILE } from '../../../src/demo/app.js';
import { buildQueryPatterns, createSimulatedSource } from '../../../src/demo/metrics.js';
import { createTrafficLedger, latencyBucket, MINUTE_MS, type TrafficLedger } from '../../../src/demo/traffic-ledger.js';
import { renderQuery } from '../../../src/metrics/promql.js';
import type { QueryOutcome } from '../../../src/metrics/types.js';
import { createDemoFixture, FALLBACK, NEW, type DemoFixture } from './world.js';

const T = Date.parse('2026-03-02T10:00:00Z');
let fixture: DemoFixture | null = null;
afterEach(async () => {
  await fixture?.remove();
  fixture = null;
});

function valueOf(o: QueryOutcome): number {
  if (o.kind !== 'ok') throw new Error(`expected ok, got ${o.kind}`);
  return o.series[0]?.values.at(-1)?.v as number;
}

/** 30 minutes ending at T: minute k (1..30 back) has k requests on each arm, 1 error on the canary. */
function handMadeLedger(): TrafficLedger {
  const ledger = createTrafficLedger();
  for (let k = 0; k < 30; k++) {
    for (const v of [NEW, FALLBACK]) {
      const arm = ledger.arm(Math.floor(T / MINUTE_MS) - k, v);
      arm.counts[0] = k + 1;
      arm.counts[1] = v === NEW ? 1 : 0;
      arm.latency[latencyBucket(v === NEW ? 300 : 100)] = k + 1;
    }
  }
  return ledger;
}

async function planConfig(): Promise<RawConfig> {
  fixture = await createDemoFixture();
  return fixture.loaded.config;
}

describe('simulated metrics source', () => {
  it('answers the rendered canary, trigger and increment queries of the plan, per arm, from the counters', async () => {
    const config = await planConfig();
    const source = createSimulatedSource({ ledger: handMadeLedger(), config, now: () => new Date(T) });
    const errorRate = config.canary?.metrics.find((m) => m.id === 'error_rate');
    if (errorRate?.kind !== 'ratio') throw new Error('plan changed');
    const ask = (template: string, variant: string, window: string) =>
      source.instant(renderQuery(template, { variant, window, release: config.release }), { time: new Date(T) });
    expect(valueOf(await ask(errorRate.total, NEW, '30m'))).toBe(465);
    expect(valueOf(await ask(errorRate.total, FALLBACK, '10m'))).toBe(55);
    expect(valueOf(await ask(errorRate.events, NEW, '10m'))).toBe(10);
    expect(valueOf(await ask(errorRate.events, FALLBACK, '30m'))).toBe(0);
    // watch's increments since the previous look
    expect(valueOf(await ask(errorRate.total, NEW, '60s'))).toBe(1);
    expect(valueOf(await ask(errorRate.total, NEW, '120s'))).toBe(3);
    const p95 = config.canary?.metrics.find((m) => m.id === 'latency_p95');
    if (p95?.kind !== 'threshold' || !p95.query) throw new Error('plan changed');
    expect(valueOf(await ask(p95.query, NEW, '5m'))).toBeCloseTo(299.75, 5); // (295, 300] bucket, milliseconds
    expect(valueOf(await ask(p95.query, FALLBACK, '5m'))).toBeCloseTo(99.75, 5);
    expect(source.description).toMatch(/simulated/);
  });

  it('answers the Prometheus gates over all traffic, and the distribution metric as a range', async () => {
    const config = await planConfig();
    const source = createSimulatedSource({ ledger: handMadeLedger(), config, now: () => new Date(T) });
    const gate = (id: string) => {
      const g = config.phases.flatMap((p) => p.gates).find((x) => x.id === id);
      if (g?.kind !== 'prometheus') throw new Error(`no gate ${id}`);
      return source.instant(renderQuery(g.query, g.window ? { window: g.window } : {}));
    };
    expect(valueOf(await gate('guardian-48h'))).toBe(1);
    expect(valueOf(await gate('error-rate-baseline'))).toBeCloseTo(30 / 930, 12);
    // Half the requests at (95, 100] ms, half at (295, 300]: rank 0.95 × 930 lies 418.5 into the upper bucket.
    expect(valueOf(await gate('p95-baseline'))).toBeCloseTo(0.2995, 8); // seconds
    const latency = config.canary?.metrics.find((m) => m.id === 'latency');
    if (latency?.kind !== 'distribution') throw new Error('plan changed');
    const range = await source.range(
      renderQuery(latency.query, { variant: NEW, window: '30m', release: config.release }),
      { start: new Date(T - 30 * MINUTE_MS), end: new Date(T), stepSeconds: 60 },
    );
    if (range.kind !== 'ok') throw new Error(range.kind);
    // Points whose 5-minute window holds traffic: the first one (T − 30m) has none and is absent.
    expect(range.series[0]?.values).toHaveLength(30);
    expect(range.series[0]?.values.every((p) => p.v > 295 && p.v <= 300)).toBe(true);
  });

  it('does not answer queries it does not know, and says so (never a silent number)', async () => {
    const config = await planConfig();
    const source = createSimulatedSource({ ledger: handMadeLedger(), config, now: () => new Date(T) });
    const unknown = [
      'sum(increase(http_requests_total{variant="reserves_v1.2"}[30m]))',
      'sum(increase(http_requests_total{variant="reserves_v1.1"}[30m])) ',
      'sum(increase(http_requests_total{variant="reserves_v1.1",status=~"5.."}[10m] offset 1h))',
      '1000 * histogram_quantile(0.5, sum by (le) (rate(http_request_duration_seconds_bucket{variant="reserves_v1.1"}[10m])))',
      'sum(increase(checkout_total{variant="reserves_v1.1"}[30m]))',
      'up',
    ];
    for (const q of unknown) expect((await source.instant(q, { time: new Date(T) })).kind, q).toBe('not-recorded');
    expect((await source.range('up', { start: new Date(T - MINUTE_MS), end: new Date(T), stepSeconds: 60 })).kind).toBe(
      'not-recorded',
    );
    // A known query over a window with no traffic: no series, like Prometheus.
    const total = renderQuery('sum(increase(http_requests_total{variant="{{variant}}"}[{{window}}]))', {
      variant: NEW,
      window: '10m',
    });
    expect((await source.instant(total, { time: new Date(T + 3600_000) })).kind).toBe('empty');
  });

  it('a canary metric the simulation does not model leaves the real analysis inconclusive, not passed', async () => {
    const config = await planConfig();
    const canary = config.canary;
    if (!canary) throw new Error('plan changed');
    const extra = {
      id: 'checkout_rate',
      kind: 'ratio' as const,
      events: 'sum(increase(checkout_ok_total{variant="{{variant}}"}[{{window}}]))',
      total: 'sum(increase(checkout_total{variant="{{variant}}"}[{{window}}]))',
      direction: 'higher-is-better' as const,
      maxRelativeChange: 0.05,
      critical: true,
      action: 'rollback' as const,
    };
    const withExtra: RawConfig = { ...config, canary: { ...canary, metrics: [...canary.metrics, extra] } };
    expect(buildQueryPatterns(withExtra)).toHaveLength(buildQueryPatterns(config).length);
    const f = fixture as DemoFixture;
    await f.setStage(25, ['beta_users', 'internal']);
    await f.clock.simulate(40 * MINUTE_MS);
    const source = createSimulatedSource({ ledger: f.app.ledger, config: withExtra, now: () => f.clock.now() });
    const verdict = await analyzeCanary({
      canary: withExtra.canary as NonNullable<RawConfig['canary']>,
      budget: f.loaded.budget,
      source,
      now: f.clock.now(),
      release: config.release,
      accuracyDelta: 0.1,
    });
    const checkout = verdict.metrics.find((m) => m.id === 'checkout_rate');
    expect(checkout).toMatchObject({ verdict: 'inconclusive', inconclusive: 'query-error' });
    expect(verdict.verdict).toBe('inconclusive');
  });

  it('the real canary analysis passes healthy simulated traffic and fails a regressed canary', async () => {
    fixture = await createDemoFixture({ users: 4000, requestsPerMinute: 1500 });
    const f = fixture;
    await f.setStage(25, ['beta_users', 'internal']);
    await f.clock.simulate(40 * MINUTE_MS);
    const canary = f.loaded.config.canary as NonNullable<RawConfig['canary']>;
    const source = createSimulatedSource({ ledger: f.app.ledger, config: f.loaded.config, now: () => f.clock.now() });
    const judge = () =>
      analyzeCanary({
        canary,
        budget: f.loaded.budget,
        source,
        now: f.clock.now(),
        release: f.loaded.config.release,
        accuracyDelta: 0.1,
      });
    const healthy = await judge();
    expect(healthy.verdict, healthy.summary).toBe('pass');
    f.app.injectRegression(REGRESSION_PROFILE, f.clock.now().getTime());
    await f.clock.simulate(30 * MINUTE_MS);
    const regressed = await judge();
    expect(regressed.verdict).toBe('fail');
    expect(regressed.metrics.find((m) => m.id === 'error_rate')?.verdict).toBe('fail');
  });
});
