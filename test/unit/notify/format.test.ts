import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createConsoleNotifier, formatConsoleLine } from '../../../src/notify/console.js';
import { buildIncidentChannelName } from '../../../src/notify/incident.js';
import { buildPagerDutyTrigger } from '../../../src/notify/pagerduty.js';
import { scrubSecrets } from '../../../src/notify/redact.js';
import { buildSlackBlocks, escapeMrkdwn } from '../../../src/notify/slack-blocks.js';
import { AT, everyEvent, rollbackEvent, stageEvent } from './fixtures.js';

type Block = { type: string; text?: { text: string }; fields?: { text: string }[] };

function fieldTexts(blocks: Block[]): string[] {
  return blocks.flatMap((b) => b.fields ?? []).map((f) => f.text);
}

describe('Slack blocks', () => {
  it('give every event a header, the release field and a context line within Slack limits', () => {
    for (const event of everyEvent()) {
      const blocks = buildSlackBlocks(event) as Block[];
      expect(blocks[0]?.type).toBe('header');
      expect(blocks[0]?.text?.text.length).toBeLessThanOrEqual(150);
      expect(blocks.at(-1)?.type).toBe('context');
      expect(fieldTexts(blocks)).toContain('*Release*\nv2.1.0');
      for (const b of blocks) expect((b.fields ?? []).length).toBeLessThanOrEqual(10);
    }
  });

  it('show flag, percent, actor and evidence of a stage change', () => {
    expect(fieldTexts(buildSlackBlocks(stageEvent()) as Block[])).toEqual([
      '*Release*\nv2.1.0',
      '*Flag*\nreserves_v1.1',
      '*Percent*\n5% → 25%',
      '*Groups*\nbeta-testers',
      '*Actor*\nalice',
      '*Evidence*\nerror rate pass (p=0.41)',
    ]);
  });

  it('show reason, trigger and evidence of a rollback, and leave out absent optional fields', () => {
    const texts = fieldTexts(buildSlackBlocks(rollbackEvent({ trigger: undefined })) as Block[]);
    expect(texts).toContain('*Reason*\np95 latency 612 ms &gt; 400 ms');
    expect(texts).toContain('*Evidence*\ncanary p95 612 ms vs 380 ms');
    expect(texts.some((t) => t.startsWith('*Trigger*'))).toBe(false);
  });

  it('escape mrkdwn control characters so user text cannot form links or mentions', () => {
    expect(escapeMrkdwn('<!channel> & <https://x|y>')).toBe('&lt;!channel&gt; &amp; &lt;https://x|y&gt;');
  });

  it('truncate very long values to the limits', () => {
    const blocks = buildSlackBlocks(
      stageEvent({ release: 'v'.repeat(500), verdictSummary: 'x'.repeat(5000) }),
    ) as Block[];
    expect(blocks[0]?.text?.text.length).toBe(150);
    for (const t of fieldTexts(blocks)) expect(t.length).toBeLessThanOrEqual(2000);
  });
});

describe('console notifier', () => {
  it('writes one line per event to the given stream', async () => {
    const lines: string[] = [];
    const notifier = createConsoleNotifier({ stream: { write: (s: string) => lines.push(s) } });
    for (const event of everyEvent()) expect(await notifier.send(event)).toEqual({ status: 'delivered' });
    expect(lines).toHaveLength(everyEvent().length);
    for (const line of lines) expect(line.match(/\n/g)).toHaveLength(1);
    expect(lines[1]).toBe(
      '[notify] v2.1.0: stage 5% → 25% (reserves_v1.1) · flag: reserves_v1.1 · percent: 5% → 25% · groups: beta-testers · actor: alice · evidence: error rate pass (p=0.41)\n',
    );
  });

  it('keeps multi-line values on one line', () => {
    expect(formatConsoleLine(stageEvent({ verdictSummary: 'a\nb' }))).toContain('evidence: a b\n');
  });

  it("sums up a rollback's JSON evidence in a few words, even when it was cut mid-string for the outbox", () => {
    const evidence = {
      trigger: 'error-rate',
      value: 0.029,
      limit: 0.02,
      looks: [{ at: AT, canary: 0.029, window: '[60s' }],
    };
    const whole = JSON.stringify(evidence);
    expect(formatConsoleLine(rollbackEvent({ evidence: whole }))).toMatch(
      /evidence: trigger=error-rate, value=0.029, limit=0.02\n$/,
    );
    const cut = whole.slice(0, whole.indexOf('[60s') + 3);
    const line = formatConsoleLine(rollbackEvent({ evidence: cut }));
    expect(line).toContain('evidence: trigger=error-rate, value=0.029, limit=0.02');
    expect(line).not.toContain('[60');
    expect(
      formatConsoleLine(rollbackEvent({ evidence: JSON.stringify({ summary: 'canary 2.90 % > 2.00 %', x: 1 }) })),
    ).toContain('evidence: canary 2.90 % > 2.00 %');
    expect(formatConsoleLine(rollbackEvent({ evidence: '{"' + 'x'.repeat(50) }))).toContain(
      'evidence: 52 characters of evidence (see the outbox or Slack)',
    );
  });

  it('reports a broken stream as a failed delivery', async () => {
    const notifier = createConsoleNotifier({
      stream: {
        write: () => {
          throw new Error('EPIPE');
        },
      },
    });
    expect(await notifier.send(stageEvent())).toMatchObject({ status: 'failed', retryable: false });
  });
});

describe('buildIncidentChannelName', () => {
  it('follows inc-<release>-<yyyymmdd-hhmm> in UTC', () => {
    expect(buildIncidentChannelName('inc', 'v2.1.0', AT)).toBe('inc-v2-1-0-20260314-0926');
    expect(buildIncidentChannelName('INC ', 'Reserves v2.1.0 (beta)', '2026-12-31T23:59:00+02:00')).toBe(
      'inc-reserves-v2-1-0-beta-20261231-2159',
    );
  });

  it('always satisfies Slack channel name rules', () => {
    fc.assert(
      fc.property(
        fc.string(),
        fc.string({ maxLength: 200 }),
        fc.date({ noInvalidDate: true, min: new Date(0), max: new Date('9999-12-31') }),
        (prefix, release, date) => {
          const name = buildIncidentChannelName(prefix, release, date.toISOString());
          expect(name).toMatch(/^[a-z0-9_-]{1,80}$/);
          expect(name).toMatch(/-\d{8}-\d{4}$/);
        },
      ),
    );
  });
});

describe('PagerDuty trigger', () => {
  it('carries the routing key, the dedup key and the rollback details', () => {
    const body = buildPagerDutyTrigger(rollbackEvent(), 'v2.1.0:rb-7', 'R0UTINGKEY');
    expect(body).toMatchObject({ routing_key: 'R0UTINGKEY', event_action: 'trigger', dedup_key: 'v2.1.0:rb-7' });
    expect(body.payload).toMatchObject({
      source: 'rollout',
      severity: 'critical',
      timestamp: AT,
      component: 'reserves_v1.1',
      group: 'v2.1.0',
    });
    expect(body.payload.custom_details).toMatchObject({
      rollbackId: 'rb-7',
      trigger: 'p95-latency',
      reason: 'p95 latency 612 ms > 400 ms',
    });
  });
});

describe('scrubSecrets', () => {
  it('removes given secrets and token-shaped strings, and truncates', () => {
    expect(scrubSecrets('key=R0UTINGKEY auth xoxb-1-2-abc Bearer zzz', ['R0UTINGKEY'])).toBe(
      'key=[redacted] auth [redacted] [redacted]',
    );
    expect(scrubSecrets('e'.repeat(1000), []).length).toBeLessThanOrEqual(301);
  });
});
