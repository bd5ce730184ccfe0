import { describe, expect, it } from 'vitest';
import { dispatchEvent, flushOutbox } from '../../../src/notify/dispatch.js';
import { createMemoryOutbox } from '../../../src/notify/outbox.js';
import type { DeliveryResult } from '../../../src/notify/types.js';
import { createTestClock, rollbackEvent, scriptedNotifier, stageEvent } from './fixtures.js';

const FAIL_500: DeliveryResult = { status: 'failed', retryable: true, error: 'HTTP 500' };

describe('flushOutbox deadline', () => {
  it('bounds the whole flush, not each attempt: two hanging targets cost one deadline, and nothing is dropped', async () => {
    const clock = createTestClock();
    const outbox = createMemoryOutbox();
    for (const name of ['slack', 'incident']) {
      await dispatchEvent(stageEvent(), { notifiers: [scriptedNotifier(name, [FAIL_500]).notifier], outbox, clock });
      await dispatchEvent(rollbackEvent(), { notifiers: [scriptedNotifier(name, [FAIL_500]).notifier], outbox, clock });
    }
    expect(outbox.entries).toHaveLength(4);
    const slack = scriptedNotifier('slack', [], 'hang' as never);
    const incident = scriptedNotifier('incident', [], 'hang' as never);
    const result = await flushOutbox({
      notifiers: [slack.notifier, incident.notifier],
      outbox,
      clock,
      force: true,
      deadlineMs: 400,
    });
    // One deadline for the whole flush, shown by what was attempted rather than by how long it took:
    // with per-attempt deadlines incident's entries would have been sent after slack's timed out.
    expect(slack.sent).toHaveLength(1);
    expect(incident.sent).toHaveLength(0);
    // slack's first attempt used the whole budget (its later entry waits: the target is down); incident's were not tried
    expect(result).toMatchObject({ delivered: 0, failed: 1, remaining: 4 });
    expect(result.errors).toEqual([
      'flush deadline of 400 ms reached: 2 notification(s) not attempted, still in the outbox',
    ]);
    expect(outbox.entries).toHaveLength(4);
  });

  it('a flush that finishes in time reports no deadline problem', async () => {
    const clock = createTestClock();
    const outbox = createMemoryOutbox();
    await dispatchEvent(stageEvent(), { notifiers: [scriptedNotifier('slack', [FAIL_500]).notifier], outbox, clock });
    const result = await flushOutbox({
      notifiers: [scriptedNotifier('slack', []).notifier],
      outbox,
      clock,
      force: true,
      deadlineMs: 400,
    });
    expect(result).toEqual({ delivered: 1, failed: 0, remaining: 0, errors: [] });
  });
});
