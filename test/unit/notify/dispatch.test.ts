import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computeBackoffMs, dispatchEvent, flushOutbox } from '../../../src/notify/dispatch.js';
import { createMemoryOutbox } from '../../../src/notify/outbox.js';
import type { DeliveryResult, Notifier, Outbox } from '../../../src/notify/types.js';
import { createTestClock, rollbackEvent, scriptedNotifier, stageEvent } from './fixtures.js';

const BACKOFF = { baseMs: 1000, maxMs: 60_000 };
const FAIL_500: DeliveryResult = { status: 'failed', retryable: true, error: 'slack: HTTP 500' };

describe('computeBackoffMs', () => {
  it('doubles per attempt and never exceeds the cap', () => {
    expect([1, 2, 3, 4].map((n) => computeBackoffMs(n, BACKOFF))).toEqual([1000, 2000, 4000, 8000]);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 200 }), (n) => {
        const ms = computeBackoffMs(n, BACKOFF);
        expect(ms).toBeLessThanOrEqual(BACKOFF.maxMs);
        expect(computeBackoffMs(n + 1, BACKOFF)).toBeGreaterThanOrEqual(ms);
      }),
    );
  });
});

describe('dispatchEvent', () => {
  it('delivers to every notifier and leaves the outbox empty', async () => {
    const outbox = createMemoryOutbox();
    const a = scriptedNotifier('slack', []);
    const b = scriptedNotifier('console', []);
    const result = await dispatchEvent(stageEvent(), {
      notifiers: [a.notifier, b.notifier],
      outbox,
      clock: createTestClock(),
    });
    expect(result).toMatchObject({ delivered: ['slack', 'console'], queued: [], errors: [] });
    expect(outbox.entries).toEqual([]);
    expect(a.sent).toEqual([stageEvent()]);
  });

  it('writes the outbox entry before attempting delivery', async () => {
    const outbox = createMemoryOutbox();
    let seenDuringSend = -1;
    const notifier: Notifier = {
      name: 'slack',
      async send() {
        seenDuringSend = outbox.entries.length;
        return { status: 'delivered' };
      },
    };
    await dispatchEvent(stageEvent(), { notifiers: [notifier], outbox });
    expect(seenDuringSend).toBe(1);
    expect(outbox.entries).toEqual([]);
  });

  it('keeps a failed notification with its error and the next attempt time; Retry-After wins when longer', async () => {
    const clock = createTestClock();
    const outbox = createMemoryOutbox();
    const slack = scriptedNotifier('slack', [FAIL_500]);
    const limited = scriptedNotifier('other', [
      { status: 'failed', retryable: true, error: 'rate limited', retryAfterMs: 30_000 },
    ]);
    const result = await dispatchEvent(stageEvent(), {
      notifiers: [slack.notifier, limited.notifier],
      outbox,
      clock,
      backoff: BACKOFF,
    });
    expect(result.queued).toEqual(['slack', 'other']);
    const byTarget = Object.fromEntries(outbox.entries.map((e) => [e.target, e]));
    expect(byTarget.slack).toMatchObject({
      attempts: 1,
      lastError: 'slack: HTTP 500',
      nextAttemptAt: clock.now() + 1000,
    });
    expect(byTarget.other).toMatchObject({ attempts: 1, nextAttemptAt: clock.now() + 30_000 });
  });

  it('turns a throwing notifier into a queued entry instead of an exception', async () => {
    const outbox = createMemoryOutbox();
    const result = await dispatchEvent(stageEvent(), {
      notifiers: [scriptedNotifier('slack', ['throw']).notifier],
      outbox,
    });
    expect(result.queued).toEqual(['slack']);
    expect(outbox.entries[0]?.lastError).toBe('boom');
  });

  it('gives up on a hanging notifier at the deadline, aborts it and queues the entry', async () => {
    const outbox = createMemoryOutbox();
    const result = await dispatchEvent(stageEvent(), {
      notifiers: [scriptedNotifier('slack', ['hang']).notifier],
      outbox,
      deadlineMs: 30,
    });
    expect(result.queued).toEqual(['slack']);
    expect(outbox.entries[0]).toMatchObject({
      attempts: 1,
      lastError: expect.stringMatching(/slack: no answer within 30 ms|aborted/),
    });
  });

  it('only targets notifiers that accept the event', async () => {
    const outbox = createMemoryOutbox();
    const incident = {
      ...scriptedNotifier('incident', [FAIL_500]).notifier,
      accepts: (e: { type: string }) => e.type === 'rollback',
    };
    const result = await dispatchEvent(stageEvent(), { notifiers: [incident], outbox });
    expect(result).toMatchObject({ delivered: [], queued: [] });
    expect(outbox.entries).toEqual([]);
  });

  it('fire-and-forget returns once the entry is written, before delivery finishes', async () => {
    const outbox = createMemoryOutbox();
    let release: (r: DeliveryResult) => void = () => undefined;
    const notifier: Notifier = { name: 'slack', send: () => new Promise((resolve) => (release = resolve)) };
    const result = await dispatchEvent(rollbackEvent(), {
      notifiers: [notifier],
      outbox,
      fireAndForget: true,
      deadlineMs: 5000,
    });
    expect(result.queued).toEqual(['slack']);
    expect(outbox.entries.map((e) => e.target)).toEqual(['slack']);
    release({ status: 'delivered' });
    expect(await result.settled).toMatchObject({ delivered: ['slack'], queued: [] });
    expect(outbox.entries).toEqual([]);
  });

  it('reports an outbox that cannot be written instead of throwing, and still delivers', async () => {
    const broken: Outbox = {
      append: () => Promise.reject(new Error('disk full')),
      list: async () => [],
      remove: () => Promise.reject(new Error('disk full')),
      update: () => Promise.reject(new Error('disk full')),
    };
    const result = await dispatchEvent(stageEvent(), {
      notifiers: [scriptedNotifier('slack', []).notifier],
      outbox: broken,
    });
    expect(result.delivered).toEqual(['slack']);
    expect(result.errors).toEqual(['outbox append (slack): disk full', 'outbox remove (slack): disk full']);
  });

  it('never waits longer than the deadline for an outbox write', async () => {
    const stuck: Outbox = {
      append: () => new Promise(() => undefined),
      list: async () => [],
      remove: async () => undefined,
      update: () => new Promise(() => undefined),
    };
    const result = await dispatchEvent(rollbackEvent(), {
      notifiers: [scriptedNotifier('slack', [FAIL_500]).notifier],
      outbox: stuck,
      deadlineMs: 20,
    });
    expect(result.queued).toEqual(['slack']);
    expect(result.errors[0]).toBe('outbox append (slack): timed out');
  });
});

describe('flushOutbox', () => {
  async function queueOne(
    outbox: ReturnType<typeof createMemoryOutbox>,
    clock: ReturnType<typeof createTestClock>,
    toPercent = 25,
    at = stageEvent().at,
  ) {
    await dispatchEvent(stageEvent({ toPercent, at }), {
      notifiers: [scriptedNotifier('slack', [FAIL_500]).notifier],
      outbox,
      clock,
      backoff: BACKOFF,
    });
  }

  it('waits for the backoff, then delivers and removes the entry', async () => {
    const clock = createTestClock();
    const outbox = createMemoryOutbox();
    await queueOne(outbox, clock);
    const slack = scriptedNotifier('slack', []);
    expect(await flushOutbox({ notifiers: [slack.notifier], outbox, clock, backoff: BACKOFF })).toEqual({
      delivered: 0,
      failed: 0,
      remaining: 1,
      errors: [],
    });
    expect(slack.sent).toEqual([]);
    clock.advance(1000);
    expect(await flushOutbox({ notifiers: [slack.notifier], outbox, clock, backoff: BACKOFF })).toEqual({
      delivered: 1,
      failed: 0,
      remaining: 0,
      errors: [],
    });
    expect(slack.sent).toEqual([stageEvent()]);
  });

  it('backs off exponentially on repeated failures', async () => {
    const clock = createTestClock();
    const outbox = createMemoryOutbox();
    await queueOne(outbox, clock);
    const slack = scriptedNotifier('slack', [], FAIL_500);
    const waits: number[] = [];
    for (let i = 0; i < 3; i += 1) {
      const entry = outbox.entries[0];
      if (entry === undefined) throw new Error('entry vanished');
      waits.push(entry.nextAttemptAt - clock.now());
      clock.advance(entry.nextAttemptAt - clock.now());
      expect(await flushOutbox({ notifiers: [slack.notifier], outbox, clock, backoff: BACKOFF })).toMatchObject({
        failed: 1,
        remaining: 1,
      });
    }
    expect(waits).toEqual([1000, 2000, 4000]);
    expect(outbox.entries[0]).toMatchObject({ attempts: 4, lastError: 'slack: HTTP 500' });
  });

  it('delivers oldest first, stops on a target after a retryable failure, and leaves unknown targets alone', async () => {
    const clock = createTestClock();
    const outbox = createMemoryOutbox();
    await queueOne(outbox, clock, 50, '2026-03-14T10:00:00.000Z');
    await queueOne(outbox, clock, 25, '2026-03-14T09:00:00.000Z');
    await dispatchEvent(stageEvent(), { notifiers: [scriptedNotifier('pager', [FAIL_500]).notifier], outbox, clock });
    clock.advance(3_600_000);
    const slack = scriptedNotifier('slack', [FAIL_500]);
    expect(await flushOutbox({ notifiers: [slack.notifier], outbox, clock })).toMatchObject({
      delivered: 0,
      failed: 1,
      remaining: 3,
    });
    expect(slack.sent.map((e) => (e.type === 'stage-changed' ? e.toPercent : -1))).toEqual([25]);
    const again = scriptedNotifier('slack', []);
    clock.advance(3_600_000);
    expect(await flushOutbox({ notifiers: [again.notifier], outbox, clock })).toMatchObject({
      delivered: 2,
      failed: 0,
      remaining: 1,
    });
    expect(again.sent.map((e) => (e.type === 'stage-changed' ? e.toPercent : -1))).toEqual([25, 50]);
  });

  it('force ignores nextAttemptAt', async () => {
    const clock = createTestClock();
    const outbox = createMemoryOutbox();
    await queueOne(outbox, clock);
    expect(
      await flushOutbox({ notifiers: [scriptedNotifier('slack', []).notifier], outbox, clock, force: true }),
    ).toMatchObject({ delivered: 1, remaining: 0 });
  });
});
