import { describe, expect, it } from 'vitest';
import { runWithRetries } from '../../../src/metrics/retry.js';
import type { QueryOutcome } from '../../../src/metrics/types.js';

const base = { query: 'q', url: 'u', durationMs: 0, attempts: 0 };
const refused: QueryOutcome = { ...base, kind: 'unreachable', code: 'ECONNREFUSED', message: '' };
const notFound: QueryOutcome = { ...base, kind: 'http-error', status: 404, bodyExcerpt: '' };
const ok: QueryOutcome = { ...base, kind: 'empty' };

/** A fake clock: sleeping advances time instantly and records the delays. */
function fakeClock() {
  let now = 0;
  const sleeps: number[] = [];
  return {
    now: () => now,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    },
    sleeps,
  };
}

describe('runWithRetries', () => {
  const policy = { retries: 2, baseDelayMs: 200, maxDelayMs: 2000 };

  it('makes at most retries + 1 attempts on transient failures, backing off exponentially', async () => {
    const clock = fakeClock();
    let calls = 0;
    const result = await runWithRetries(async () => (calls++, refused), policy, {
      ...clock,
      deadline: 10_000,
      random: () => 1,
    });
    expect(result).toEqual({ outcome: refused, attempts: 3 });
    expect(calls).toBe(3);
    expect(clock.sleeps).toEqual([200, 400]);
  });

  it('does not retry final outcomes (4xx, data)', async () => {
    for (const final of [notFound, ok]) {
      const clock = fakeClock();
      const result = await runWithRetries(async () => final, policy, { ...clock, deadline: 10_000 });
      expect(result.attempts).toBe(1);
      expect(clock.sleeps).toEqual([]);
    }
  });

  it('returns the first final outcome after a transient one', async () => {
    const answers = [refused, ok];
    const result = await runWithRetries(async () => answers.shift() as QueryOutcome, policy, {
      ...fakeClock(),
      deadline: 10_000,
    });
    expect(result).toEqual({ outcome: ok, attempts: 2 });
  });

  it('never sleeps past the deadline', async () => {
    const clock = fakeClock();
    const result = await runWithRetries(
      async () => refused,
      { ...policy, retries: 100 },
      { ...clock, deadline: 1000, random: () => 1 },
    );
    expect(clock.now()).toBeLessThanOrEqual(1000);
    expect(result.attempts).toBeLessThan(5);
  });

  it('caps a single backoff at maxDelayMs', async () => {
    const clock = fakeClock();
    await runWithRetries(
      async () => refused,
      { retries: 6, baseDelayMs: 500, maxDelayMs: 1000 },
      { ...clock, deadline: 1e9, random: () => 1 },
    );
    expect(Math.max(...clock.sleeps)).toBe(1000);
  });
});
