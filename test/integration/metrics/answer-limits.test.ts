import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrometheusSource } from '../../../src/metrics/prometheus.js';
import { startFakePrometheus, vectorBody, type FakePrometheus } from './fake-prometheus.js';

/** The adapter against bodies that are too big or never end: bounded in size and in time. */
let fake: FakePrometheus;

beforeAll(async () => {
  fake = await startFakePrometheus();
});
afterAll(async () => {
  await fake?.stop();
});

const pad = 'x'.repeat(3 * 1024 * 1024);
const big = JSON.stringify({
  status: 'success',
  data: { resultType: 'vector', result: [{ metric: { pad }, value: [1, '1'] }] },
});

describe('answer size', () => {
  it('a body above the size limit is malformed (not a crash, not an unreachable server) and is not retried', async () => {
    fake.answer(() => ({ body: big }));
    const source = createPrometheusSource({
      url: fake.url,
      env: {},
      maxBodyBytes: 1024 * 1024,
      retry: { retries: 2, baseDelayMs: 10 },
    });
    const outcome = await source.instant('up', { timeoutMs: 5000 });
    expect(outcome).toMatchObject({
      kind: 'malformed',
      status: 200,
      problem: 'the body is larger than 1 MiB, the most an answer may be',
      attempts: 1,
    });
  });

  it('the same body under the default limit is read', async () => {
    fake.answer(() => ({ body: big }));
    const source = createPrometheusSource({ url: fake.url, env: {} });
    const outcome = await source.instant('up', { timeoutMs: 5000 });
    expect(outcome.kind).toBe('ok');
  });

  it('a body that trickles forever ends at the deadline as a timeout', async () => {
    fake.answer(() => ({ body: vectorBody(['1']), trickle: { bytes: 1, everyMs: 50 } }));
    const source = createPrometheusSource({ url: fake.url, env: {}, retry: { retries: 1, baseDelayMs: 10 } });
    const outcome = await source.instant('up', { timeoutMs: 600 });
    // The deadline, not the trickle, ended it: the one attempt used all of it, so no retry was started.
    expect(outcome).toMatchObject({ kind: 'timeout', timeoutMs: 600, attempts: 1 });
  });
});
