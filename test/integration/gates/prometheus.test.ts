import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GateConfig } from '../../../src/config/schema.js';
import { createGateMetrics } from '../../../src/gates/metrics.js';
import { runGate } from '../../../src/gates/run-gate.js';
import type { GateResult } from '../../../src/gates/types.js';
import { freePort, startPrometheus, type PrometheusInstance } from '../../helpers/prometheus.js';
import { startSlowProxy, type SlowProxy } from '../../helpers/slow-proxy.js';
import { gateContext } from '../../unit/gates/context.js';
import { buildGateData, dataEnd } from './prometheus-data.js';

let prom: PrometheusInstance;

beforeAll(async () => {
  prom = await startPrometheus({ series: buildGateData(dataEnd()) });
});

afterAll(async () => {
  await prom?.stop();
});

const gate = (
  query: string,
  expect: string,
  extra: Partial<Extract<GateConfig, { kind: 'prometheus' }>> = {},
): GateConfig => ({
  id: 'q',
  kind: 'prometheus',
  query,
  expect,
  expectSeries: 'one',
  ...extra,
});

/** Runs a gate against `url` with the plan's Prometheus settings (timeout, retries). */
function run(g: GateConfig, url: string, settings: { timeout?: string; retries?: number } = {}): Promise<GateResult> {
  const env = { ROLLOUT_PROMETHEUS_URL: url };
  const metrics = createGateMetrics(
    { urlEnv: 'ROLLOUT_PROMETHEUS_URL', timeout: settings.timeout ?? '10s', retries: settings.retries ?? 2 },
    env,
  );
  return runGate(g, gateContext({ env, metrics }));
}

const ERROR_RATE = (service: string) =>
  `sum(rate(http_requests_total{service="${service}",status=~"5.."}[{{window}}])) / sum(rate(http_requests_total{service="${service}"}[{{window}}]))`;
const P95 = (service: string) =>
  `histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{service="${service}"}[{{window}}])))`;

describe('prometheus gates against a real Prometheus', () => {
  it('Guardian green for 48 h passes; one red hour a day ago fails', async () => {
    const green = await run(
      gate('min_over_time(guardian_green{service="green"}[{{window}}])', '== 1', { window: '48h' }),
      prom.url,
    );
    expect(green).toMatchObject({
      verdict: 'pass',
      evidence: { observed: 1, expected: '== 1', source: 'min_over_time(guardian_green{service="green"}[48h])' },
    });
    const red = await run(
      gate('min_over_time(guardian_green{service="red"}[{{window}}])', '== 1', { window: '48h' }),
      prom.url,
    );
    expect(red).toMatchObject({ verdict: 'fail', reason: 'threshold', evidence: { observed: 0 } });
    expect(red.summary).toBe('0 is not == 1');
  });

  it('error rate just under 1 % passes, just over fails', async () => {
    const under = await run(gate(ERROR_RATE('under'), '< 0.01', { window: '5m' }), prom.url);
    expect(under.verdict).toBe('pass');
    expect(under.evidence.observed).toBeCloseTo(0.0099, 6);
    const over = await run(gate(ERROR_RATE('over'), '< 0.01', { window: '5m' }), prom.url);
    expect(over.verdict).toBe('fail');
    expect(over.evidence.observed).toBeCloseTo(0.0101, 6);
  });

  it('p95 from a histogram: under 400 ms passes, over fails', async () => {
    const fast = await run(gate(P95('fast'), '< 0.4', { window: '5m' }), prom.url);
    expect(fast.verdict).toBe('pass');
    expect(fast.evidence.observed).toBeCloseTo(0.35, 6);
    const slow = await run(gate(P95('slow'), '< 0.4', { window: '5m' }), prom.url);
    expect(slow.verdict).toBe('fail');
    expect(slow.evidence.observed as number).toBeGreaterThan(0.4);
  });

  it('an empty result is inconclusive (never a pass), and fails with onInconclusive: fail', async () => {
    const empty = await run(gate(ERROR_RATE('ghost'), '< 0.01', { window: '5m' }), prom.url);
    expect(empty).toMatchObject({
      verdict: 'inconclusive',
      reason: 'empty',
      evidence: { details: { outcome: 'empty' } },
    });
    const strict = await run(gate(ERROR_RATE('ghost'), '< 0.01', { window: '5m', onInconclusive: 'fail' }), prom.url);
    expect(strict).toMatchObject({ verdict: 'fail', reason: 'empty', inconclusiveAsFail: true });
  });

  it('NaN (0/0 without traffic) is inconclusive, even for a comparison NaN would "satisfy"', async () => {
    const nan = await run(gate(ERROR_RATE('idle'), '!= 1', { window: '5m' }), prom.url);
    expect(nan).toMatchObject({ verdict: 'inconclusive', reason: 'nan' });
  });

  it('more series than expected is inconclusive; expectSeries: any judges every series', async () => {
    const many = await run(gate('guardian_green', '== 1'), prom.url);
    expect(many).toMatchObject({ verdict: 'inconclusive', reason: 'too-many-series' });
    expect(many.summary).toBe('expected one series, got 2');
    const any = await run(
      gate('min_over_time(guardian_green[{{window}}])', '== 1', { window: '48h', expectSeries: 'any' }),
      prom.url,
    );
    expect(any.verdict).toBe('fail');
    expect(any.summary).toContain('1 of 2 series');
  });

  it('a query Prometheus rejects fails (waiting will not fix it)', async () => {
    const bad = await run(gate('sum(rate(http_requests_total[5m]', '< 1'), prom.url);
    expect(bad).toMatchObject({ verdict: 'fail', reason: 'bad-query' });
  });

  it('a server that is down is inconclusive: unreachable', async () => {
    const port = await freePort();
    const down = await run(gate('vector(1)', '== 1'), `http://127.0.0.1:${port}`, { timeout: '3s', retries: 1 });
    expect(down).toMatchObject({ verdict: 'inconclusive', reason: 'unreachable' });
    expect(down.summary).toContain('ECONNREFUSED');
  });

  it('an HTTP error in front of Prometheus is inconclusive: http-error', async () => {
    const proxy = await startSlowProxy({ target: prom.url, delayMs: 0, mode: '500' });
    try {
      const r = await run(gate('vector(1)', '== 1'), proxy.url, { timeout: '5s', retries: 1 });
      expect(r).toMatchObject({
        verdict: 'inconclusive',
        reason: 'http-error',
        evidence: { details: { attempts: 2 } },
      });
    } finally {
      await proxy.stop();
    }
  });

  describe('a slow server', () => {
    let proxy: SlowProxy;
    beforeAll(async () => {
      proxy = await startSlowProxy({ target: prom.url, delayMs: 0, mode: 'hang' });
    });
    afterAll(async () => {
      await proxy?.stop();
    });

    it('is inconclusive: timeout, and the deadline covers the retries too', async () => {
      const before = proxy.requests;
      const r = await run(gate('vector(1)', '== 1'), proxy.url, { timeout: '2s', retries: 2 });
      expect(r).toMatchObject({
        verdict: 'inconclusive',
        reason: 'timeout',
        evidence: { details: { attempts: 1, outcome: 'timeout' } },
      });
      // The hanging first attempt used the whole 2 s deadline: no retry was started after it.
      expect(proxy.requests - before).toBe(1);
      expect(r.summary).toMatch(/no answer within 2(\.0)? ?s/);
    });
  });

  it('a slow but answering server passes once it answers within the timeout', async () => {
    const proxy = await startSlowProxy({ target: prom.url, delayMs: 300, mode: 'delay' });
    try {
      const r = await run(
        gate('min_over_time(guardian_green{service="green"}[{{window}}])', '== 1', { window: '48h' }),
        proxy.url,
        { timeout: '5s' },
      );
      expect(r.verdict).toBe('pass');
      expect(r.evidence.details?.queryMs as number).toBeGreaterThanOrEqual(300);
    } finally {
      await proxy.stop();
    }
  });
});
