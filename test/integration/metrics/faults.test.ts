import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createPrometheusSource } from '../../../src/metrics/prometheus.js';
import { freePort, startPrometheus } from '../../helpers/prometheus.js';
import type { PrometheusInstance } from '../../helpers/prometheus.js';
import { startSlowProxy } from '../../helpers/slow-proxy.js';
import type { SlowProxy } from '../../helpers/slow-proxy.js';

// Faults are checked for their kind and for being bounded. "elapsed < timeout × 1.5" is a bound that a
// hanging request without a deadline would break; it is not a speed target.

let prom: PrometheusInstance;
let proxy: SlowProxy | undefined;
const noToken = {};

beforeAll(async () => {
  const now = Math.floor(Date.now() / 1000);
  prom = await startPrometheus({ series: [{ name: 'up_probe', samples: [{ t: now - 30, v: 1 }] }] });
});

afterEach(async () => {
  await proxy?.stop();
  proxy = undefined;
});

afterAll(async () => {
  await prom?.stop();
});

describe('server down', () => {
  it('is unreachable (connection refused), retried a bounded number of times', async () => {
    const port = await freePort();
    const source = createPrometheusSource({
      url: `http://127.0.0.1:${port}`,
      env: noToken,
      retry: { retries: 2, baseDelayMs: 20 },
    });
    const outcome = await source.instant('vector(1)', { timeoutMs: 5000 });
    expect(outcome.kind).toBe('unreachable');
    if (outcome.kind === 'unreachable') expect(outcome.code).toBe('ECONNREFUSED');
    expect(outcome.attempts).toBe(3);
    const online = await source.checkOnline({ timeoutMs: 2000 });
    expect(online.online).toBe(false);
    expect(online.outcome.kind).toBe('unreachable');
  });

  it('is unreachable when the name does not resolve', async () => {
    const source = createPrometheusSource({
      url: 'http://prometheus.invalid:9090',
      env: noToken,
      retry: { retries: 0 },
    });
    const outcome = await source.instant('vector(1)', { timeoutMs: 5000 });
    expect(outcome.kind).toBe('unreachable');
    if (outcome.kind === 'unreachable') expect(['ENOTFOUND', 'EAI_AGAIN']).toContain(outcome.code);
  });
});

describe('slow server behind a proxy', () => {
  it('returns timeout near the deadline when the server hangs', async () => {
    proxy = await startSlowProxy({ target: prom.url, delayMs: 0, mode: 'hang' });
    const source = createPrometheusSource({ url: proxy.url, env: noToken });
    const outcome = await source.instant('vector(1)', { timeoutMs: 1000 });
    expect(outcome.kind).toBe('timeout');
    if (outcome.kind === 'timeout') {
      expect(outcome.timeoutMs).toBe(1000);
      expect(outcome.source).toBe('client');
    }
    // The whole budget went to one attempt: there is no time left for a retry.
    expect(outcome.attempts).toBe(1);
    expect(proxy.requests).toBe(1);
  });

  it('returns timeout when the answer comes after the deadline', async () => {
    proxy = await startSlowProxy({ target: prom.url, delayMs: 3000, mode: 'delay' });
    const source = createPrometheusSource({ url: proxy.url, env: noToken, timeoutMs: 800 });
    const outcome = await source.instant('vector(1)');
    expect(outcome).toMatchObject({ kind: 'timeout', timeoutMs: 800, attempts: 1 });
    // It gave up at its own deadline, while the server was still holding the answer back.
    expect(proxy.requests).toBe(1);
  });

  it('answers normally through the proxy when the delay fits in the deadline', async () => {
    proxy = await startSlowProxy({ target: prom.url, delayMs: 100, mode: 'delay' });
    const source = createPrometheusSource({ url: proxy.url, env: noToken });
    const outcome = await source.instant('up_probe', { timeoutMs: 10_000 });
    expect(outcome.kind).toBe('ok');
    expect(outcome.durationMs).toBeGreaterThanOrEqual(100);
  });

  it('bounds a range query too', async () => {
    proxy = await startSlowProxy({ target: prom.url, delayMs: 0, mode: 'hang' });
    const source = createPrometheusSource({ url: proxy.url, env: noToken });
    const end = new Date();
    const outcome = await source.range('up_probe', {
      start: new Date(end.getTime() - 600_000),
      end,
      stepSeconds: 60,
      timeoutMs: 700,
    });
    expect(outcome).toMatchObject({ kind: 'timeout', timeoutMs: 700, source: 'client', attempts: 1 });
    expect(proxy.requests).toBe(1);
  });
});

describe('HTTP errors', () => {
  it('reports 500 as http-error after retries + 1 attempts, and the proxy saw exactly those', async () => {
    proxy = await startSlowProxy({ target: prom.url, delayMs: 0, mode: '500' });
    const source = createPrometheusSource({ url: proxy.url, env: noToken, retry: { retries: 2, baseDelayMs: 20 } });
    const outcome = await source.instant('vector(1)');
    expect(outcome.kind).toBe('http-error');
    if (outcome.kind === 'http-error') {
      expect(outcome.status).toBe(500);
      expect(outcome.bodyExcerpt).toContain('simulated failure');
    }
    expect(outcome.attempts).toBe(3);
    expect(proxy.requests).toBe(3);
  });

  it('does not retry when retries is 0', async () => {
    proxy = await startSlowProxy({ target: prom.url, delayMs: 0, mode: '500' });
    const source = createPrometheusSource({ url: proxy.url, env: noToken, retry: { retries: 0 } });
    const outcome = await source.instant('vector(1)');
    expect(outcome.kind).toBe('http-error');
    expect(outcome.attempts).toBe(1);
    expect(proxy.requests).toBe(1);
  });

  it('recovers within its retries when the server heals', async () => {
    proxy = await startSlowProxy({ target: prom.url, delayMs: 0, mode: '500' });
    const healing = proxy;
    const source = createPrometheusSource({
      url: proxy.url,
      env: noToken,
      retry: { retries: 3, baseDelayMs: 20 },
      // Heal the server while the client backs off after its first failure.
      sleep: async (ms) => {
        healing.set('delay', 0);
        await new Promise((resolve) => setTimeout(resolve, ms));
      },
    });
    const outcome = await source.instant('up_probe');
    expect(outcome.kind).toBe('ok');
    expect(outcome.attempts).toBe(2);
  });

  it('stops retrying when the deadline leaves no room for another attempt', async () => {
    proxy = await startSlowProxy({ target: prom.url, delayMs: 300, mode: '500' });
    const source = createPrometheusSource({ url: proxy.url, env: noToken, retry: { retries: 10, baseDelayMs: 200 } });
    const outcome = await source.instant('vector(1)', { timeoutMs: 1000 });
    expect(['http-error', 'timeout']).toContain(outcome.kind);
    // Ten retries allowed, but each 300 ms answer plus backoff leaves no room for a fourth within 1 s.
    expect(outcome.attempts).toBeLessThan(4);
    expect(proxy.requests).toBe(outcome.attempts);
  });

  it('never shows the bearer token, even in an error', async () => {
    proxy = await startSlowProxy({ target: prom.url, delayMs: 0, mode: '500' });
    const token = 'tok-9f8e7d6c5b4a';
    const source = createPrometheusSource({ url: proxy.url, env: { PROMETHEUS_TOKEN: token }, retry: { retries: 0 } });
    const outcome = await source.instant('vector(1)');
    expect(outcome.kind).toBe('http-error');
    expect(JSON.stringify(outcome)).not.toContain(token);
  });
});
