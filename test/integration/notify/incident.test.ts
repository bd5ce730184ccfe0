import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { dispatchEvent, flushOutbox } from '../../../src/notify/dispatch.js';
import {
  createFileIncidentLedger,
  createIncidentNotifier,
  createMemoryIncidentLedger,
  type IncidentLedger,
} from '../../../src/notify/incident.js';
import { createMemoryOutbox } from '../../../src/notify/outbox.js';
import type { PagerDutyOptions } from '../../../src/notify/pagerduty.js';
import { createSlackApi, preloadSlackClient } from '../../../src/notify/slack.js';
import { startSlackRecorder, type SlackRecorder } from '../../helpers/slack-recorder.js';
import { createTestClock, rollbackEvent } from '../../unit/notify/fixtures.js';

const TOKEN = 'xoxb-CANARY-incident-0042';
const ROUTING_KEY = 'R0UTING-CANARY-7f3a9c';
const CHANNEL = 'inc-v2-1-0-20260314-0926';

// Deadline for tests that are not about deadlines: the 2 s default is too tight on a loaded 2-core machine.
const ROOMY_DEADLINE_MS = 10_000;
let recorder: SlackRecorder;
// Load the SDK once up front so its load time does not eat into the delivery deadlines below.
beforeAll(() => preloadSlackClient());
beforeEach(async () => {
  recorder = await startSlackRecorder();
});
afterEach(async () => {
  await recorder.stop();
});

function incidentNotifier(ledger: IncidentLedger, options: { slack?: boolean; pagerduty?: boolean } = { slack: true }) {
  const slack =
    options.slack === true
      ? { api: createSlackApi({ token: TOKEN, apiUrl: recorder.url, minRetryDelayMs: 20 }), channelPrefix: 'inc' }
      : undefined;
  const pagerduty: PagerDutyOptions | undefined =
    options.pagerduty === true ? { url: recorder.pagerdutyUrl, routingKey: ROUTING_KEY } : undefined;
  return createIncidentNotifier({ ledger, slack, pagerduty, secrets: [TOKEN] });
}

const methods = () => recorder.calls.map((c) => c.method);

describe('incident for a rollback', () => {
  it('creates the channel, posts the summary and pins it', async () => {
    const notifier = incidentNotifier(createMemoryIncidentLedger());
    const result = await dispatchEvent(rollbackEvent(), {
      deadlineMs: ROOMY_DEADLINE_MS,
      notifiers: [notifier],
      outbox: createMemoryOutbox(),
    });
    expect(result.delivered).toEqual(['incident']);
    expect(methods()).toEqual(['conversations.create', 'chat.postMessage', 'pins.add']);
    const [create, post, pin] = recorder.calls;
    expect(create?.body).toMatchObject({ name: CHANNEL, is_private: 'false' });
    expect(post?.body.channel).toBe('C0INC1');
    expect(JSON.stringify(post?.body.blocks)).toContain('v2.1.0:rb-7');
    expect(pin?.body).toEqual({ channel: 'C0INC1', timestamp: '1700000002.000002' });
  });

  it('is opened exactly once across a failed attempt, its retry and a repeated rollback event', async () => {
    const ledger = createMemoryIncidentLedger();
    const outbox = createMemoryOutbox();
    const clock = createTestClock();
    recorder.respondWith('chat.postMessage', { status: 500 }, 3);
    const first = await dispatchEvent(rollbackEvent(), {
      deadlineMs: ROOMY_DEADLINE_MS,
      notifiers: [incidentNotifier(ledger)],
      outbox,
      clock,
    });
    expect(first.queued).toEqual(['incident']);
    expect(outbox.entries[0]?.lastError).toBe('incident: slack: HTTP 500');
    expect(ledger.records.get('v2.1.0:rb-7')).toMatchObject({ channelId: 'C0INC1', channelName: CHANNEL });

    clock.advance(60_000);
    expect(await flushOutbox({ notifiers: [incidentNotifier(ledger)], outbox, clock })).toMatchObject({
      delivered: 1,
      remaining: 0,
    });
    await dispatchEvent(rollbackEvent(), {
      deadlineMs: ROOMY_DEADLINE_MS,
      notifiers: [incidentNotifier(ledger)],
      outbox,
      clock,
    });
    expect(recorder.callsOf('conversations.create')).toHaveLength(1);
    expect(recorder.callsOf('pins.add')).toHaveLength(1);
    expect(methods().filter((m) => m === 'chat.postMessage')).toHaveLength(4);
    expect(ledger.records.get('v2.1.0:rb-7')).toMatchObject({ messageTs: expect.any(String), pinned: true });
  });

  it('remembers progress on disk, so a new process does not open a second incident', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rollout-incident-'));
    try {
      recorder.respondWith('pins.add', { status: 500 }, 3);
      await dispatchEvent(rollbackEvent(), {
        deadlineMs: ROOMY_DEADLINE_MS,
        notifiers: [incidentNotifier(createFileIncidentLedger(dir))],
        outbox: createMemoryOutbox(),
      });
      const retry = await dispatchEvent(rollbackEvent(), {
        deadlineMs: ROOMY_DEADLINE_MS,
        notifiers: [incidentNotifier(createFileIncidentLedger(dir))],
        outbox: createMemoryOutbox(),
      });
      expect(retry.delivered).toEqual(['incident']);
      expect(methods()).toEqual([
        'conversations.create',
        'chat.postMessage',
        'pins.add',
        'pins.add',
        'pins.add',
        'pins.add',
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('serialises a background delivery and a concurrent flush of the same incident', async () => {
    const notifier = incidentNotifier(createMemoryIncidentLedger());
    const outbox = createMemoryOutbox();
    const background = await dispatchEvent(rollbackEvent(), {
      deadlineMs: ROOMY_DEADLINE_MS,
      notifiers: [notifier],
      outbox,
      fireAndForget: true,
    });
    const flushed = flushOutbox({ notifiers: [notifier], outbox, force: true });
    await Promise.all([background.settled, flushed]);
    expect(recorder.callsOf('conversations.create')).toHaveLength(1);
    expect(recorder.callsOf('pins.add')).toHaveLength(1);
  });

  it('uses a suffixed channel name when the name is taken', async () => {
    recorder.respondWith('conversations.create', { error: 'name_taken' }, 1);
    const ledger = createMemoryIncidentLedger();
    const result = await dispatchEvent(rollbackEvent(), {
      deadlineMs: ROOMY_DEADLINE_MS,
      notifiers: [incidentNotifier(ledger)],
      outbox: createMemoryOutbox(),
    });
    expect(result.delivered).toEqual(['incident']);
    expect(recorder.callsOf('conversations.create').map((c) => c.body.name)).toEqual([CHANNEL, `${CHANNEL}-2`]);
    expect(ledger.records.get('v2.1.0:rb-7')?.channelName).toBe(`${CHANNEL}-2`);
  });

  it('gives up after a few taken names and keeps the entry for a human-fixable retry', async () => {
    recorder.respondWith('conversations.create', { error: 'name_taken' });
    const outbox = createMemoryOutbox();
    const result = await dispatchEvent(rollbackEvent(), {
      deadlineMs: ROOMY_DEADLINE_MS,
      notifiers: [incidentNotifier(createMemoryIncidentLedger())],
      outbox,
    });
    expect(result.queued).toEqual(['incident']);
    expect(recorder.callsOf('conversations.create')).toHaveLength(5);
    expect(outbox.entries[0]?.lastError).toBe('incident: slack: name_taken');
  });
});

describe('PagerDuty trigger', () => {
  it('posts an Events v2 trigger with the incident dedup_key', async () => {
    const result = await dispatchEvent(rollbackEvent(), {
      deadlineMs: ROOMY_DEADLINE_MS,
      notifiers: [incidentNotifier(createMemoryIncidentLedger(), { pagerduty: true })],
      outbox: createMemoryOutbox(),
    });
    expect(result.delivered).toEqual(['incident']);
    const [call] = recorder.callsOf('pagerduty');
    expect(call?.headers['content-type']).toBe('application/json');
    expect(call?.body).toMatchObject({
      routing_key: ROUTING_KEY,
      event_action: 'trigger',
      dedup_key: 'v2.1.0:rb-7',
      payload: {
        summary: expect.stringContaining('ROLLBACK'),
        source: 'rollout',
        severity: 'critical',
        custom_details: { flag: 'reserves_v1.1', mode: 'immediate' },
      },
    });
  });

  it('retries a failed page with the same dedup_key, without reopening the Slack channel or leaking the key', async () => {
    recorder.respondWith('pagerduty', { status: 503 }, 1);
    const ledger = createMemoryIncidentLedger();
    const outbox = createMemoryOutbox();
    const first = await dispatchEvent(rollbackEvent(), {
      deadlineMs: ROOMY_DEADLINE_MS,
      notifiers: [incidentNotifier(ledger, { slack: true, pagerduty: true })],
      outbox,
    });
    expect(first.queued).toEqual(['incident']);
    expect(outbox.entries[0]?.lastError).toBe('incident: pagerduty: HTTP 503');
    expect(
      await flushOutbox({
        notifiers: [incidentNotifier(ledger, { slack: true, pagerduty: true })],
        outbox,
        force: true,
      }),
    ).toMatchObject({ delivered: 1 });
    expect(recorder.callsOf('pagerduty').map((c) => c.body.dedup_key)).toEqual(['v2.1.0:rb-7', 'v2.1.0:rb-7']);
    expect(recorder.callsOf('conversations.create')).toHaveLength(1);
    expect(JSON.stringify([first, outbox.entries])).not.toContain(ROUTING_KEY);
  });

  it('treats an unreachable endpoint as retryable without the key in the error', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const notifier = createIncidentNotifier({
      ledger: createMemoryIncidentLedger(),
      pagerduty: { url: `http://127.0.0.1:${port}/v2/enqueue`, routingKey: ROUTING_KEY },
    });
    const result = await notifier.send(rollbackEvent());
    expect(result).toMatchObject({ status: 'failed', retryable: true, error: 'incident: pagerduty: ECONNREFUSED' });
    expect(JSON.stringify(result)).not.toContain(ROUTING_KEY);
  });
});
