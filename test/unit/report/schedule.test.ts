import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseExpectedDuration } from '../../../src/config/duration.js';
import { config as configSchema } from '../../../src/config/schema.js';
import { buildReport, renderHtml, renderMarkdown } from '../../../src/report/index.js';
import { scheduleFromState } from '../../../src/report/schedule.js';
import { createInitialState, type HistoryEntry, type ReleaseState } from '../../../src/state/types.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('parseExpectedDuration', () => {
  it.each<[string, [number, number] | null]>([
    ['1-2 days', [DAY, 2 * DAY]],
    ['1-2 weeks', [7 * DAY, 14 * DAY]],
    ['2 to 3 weeks', [14 * DAY, 21 * DAY]],
    ['1 week', [7 * DAY, 7 * DAY]],
    ['2–3 days', [2 * DAY, 3 * DAY]],
    ['36h', [36 * HOUR, 36 * HOUR]],
    ['1d12h', [36 * HOUR, 36 * HOUR]],
    ['90 minutes', [90 * 60_000, 90 * 60_000]],
    ['1.5 days', [36 * HOUR, 36 * HOUR]],
    ['2-1 days', null],
    ['0 days', null],
    ['0s', null],
    ['soon', null],
    ['', null],
    ['1-2 fortnights', null],
    ['NaN days', null],
  ])('%j → %j', (text, range) => {
    const parsed = parseExpectedDuration(text);
    expect(parsed === null ? null : [parsed.minMs, parsed.maxMs]).toEqual(range);
  });

  it('property: a range it accepts is positive and ordered', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        const r = parseExpectedDuration(text);
        if (r) expect(r.minMs > 0 && r.maxMs >= r.minMs && Number.isFinite(r.maxMs)).toBe(true);
      }),
    );
  });

  it('validate refuses an expectedDuration it cannot compare, naming the field', () => {
    const plan = (expectedDuration: string) => ({
      version: 1,
      release: 'v1',
      phases: [{ id: 'P0', title: 'x', expectedDuration }],
    });
    expect(configSchema.safeParse(plan('1-2 weeks')).success).toBe(true);
    const bad = configSchema.safeParse(plan('a fortnight or so'));
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.path).toEqual(['phases', 0, 'expectedDuration']);
    expect(bad.error?.issues[0]?.message).toMatch(/is not a duration: write e\.g\./);
  });
});

const config = configSchema.parse({
  version: 1,
  release: 'v1',
  phases: [
    { id: 'P0', title: 'Pre-flight', expectedDuration: '1-2 days' },
    { id: 'P1', title: 'Foundation', expectedDuration: '1 week' },
    {
      id: 'P2',
      title: 'Rollout',
      expectedDuration: '2 weeks',
      rollout: {
        flag: 'f',
        stages: [
          { id: 's1', percent: 5, bake: '2d' },
          { id: 's2', percent: 50, bake: '1d', expectedDuration: '2-3 days' },
          { id: 's3', percent: 100 },
        ],
      },
    },
  ],
  flags: [{ key: 'f', variants: { new: 'a', fallback: 'b' } }],
});

const T0 = Date.parse('2026-03-02T09:00:00.000Z');
const at = (ms: number) => new Date(T0 + ms).toISOString();

/** A release created at T0 whose transitions happen at the given offsets. */
function stateWith(steps: Array<[number, unknown, unknown]>, status: ReleaseState['status'] = 'in-progress') {
  const state = createInitialState('v1', 'h', new Date(T0));
  const history: HistoryEntry[] = [
    ...state.history,
    ...steps.map(([ms, from, to], i) => ({ at: at(ms), actor: 'ci', action: 'advance', from, to, serial: i + 2 })),
  ];
  return { ...state, status, history };
}

describe('scheduleFromState', () => {
  it('shows each phase planned against actual, the first phase from the creation, a running phase so far', () => {
    const state = stateWith([
      [DAY + 6 * HOUR, { phase: 'P0' }, { phase: 'P1' }],
      [DAY + 6 * HOUR + 9 * DAY, { phase: 'P1' }, { phase: 'P2' }],
      [DAY + 6 * HOUR + 9 * DAY + HOUR, { phase: 'P2' }, { phase: 'P2', stage: { id: 's1', index: 0 } }],
    ]);
    const now = new Date(T0 + DAY + 6 * HOUR + 9 * DAY + HOUR + 3 * DAY);
    const s = scheduleFromState(config, state, now);
    const byId = Object.fromEntries(s.rows.map((r) => [`${r.phase}${r.stage ? `/${r.stage}` : ''}`, r]));
    expect(byId.P0).toMatchObject({ actualMs: DAY + 6 * HOUR, state: 'done', overrun: false });
    // P1 planned 1 week, took 9 days: overrun by 2 days.
    expect(byId.P1).toMatchObject({ actualMs: 9 * DAY, state: 'done', overrun: true, overByMs: 2 * DAY });
    expect(byId.P2).toMatchObject({ actualMs: HOUR + 3 * DAY, state: 'running', overrun: false });
    // A stage without expectedDuration is planned at its bake, as a minimum: never an overrun.
    expect(byId['P2/s1']).toMatchObject({ planned: { minMs: 2 * DAY, maxMs: null }, actualMs: 3 * DAY });
    expect(byId['P2/s1']?.overrun).toBe(false);
    expect(byId['P2/s2']).toMatchObject({ planned: { minMs: 2 * DAY, maxMs: 3 * DAY }, state: 'not-started' });
    expect(byId['P2/s3']?.planned).toBeNull();
    expect(s.overall).toMatchObject({
      planned: { minMs: 22 * DAY, maxMs: 23 * DAY },
      actualMs: now.getTime() - T0,
      running: true,
      overrun: false,
    });
  });

  it('flags a running phase as soon as it passes its plan, and the release when it passes the sum', () => {
    const state = stateWith([[DAY, { phase: 'P0' }, { phase: 'P1' }]]);
    const s = scheduleFromState(config, state, new Date(T0 + DAY + 30 * DAY));
    expect(s.rows.find((r) => r.phase === 'P1' && !r.stage)).toMatchObject({
      state: 'running',
      overrun: true,
      overByMs: 23 * DAY,
    });
    expect(s.overall).toMatchObject({ overrun: true, overByMs: 31 * DAY - 23 * DAY, running: true });
  });

  it('a completed release stops the clock at its last step; a release never started has no actuals', () => {
    const state = stateWith(
      [
        [DAY, { phase: 'P0' }, { phase: 'P1' }],
        [2 * DAY, { phase: 'P1' }, { phase: null }],
      ],
      'completed',
    );
    const s = scheduleFromState(config, state, new Date(T0 + 100 * DAY));
    expect(s.overall).toMatchObject({ actualMs: 2 * DAY, running: false, overrun: false });
    const none = scheduleFromState(config, null, new Date(T0));
    expect(none.rows.every((r) => r.actualMs === null && r.state === 'not-started')).toBe(true);
    expect(none.overall).toMatchObject({ actualMs: null, running: false });
  });
});

describe('the report shows planned against actual', () => {
  it('as a Markdown table and an HTML table, overruns flagged', () => {
    const state = stateWith([[DAY, { phase: 'P0' }, { phase: 'P1' }]]);
    const report = buildReport(config, state, [], new Date(T0 + 10 * DAY));
    expect(report.schedule.rows.find((r) => r.phase === 'P1' && !r.stage)?.overrun).toBe(true);
    const md = renderMarkdown(report);
    expect(md).toContain('## Planned against actual');
    expect(md).toContain('| P0 | 1-2 days | 1d | done |');
    expect(md).toContain('| P1 | 1 week | 9d so far — OVERRUN by 2d | running |');
    expect(md).toMatch(/\| release \| 22d – 23d \(the phases\) \| 10d so far \| running \|/);
    const html = renderHtml(report);
    expect(html).toContain('<h2>Planned against actual</h2>');
    expect(html).toContain('<span class="met-no">9d so far — OVERRUN by 2d</span>');
  });
});
