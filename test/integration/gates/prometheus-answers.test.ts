import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GateConfig } from '../../../src/config/schema.js';
import { createGateMetrics } from '../../../src/gates/metrics.js';
import { runGate } from '../../../src/gates/run-gate.js';
import type { GateResult } from '../../../src/gates/types.js';
import { gateContext } from '../../unit/gates/context.js';
import { startFakePrometheus, vectorBody, type FakePrometheus, type FakeReply } from '../metrics/fake-prometheus.js';

/** Prometheus gates against a local server answering values a healthy query cannot produce. */
let fake: FakePrometheus;

beforeAll(async () => {
  fake = await startFakePrometheus();
});
afterAll(async () => {
  await fake?.stop();
});

function run(expect: string, reply: FakeReply, expectSeries: 'one' | 'any' = 'one'): Promise<GateResult> {
  fake.answer(() => reply);
  const g: GateConfig = { id: 'q', kind: 'prometheus', query: 'sum(rate(errors_total[5m]))', expect, expectSeries };
  const env = { ROLLOUT_PROMETHEUS_URL: fake.url };
  const metrics = createGateMetrics({ urlEnv: 'ROLLOUT_PROMETHEUS_URL', timeout: '3s', retries: 0 }, env);
  return runGate(g, gateContext({ env, metrics }));
}

describe('prometheus gate: impossible values', () => {
  it.each([
    ['+Inf', '< 0.01'],
    ['+Inf', '> 0'],
    ['-Inf', '< 0.01'],
    ['1e309', '>= 0.95'],
    ['-5', '< 0.01'],
    ['-0.001', '<= 0'],
  ])('%s against "%s" is inconclusive: impossible-value', async (value, expected) => {
    const r = await run(expected, { body: vectorBody([value]) });
    expect(r).toMatchObject({ verdict: 'inconclusive', reason: 'impossible-value' });
    expect(r.summary).toMatch(/^impossible value /);
  });

  it('a negative value is judged when the comparison itself names a negative number', async () => {
    expect(await run('> -0.05', { body: vectorBody(['-0.01']) })).toMatchObject({ verdict: 'pass', reason: 'ok' });
    expect(await run('> -0.05', { body: vectorBody(['-0.2']) })).toMatchObject({
      verdict: 'fail',
      reason: 'threshold',
    });
    // ±Inf is never judged, whatever the comparison.
    expect(await run('> -0.05', { body: vectorBody(['-Inf']) })).toMatchObject({
      verdict: 'inconclusive',
      reason: 'impossible-value',
    });
  });

  it('one impossible series among several makes the gate inconclusive and says how many', async () => {
    const r = await run('< 0.01', { body: vectorBody(['0.001', '-3', '0.002']) }, 'any');
    expect(r).toMatchObject({ verdict: 'inconclusive', reason: 'impossible-value' });
    expect(r.summary).toContain('(1 of 3 series)');
  });

  it('zero is a possible value', async () => {
    expect(await run('< 0.01', { body: vectorBody(['0']) })).toMatchObject({ verdict: 'pass' });
  });
});

describe('prometheus gate: unreadable answers', () => {
  it('a 200 scalar of the wrong shape is malformed, with the problem in the summary', async () => {
    const r = await run('< 0.01', {
      body: JSON.stringify({ status: 'success', data: { resultType: 'scalar', result: [1] } }),
    });
    expect(r).toMatchObject({ verdict: 'inconclusive', reason: 'malformed' });
    expect(r.summary).toContain('data.result is a list, not a [time, "value"] pair');
  });

  it('a string result is a query that yields no number: the gate fails (waiting will not fix it)', async () => {
    const r = await run('< 0.01', {
      body: JSON.stringify({ status: 'success', data: { resultType: 'string', result: [1, 'hi'] } }),
    });
    expect(r).toMatchObject({ verdict: 'fail', reason: 'bad-query' });
  });

  it('a 500 with an HTML page stays an HTTP error', async () => {
    const r = await run('< 0.01', { status: 500, body: '<html>oops</html>', contentType: 'text/html' });
    expect(r).toMatchObject({ verdict: 'inconclusive', reason: 'http-error' });
  });
});
