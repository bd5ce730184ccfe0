import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { dispatchEvent, flushOutbox } from '../../../src/notify/dispatch.js';
import { createNotifiers } from '../../../src/notify/factory.js';
import { createFileOutbox, createMemoryOutbox, OUTBOX_FILE } from '../../../src/notify/outbox.js';
import { preloadSlackClient } from '../../../src/notify/slack.js';
import { startSlackRecorder, type SlackRecorder } from '../../helpers/slack-recorder.js';
import { createTestClock, rollbackEvent, stageEvent } from '../../unit/notify/fixtures.js';

const BACKOFF = { baseMs: 1000, maxMs: 60_000 };
type Block = { type: string; text?: { text: string }; fields?: { text: string }[] };

// Deadline for tests that are not about deadlines: the 2 s default is too tight on a loaded 2-core machine.
const ROOMY_DEADLINE_MS = 10_000;
let recorder: SlackRecorder;
let token: string;
let consoleLines: string[];

// Load the SDK once up front so its load time does not eat into the delivery deadlines below.
beforeAll(() => preloadSlackClient());
beforeEach(async () => {
  recorder = await startSlackRecorder();
  token = `xoxb-CANARY-${randomBytes(8).toString('hex')}`;
  consoleLines = [];
});
afterEach(async () => {
  await recorder.stop();
});

/** The real factory and WebClient, pointed at the recorder; retries 20 ms apart so 500s resolve quickly. */
function slackNotifiers(apiUrl = recorder.url) {
  const env = { SLACK_BOT_TOKEN: token, SLACK_API_URL: apiUrl };
  return createNotifiers(
    { slack: { channel: 'C0RELEASES' } },
    env,
    { stderr: { write: (s: string) => consoleLines.push(s) } },
    { slackClient: { minRetryDelayMs: 20 } },
  );
}

function allBlockText(blocks: Block[]): string {
  return blocks.flatMap((b) => [b.text?.text ?? '', ...(b.fields ?? []).map((f) => f.text)]).join('\n');
}

describe('Slack notifier with the real WebClient', () => {
  it('posts a Block Kit message with release, percent, actor and reason to the channel', async () => {
    const { notifiers } = slackNotifiers();
    const outbox = createMemoryOutbox();
    const event = {
      type: 'phase-changed' as const,
      release: 'v2.1.0',
      at: stageEvent().at,
      from: 'foundation',
      to: 'core-logic',
      actor: 'alice',
      reason: 'all gates green',
    };
    await dispatchEvent(event, { deadlineMs: ROOMY_DEADLINE_MS, notifiers, outbox });
    const stage = await dispatchEvent(stageEvent(), { deadlineMs: ROOMY_DEADLINE_MS, notifiers, outbox });
    expect(stage.delivered).toEqual(['slack']);
    const [phaseCall, stageCall] = recorder.callsOf('chat.postMessage');
    expect(phaseCall?.body.channel).toBe('C0RELEASES');
    expect(phaseCall?.headers.authorization).toBe(`Bearer ${token}`);
    expect(allBlockText(phaseCall?.body.blocks as Block[])).toContain('*Reason*\nall gates green');
    const stageText = allBlockText(stageCall?.body.blocks as Block[]);
    for (const part of [
      '*Release*\nv2.1.0',
      '*Percent*\n5% → 25%',
      '*Actor*\nalice',
      '*Evidence*\nerror rate pass (p=0.41)',
    ])
      expect(stageText).toContain(part);
    expect(stageCall?.body.text).toBe('v2.1.0: stage 5% → 25% (reserves_v1.1)');
    expect(outbox.entries).toEqual([]);
  });

  it('surfaces a 429 at once, keeps the entry until Retry-After has passed, and a later flush delivers it', async () => {
    const { notifiers } = slackNotifiers();
    const outbox = createMemoryOutbox();
    const clock = createTestClock();
    recorder.respondWith('chat.postMessage', { status: 429, retryAfter: 3 }, 1);
    const result = await dispatchEvent(stageEvent(), {
      deadlineMs: ROOMY_DEADLINE_MS,
      notifiers,
      outbox,
      clock,
      backoff: BACKOFF,
    });
    expect(result.queued).toEqual(['slack']);
    expect(recorder.callsOf('chat.postMessage')).toHaveLength(1);
    expect(outbox.entries[0]).toMatchObject({
      attempts: 1,
      lastError: 'slack: rate limited (retry after 3s)',
      nextAttemptAt: clock.now() + 3000,
    });
    clock.advance(2000);
    expect(await flushOutbox({ notifiers, outbox, clock })).toMatchObject({ delivered: 0, remaining: 1 });
    clock.advance(1000);
    expect(await flushOutbox({ notifiers, outbox, clock })).toMatchObject({ delivered: 1, failed: 0, remaining: 0 });
    expect(recorder.callsOf('chat.postMessage')).toHaveLength(2);
  });

  it('retries a 500 twice inside the client, then queues it for the outbox', async () => {
    const { notifiers } = slackNotifiers();
    const outbox = createMemoryOutbox();
    const clock = createTestClock();
    recorder.respondWith('*', { status: 500 }, 3);
    const result = await dispatchEvent(stageEvent(), {
      deadlineMs: ROOMY_DEADLINE_MS,
      notifiers,
      outbox,
      clock,
      backoff: BACKOFF,
    });
    expect(result.queued).toEqual(['slack']);
    expect(recorder.callsOf('chat.postMessage')).toHaveLength(3);
    expect(outbox.entries[0]).toMatchObject({ attempts: 1, lastError: 'slack: HTTP 500' });
    clock.advance(1000);
    expect(await flushOutbox({ notifiers, outbox, clock })).toMatchObject({ delivered: 1, remaining: 0 });
  });

  it('returns at the deadline when Slack hangs, with the entry in the outbox', async () => {
    const { notifiers } = slackNotifiers();
    const outbox = createMemoryOutbox();
    recorder.respondWith('*', 'hang');
    const result = await dispatchEvent(stageEvent(), { notifiers, outbox, deadlineMs: 300 });
    // Ordering, not duration: the dispatch came back while Slack still held the first request open,
    // before the client could retry (without the deadline it would wait 3 × 5 s plus backoff).
    expect(recorder.calls).toHaveLength(1);
    expect(result.queued).toEqual(['slack']);
    expect(outbox.entries[0]?.lastError).toMatch(/no answer within 300 ms|deadline exceeded/);
    recorder.respondWith('*', 'ok');
    expect(await flushOutbox({ notifiers, outbox, force: true })).toMatchObject({ delivered: 1, remaining: 0 });
  });

  it('rollback path: fire-and-forget returns after the outbox write while Slack hangs', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rollout-notify-'));
    try {
      const { notifiers } = slackNotifiers();
      const outbox = createFileOutbox(dir);
      recorder.respondWith('*', 'hang');
      const result = await dispatchEvent(rollbackEvent(), { notifiers, outbox, fireAndForget: true, deadlineMs: 200 });
      expect(result.queued).toEqual(['slack', 'incident']);
      expect((await createFileOutbox(dir).list()).map((e) => e.target).sort()).toEqual(['incident', 'slack']);
      const final = await result.settled;
      expect(final.queued.sort()).toEqual(['incident', 'slack']);
      expect((await outbox.list()).every((e) => e.attempts === 1)).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('never lets the token reach outbox entries, errors, results or logs', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rollout-notify-'));
    const written: string[] = [];
    const spies = [
      vi.spyOn(process.stderr, 'write').mockImplementation((s) => (written.push(String(s)), true)),
      vi.spyOn(process.stdout, 'write').mockImplementation((s) => (written.push(String(s)), true)),
      ...(['log', 'info', 'warn', 'error', 'debug'] as const).map((m) =>
        vi.spyOn(console, m).mockImplementation((...a: unknown[]) => void written.push(a.map(String).join(' '))),
      ),
    ];
    try {
      const outbox = createFileOutbox(dir);
      const results: unknown[] = [];
      const scenarios = [{ status: 500 }, { status: 429, retryAfter: 1 }, { error: 'invalid_auth' }, 'hang'] as const;
      for (const [i, behaviour] of scenarios.entries()) {
        recorder.respondWith('*', behaviour);
        const { notifiers } = slackNotifiers();
        results.push(
          await dispatchEvent(rollbackEvent({ rollbackId: `rb-${i}` }), {
            notifiers,
            outbox,
            deadlineMs: behaviour === 'hang' ? 300 : 5000,
          }),
        );
      }
      const refused = slackNotifiers('http://127.0.0.1:9/api/');
      results.push(await dispatchEvent(stageEvent(), { notifiers: refused.notifiers, outbox, deadlineMs: 5000 }));
      const afterDispatch = await readFile(join(dir, OUTBOX_FILE), 'utf8');
      for (const error of [
        'slack: HTTP 500',
        'rate limited',
        'slack: invalid_auth',
        'ECONNREFUSED',
        'no answer within 300 ms',
      ])
        expect(afterDispatch).toContain(error);
      recorder.respondWith('*', { status: 500 });
      results.push(await flushOutbox({ notifiers: slackNotifiers().notifiers, outbox, force: true }));
      const afterFlush = await readFile(join(dir, OUTBOX_FILE), 'utf8');
      for (const text of [afterDispatch, afterFlush, JSON.stringify(results), ...written, ...consoleLines])
        expect(text).not.toContain(token);
      // Positive control: the canary token really was in use.
      expect(recorder.calls.some((c) => c.headers.authorization === `Bearer ${token}`)).toBe(true);
    } finally {
      for (const spy of spies) spy.mockRestore();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
