import { describe, expect, it } from 'vitest';
import { runWatch, type LookReport, type RunWatchOptions } from '../../../src/watch/loop.js';
import { createMemoryProgressStore } from '../../../src/watch/progress-store.js';
import { appendLookPoint, WATCH_SERIES_MAX, type WatchLookPoint } from '../../../src/watch/types.js';
import { createHarness, loadPlan, stageState, START, type Harness } from './harness.js';
import { createTrafficSource, type ArmModel, type TrafficOptions } from './traffic-source.js';

const MIN = 60_000;
const BASE = 'reserves_v1.0';
const CANARY = 'reserves_v1.1';
const healthy = (o: Partial<ArmModel> = {}): ArmModel => ({ requestsPerMinute: 400, errorRate: () => 0.005, ...o });
/** Traffic began an hour before the watch, so every window has data at the first look. */
const traffic = (arms: Record<string, ArmModel>, extra: Partial<TrafficOptions> = {}) =>
  createTrafficSource({ origin: START.getTime() - 60 * MIN, arms, ...extra });

async function watch(
  h: Harness,
  source: ReturnType<typeof traffic>,
  extra: Partial<RunWatchOptions> = {},
  patch?: Parameters<typeof loadPlan>[0],
) {
  const loaded = await loadPlan(patch);
  const looks: LookReport[] = [];
  const summary = await runWatch({
    ctx: h.ctx,
    loaded,
    source,
    ports: h.ports,
    intervalMs: MIN,
    forMs: 60 * MIN,
    onLook: (l) => looks.push(l),
    ...extra,
  });
  return { summary, looks };
}

describe('runWatch: rollback triggers', () => {
  it('rolls back on the first look when the regression is already in the window', async () => {
    const h = createHarness();
    const { summary } = await watch(
      h,
      traffic({ [BASE]: healthy(), [CANARY]: healthy({ errorRate: (m) => (m >= 45 ? 0.03 : 0.005) }) }),
    );
    expect(summary).toMatchObject({
      stop: 'rollback',
      exitCode: 4,
      looks: 1,
      fired: { id: 'error-rate', status: 'fired' },
    });
    expect(h.rollbacks).toHaveLength(1);
    expect(h.rollbacks[0]).toMatchObject({ mode: 'immediate', trigger: 'error-rate' });
    expect(h.rollbacks[0]?.reason).toMatch(
      /error-rate fired: canary 3\.00 % is above the limit 0\.75 % over 10m \(baseline 0\.50 % × 1\.5;/,
    );
    expect(h.rollbacks[0]?.evidence).toMatchObject({ trigger: { id: 'error-rate', pValue: expect.any(Number) } });
  });

  it('a regression starting mid-watch is caught once the evidence is significant, never before the window shows it', async () => {
    const h = createHarness();
    const onset = 80; // minutes after the traffic began = 20 looks into the watch
    const { summary, looks } = await watch(
      h,
      traffic({ [BASE]: healthy(), [CANARY]: healthy({ errorRate: (m) => (m >= onset ? 0.03 : 0.005) }) }),
    );
    expect(summary.stop).toBe('rollback');
    const firstBreach = looks.find((l) =>
      l.outcomes.some((o) => o.id === 'error-rate' && o.value !== null && o.limit !== null && o.value > o.limit),
    );
    expect(firstBreach).toBeDefined();
    expect(summary.looks).toBeGreaterThanOrEqual(firstBreach?.index ?? Infinity);
    // 20 clean looks dilute the cumulative evidence; it still takes well under 15 minutes.
    expect(summary.looks - 20).toBeLessThan(15);
    // The rollback and the stop carry every look of the run for the report, the firing one last.
    type Series = Array<{ look: number; values: Array<{ trigger: string; status: string; value: number | null }> }>;
    const carried = (h.rollbacks[0]?.evidence as { series: Series }).series;
    expect(carried.map((p) => p.look)).toEqual(Array.from({ length: summary.looks }, (_, i) => i + 1));
    expect(carried.at(-1)?.values.find((v) => v.trigger === 'error-rate')?.status).toBe('fired');
    expect(carried[0]?.values.map((v) => v.trigger)).not.toContain('canary-health');
    expect(h.records.at(-1)).toMatchObject({ op: 'watch:stop', evidence: { series: carried } });
  });

  it('A/A traffic over 60 looks × 10 seeds: no rollback, though the bare window breaches often', async () => {
    let windowBreaches = 0;
    for (let seed = 1; seed <= 10; seed++) {
      const h = createHarness();
      const { summary, looks } = await watch(h, traffic({ [BASE]: healthy(), [CANARY]: healthy() }, { seed }));
      expect(summary, `seed ${seed}`).toMatchObject({ stop: 'for-elapsed', exitCode: 0, looks: 60 });
      expect(h.rollbacks).toHaveLength(0);
      windowBreaches += looks.filter((l) =>
        l.outcomes.some(
          (o) =>
            o.kind === 'ratio' &&
            o.action === 'rollback' &&
            o.value !== null &&
            o.limit !== null &&
            (o.comparison === 'above' ? o.value > o.limit : o.value < o.limit),
        ),
      ).length;
    }
    // A point-estimate rule would have rolled back on these looks; the sequential condition held.
    expect(windowBreaches).toBeGreaterThan(0);
  });

  it('health checks: two consecutive failures roll back', async () => {
    const h = createHarness();
    const { summary } = await watch(h, traffic({ [BASE]: healthy(), [CANARY]: healthy() }), {
      onLook: (l) => {
        if (l.index === 3) h.health = { verdict: 'fail', summary: 'status 503, expected 200' };
      },
    });
    expect(summary).toMatchObject({
      stop: 'rollback',
      looks: 5,
      fired: { id: 'canary-health', consecutiveFailures: 2 },
    });
  });
});

describe('runWatch: alerts', () => {
  it('an alert trigger announces once per stage and the watch keeps going', async () => {
    const h = createHarness();
    const { summary } = await watch(
      h,
      traffic({ [BASE]: healthy(), [CANARY]: healthy({ fundSetupSuccessRate: 0.75 }) }),
      { forMs: 20 * MIN },
    );
    expect(summary).toMatchObject({ stop: 'for-elapsed', exitCode: 0, alerted: ['fund-setup'] });
    const alerts = h.events.filter((e) => e.type === 'alert');
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ severity: 'warning', title: expect.stringMatching(/fund-setup: manual review/) });
    expect(h.rollbacks).toHaveLength(0);
    expect(summary.triggers.find((t) => t.id === 'fund-setup')?.status).toBe('fired');
  });

  it('a new stage may alert again', async () => {
    const h = createHarness();
    const { summary } = await watch(
      h,
      traffic({ [BASE]: healthy(), [CANARY]: healthy({ fundSetupSuccessRate: 0.75 }) }),
      {
        forMs: 20 * MIN,
        onLook: (l) => {
          if (l.index === 10)
            h.state.current = stageState({
              stage: { index: 1, id: 'week-2', startedAt: new Date(START.getTime() + 10 * MIN).toISOString() },
            });
        },
      },
    );
    expect(h.events.filter((e) => e.type === 'alert')).toHaveLength(2);
    expect(summary.stage).toBe('week-2');
  });
});

describe('runWatch: metrics source errors', () => {
  const down = () => true;

  it('hold-and-alert: acts on the 5th consecutive error (limit 4), announces once, ends with exit 3', async () => {
    const h = createHarness();
    const { summary, looks } = await watch(h, traffic({ [BASE]: healthy(), [CANARY]: healthy() }, { down }), {
      forMs: 10 * MIN,
    });
    expect(looks.find((l) => l.holding)?.index).toBe(5);
    expect(summary).toMatchObject({ stop: 'for-elapsed', exitCode: 3, holding: true, looks: 10 });
    const errors = h.events.filter((e) => e.type === 'watch-error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ consecutiveErrors: 5, action: 'hold-and-alert' });
    expect(h.records.map((r) => r.op)).toEqual(['watch:hold', 'watch:stop']);
    expect(h.rollbacks).toHaveLength(0);
  });

  it('the hold is lifted when the sources answer again', async () => {
    const h = createHarness();
    const { summary } = await watch(
      h,
      traffic({ [BASE]: healthy(), [CANARY]: healthy() }, { down: (t) => t < START.getTime() + 6 * MIN }),
      { forMs: 10 * MIN },
    );
    expect(summary).toMatchObject({ exitCode: 0, holding: false });
    expect(h.records.map((r) => r.op)).toEqual(['watch:hold', 'watch:resume', 'watch:stop']);
  });

  it('onSourceErrors: rollback rolls back on the 5th consecutive error', async () => {
    const h = createHarness();
    const { summary } = await watch(
      h,
      traffic({ [BASE]: healthy(), [CANARY]: healthy() }, { down }),
      { forMs: 10 * MIN },
      (c) => {
        c.watch.onSourceErrors = 'rollback';
      },
    );
    expect(summary).toMatchObject({ stop: 'rollback', exitCode: 4, looks: 5 });
    expect(h.rollbacks[0]?.reason).toMatch(/5 consecutive source errors/);
  });

  it('four errors in a row are tolerated', async () => {
    const h = createHarness();
    const { summary } = await watch(
      h,
      traffic({ [BASE]: healthy(), [CANARY]: healthy() }, { down: (t) => t < START.getTime() + 4 * MIN }),
      { forMs: 10 * MIN },
    );
    expect(summary).toMatchObject({ exitCode: 0, holding: false });
    expect(h.events.filter((e) => e.type === 'watch-error')).toHaveLength(0);
  });
});

describe('runWatch: persistence, restart and stopping', () => {
  it('a restart continues the sequential tests and counters; cumulative counts never decrease', async () => {
    const progress = createMemoryProgressStore();
    const source = traffic({ [BASE]: healthy(), [CANARY]: healthy() }, { seed: 7 });
    const first = createHarness({ progress });
    const totals: number[] = [];
    const track = () => totals.push(progress.current()?.triggers['error-rate']?.cumulative?.canary.total ?? -1);
    const a = await watch(first, source, { forMs: 10 * MIN, onLook: track });
    expect(a.summary).toMatchObject({ resumed: false, totalLooks: 10 });
    const second = createHarness({ progress, start: new Date(START.getTime() + 10 * MIN) });
    const b = await watch(second, source, { forMs: 10 * MIN, onLook: track });
    expect(b.summary).toMatchObject({ resumed: true, looks: 10, totalLooks: 20 });
    expect(progress.current()?.triggers['error-rate']?.sequential?.looks).toBe(20);
    for (let i = 1; i < totals.length; i++) expect(totals[i]).toBeGreaterThan(totals[i - 1] as number);
    // Disjoint increments add up to the traffic: a 10m first window, then 19 one-minute looks, 400 a minute.
    expect(totals.at(-1)).toBe(400 * (10 + 19));
    // Each stop records its own run's looks, never the earlier run's again; the progress keeps the stage's.
    const looksOf = (h: typeof first) =>
      (h.records.at(-1)?.evidence.series as Array<{ look: number }>).map((p) => p.look);
    expect(looksOf(first)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(looksOf(second)).toEqual([11, 12, 13, 14, 15, 16, 17, 18, 19, 20]);
    expect(progress.current()?.series?.map((p) => p.look)).toHaveLength(20);
  });

  it('an abort finishes the current look, persists it and stops cleanly', async () => {
    const h = createHarness();
    const controller = new AbortController();
    const { summary } = await watch(h, traffic({ [BASE]: healthy(), [CANARY]: healthy() }), {
      signal: controller.signal,
      onLook: (l) => {
        if (l.index === 3) controller.abort();
      },
    });
    expect(summary).toMatchObject({ stop: 'signal', exitCode: 0, looks: 3 });
    expect(h.progress.current()?.looks).toBe(3);
    expect(h.records.at(-1)).toMatchObject({ op: 'watch:stop', evidence: { stop: 'signal' } });
  });

  it('nothing to watch: no release, a rolled-back release, or a phase without a rollout', async () => {
    for (const state of [null, stageState({ status: 'rolled-back' }), stageState({ phase: 'P1', stage: null })]) {
      const h = createHarness({ state });
      const { summary } = await watch(h, traffic({}));
      expect(summary).toMatchObject({ watched: false, stop: 'nothing-to-watch', exitCode: 0, looks: 0 });
      expect(summary.message).toMatch(/^nothing to watch: /);
    }
  });

  it('a rollback whose kill switch never went on is finished, not "nothing to watch": at start without a look, or when it appears mid-watch; exit 6 while the switch still fails', async () => {
    const unfinished = () =>
      stageState({
        rollback: {
          id: 'r1',
          mode: 'immediate',
          startedAt: START.toISOString(),
          reason: 'watch: trigger error-rate fired',
        },
      });
    const atStart = createHarness({ state: unfinished() });
    const first = await watch(atStart, traffic({}));
    expect(first.summary).toMatchObject({ stop: 'rollback', exitCode: 4, looks: 0, rollback: { ok: true } });
    expect(first.summary.message).toMatch(/^rolled back \(immediate\): finished the immediate rollback of /);
    expect(atStart.rollbacks).toEqual([
      expect.objectContaining({ mode: 'immediate', reason: expect.stringMatching(/^watch: finishing the immediate/) }),
    ]);
    expect(atStart.rollbacks[0]?.trigger).toBeUndefined();

    const midWatch = createHarness();
    const second = await watch(midWatch, traffic({ [BASE]: healthy(), [CANARY]: healthy() }), {
      onLook: (l) => {
        if (l.index === 2) midWatch.state.current = unfinished();
      },
    });
    expect(second.summary).toMatchObject({ stop: 'rollback', exitCode: 4, looks: 2 });
    expect(midWatch.rollbacks).toHaveLength(1);

    const stillDown = createHarness({ state: unfinished() });
    stillDown.ports.rollback = async (o) => ({
      ok: false,
      mode: o.mode,
      rollbackId: 'rb',
      flagWrittenAtMs: null,
      steps: [],
      recorded: true,
      problems: ['kill switch NOT in place in unleash:default/production/reserves_v1.1: unreachable'],
    });
    const third = await watch(stillDown, traffic({}));
    expect(third.summary).toMatchObject({ stop: 'rollback', exitCode: 6 });
    expect(third.summary.message).toContain('kill switch NOT in place');

    // A ramp-down that is running belongs to its runner: nothing to watch, nothing done.
    const ramp = createHarness({
      state: stageState({
        rollback: { id: 'r2', mode: 'progressive', startedAt: START.toISOString(), reason: 'x', steps: [] },
      }),
    });
    expect((await watch(ramp, traffic({}))).summary).toMatchObject({ stop: 'nothing-to-watch', exitCode: 0 });
    expect(ramp.rollbacks).toEqual([]);
  });

  it('stops when someone else rolls the release back', async () => {
    const h = createHarness();
    const { summary } = await watch(h, traffic({ [BASE]: healthy(), [CANARY]: healthy() }), {
      onLook: (l) => {
        if (l.index === 2) h.state.current = stageState({ status: 'rolled-back' });
      },
    });
    expect(summary).toMatchObject({ stop: 'release-changed', exitCode: 0, looks: 2 });
  });
});

describe('the series of looks kept for the report', () => {
  it('stays within WATCH_SERIES_MAX points over a week of looks, keeping the first and the latest in order', () => {
    let series: WatchLookPoint[] = [];
    for (let look = 1; look <= 10_080; look++) series = appendLookPoint(series, { at: `t${look}`, look, values: [] });
    const looks = series.map((p) => p.look);
    expect(looks.length).toBeLessThanOrEqual(WATCH_SERIES_MAX);
    expect(looks.length).toBeGreaterThan(WATCH_SERIES_MAX / 2);
    expect(looks[0]).toBe(1);
    expect(looks.at(-1)).toBe(10_080);
    expect(looks).toEqual([...looks].sort((a, b) => a - b));
  });
});

describe('a watch on a shifted release clock (ROLLOUT_TIME_OFFSET)', () => {
  it('queries at the real present but records its looks on the release clock, so they sort among the stage events', async () => {
    const offset = 7 * 24 * 60 * MIN;
    const h = createHarness();
    // The release clock runs a week ahead of the wall clock, as clockFromEnv makes it with an offset.
    h.ctx.clock = { ...h.clock, wallNow: () => new Date(h.clock.now().getTime() - offset) };
    const asked: number[] = [];
    const source = createTrafficSource({
      origin: START.getTime() - offset - 60 * MIN,
      arms: { [BASE]: healthy(), [CANARY]: healthy() },
    });
    const counting: typeof source = {
      ...source,
      instant: (query, o = {}) => {
        if (o.time) asked.push(o.time.getTime());
        return source.instant(query, o);
      },
    };
    const { summary, looks } = await watch(h, counting, { forMs: 3 * MIN });
    expect(summary).toMatchObject({ stop: 'for-elapsed', exitCode: 0 });
    expect(looks.map((l) => l.at)).toEqual(
      [0, 1, 2, 3].slice(0, looks.length).map((i) => new Date(START.getTime() + i * MIN).toISOString()),
    );
    const saved = h.progress.current();
    expect(saved?.updatedAt).toBe(looks.at(-1)?.at);
    expect(saved?.series?.map((p) => p.at)).toEqual(looks.map((l) => l.at));
    // Prometheus is asked about the real present, a week earlier.
    expect(asked.length).toBeGreaterThan(0);
    expect(Math.max(...asked)).toBeLessThanOrEqual(START.getTime() - offset + 3 * MIN);
  });
});
