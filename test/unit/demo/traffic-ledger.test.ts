import { describe, expect, it } from 'vitest';
import { createSimulationClock } from '../../../src/demo/sim-clock.js';
import {
  computeHistogramQuantile,
  createTrafficLedger,
  LATENCY_FINITE_BUCKETS,
  latencyBucket,
  MINUTE_MS,
  windowMinutes,
} from '../../../src/demo/traffic-ledger.js';

const T = Date.parse('2026-03-02T10:00:00Z');
const minute = (ms: number) => Math.floor(ms / MINUTE_MS);

describe('traffic ledger', () => {
  it('a window (t − w, t] covers exactly the minutes that ended inside it', () => {
    expect(windowMinutes(T, 10 * MINUTE_MS)).toEqual({ first: minute(T) - 9, last: minute(T) });
    expect(windowMinutes(T, 60_000)).toEqual({ first: minute(T), last: minute(T) });
    const ledger = createTrafficLedger();
    for (let k = 0; k < 30; k++) ledger.arm(minute(T) - k, 'a').counts[0] = k + 1; // minute T−k served k+1 requests
    expect(ledger.sum('requests', 'a', T, 60_000)).toEqual({ value: 1, seen: true });
    expect(ledger.sum('requests', 'a', T, 10 * MINUTE_MS).value).toBe(55);
    expect(ledger.sum('requests', 'a', T - 10 * MINUTE_MS, 10 * MINUTE_MS).value).toBe(155);
    expect(ledger.sum('requests', 'b', T, 10 * MINUTE_MS)).toEqual({ value: 0, seen: false });
    expect(ledger.sum('requests', 'a', T + 60 * MINUTE_MS, 10 * MINUTE_MS).seen).toBe(false);
    expect(ledger.totals()).toEqual({ a: 465 });
  });

  it('histogram_quantile interpolates inside the bucket as Prometheus does', () => {
    const h = new Uint32Array(LATENCY_FINITE_BUCKETS + 1);
    h[latencyBucket(3)] = 10; // (0, 5] ms
    h[latencyBucket(7)] = 10; // (5, 10] ms
    expect(computeHistogramQuantile(0.5, h)).toBe(5);
    expect(computeHistogramQuantile(0.75, h)).toBe(7.5);
    expect(computeHistogramQuantile(0.95, h)).toBe(9.5);
    const slow = new Uint32Array(LATENCY_FINITE_BUCKETS + 1);
    slow[latencyBucket(10_000)] = 5;
    expect(latencyBucket(10_000)).toBe(LATENCY_FINITE_BUCKETS);
    expect(computeHistogramQuantile(0.5, slow)).toBe(LATENCY_FINITE_BUCKETS * 5); // the largest finite bound
    expect(computeHistogramQuantile(0.5, new Uint32Array(LATENCY_FINITE_BUCKETS + 1))).toBeNaN();
  });
});

describe('simulation clock', () => {
  it('serves every whole minute that passes while sleeping, and none that a jump skips', async () => {
    const served: number[] = [];
    const clock = createSimulationClock(new Date(T + 12_345), async (end) => void served.push(end));
    expect(clock.now().getTime()).toBe(T); // rounded down to the minute
    await clock.sleep(150_000);
    expect(served).toEqual([T + 60_000, T + 120_000]);
    clock.jump(7 * 24 * 3600_000);
    await clock.simulate(60_000);
    expect(served).toHaveLength(3);
    expect(served[2]).toBe(T + 7 * 24 * 3600_000 + 180_000);
    expect(clock.simulatedMinutes).toBe(3);
  });
});
