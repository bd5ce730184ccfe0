import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Scalar } from '../../../src/canary/evidence.js';
import type { RawConfig } from '../../../src/config/schema.js';
import { parseLimit, resolveTriggers, type TriggerSpec } from '../../../src/watch/specs.js';
import {
  accumulate,
  chooseMixingSd,
  evaluateAccuracyTrigger,
  evaluateHealthTrigger,
  evaluateRatioTrigger,
  evaluateThresholdTrigger,
  type RatioScalars,
} from '../../../src/watch/triggers.js';
import { createTriggerProgress, type TriggerProgress } from '../../../src/watch/types.js';
import { computeFocusRatio, FOCUS_WEIGHT } from '../../../src/stats/index.js';

const ok = (value: number): Scalar => ({ ok: true, value });
const empty: Scalar = { ok: false, reason: 'no-data', detail: 'the query returned no series' };
const down: Scalar = { ok: false, reason: 'query-error', detail: 'http://127.0.0.1:9 unreachable (ECONNREFUSED)' };
const counts = (ce: number, ct: number, be: number, bt: number): RatioScalars => ({
  canaryEvents: ok(ce),
  canaryTotal: ok(ct),
  baselineEvents: ok(be),
  baselineTotal: ok(bt),
});

const errorMetric = {
  id: 'error_rate',
  kind: 'ratio',
  events: 'e',
  total: 't',
  direction: 'lower-is-better',
  maxRelativeChange: 0.1,
  critical: true,
  action: 'rollback',
} as const;
const errorRate: Extract<TriggerSpec, { kind: 'ratio' }> = {
  id: 'error-rate',
  action: 'rollback',
  kind: 'ratio',
  metric: errorMetric,
  comparison: 'above',
  limit: { factor: 1.5 },
  window: '10m',
};
const completion: Extract<TriggerSpec, { kind: 'ratio' }> = {
  ...errorRate,
  id: 'wizard',
  comparison: 'below',
  limit: { factor: 0.9 },
};

function look(
  progress: TriggerProgress,
  window: RatioScalars,
  increment: RatioScalars | null,
  at = '2026-01-01T00:10:00.000Z',
  spec = errorRate,
) {
  return evaluateRatioTrigger(spec, progress, { window, increment, at }, { alpha: 0.01 });
}

describe('relative ratio triggers: window breach AND sequential rejection', () => {
  it('computes the limit as k × the baseline rate over the window', () => {
    const r = look(createTriggerProgress(), counts(30, 4000, 20, 4000), counts(30, 4000, 20, 4000));
    expect(r.outcome.baseline).toBeCloseTo(0.005);
    expect(r.outcome.limit).toBeCloseTo(0.0075);
    expect(r.outcome.value).toBeCloseTo(0.0075);
    expect(r.outcome.status).toBe('ok'); // equal to the limit is not above it
  });

  it('a breach that is not yet significant does not fire', () => {
    // 40 vs 20 errors in 4000: above 1.5 × baseline, but far from significant against 1.5 × baseline.
    const r = look(createTriggerProgress(), counts(40, 4000, 20, 4000), counts(40, 4000, 20, 4000));
    expect(r.outcome.value).toBeGreaterThan(r.outcome.limit as number);
    expect(r.outcome.significant).toBe(false);
    expect(r.outcome.status).toBe('ok');
    expect(r.outcome.detail).toMatch(/not yet significant/);
  });

  it('a large regression fires with the values, the p-value and the samples as evidence', () => {
    const r = look(createTriggerProgress(), counts(120, 4000, 20, 4000), counts(120, 4000, 20, 4000));
    expect(r.outcome).toMatchObject({ status: 'fired', significant: true, samples: { canary: 4000, baseline: 4000 } });
    expect(r.outcome.pValue).toBeLessThanOrEqual(0.01);
  });

  it('significance alone does not fire while the window is back within the limit', () => {
    const first = look(createTriggerProgress(), counts(120, 4000, 20, 4000), counts(120, 4000, 20, 4000));
    const second = look(first.progress, counts(20, 4000, 20, 4000), counts(0, 400, 2, 400), '2026-01-01T00:11:00.000Z');
    expect(second.outcome.significant).toBe(true);
    expect(second.outcome.status).toBe('ok');
  });

  it('below-triggers test the other direction (completion rate dropping under 0.9 × baseline)', () => {
    const fine = look(
      createTriggerProgress(),
      counts(870, 1000, 970, 1000),
      counts(870, 1000, 970, 1000),
      undefined,
      completion,
    );
    expect(fine.outcome.status).toBe('ok');
    const bad = look(
      createTriggerProgress(),
      counts(600, 1000, 970, 1000),
      counts(600, 1000, 970, 1000),
      undefined,
      completion,
    );
    expect(bad.outcome.status).toBe('fired');
    expect(bad.outcome.limit).toBeCloseTo(0.873);
  });

  it('absolute limits on a ratio compare the canary rate only, without a sequential test', () => {
    const spec = { ...errorRate, limit: { absolute: 0.02 } };
    const r = look(createTriggerProgress(), counts(100, 4000, 0, 4000), null, undefined, spec);
    expect(r.outcome).toMatchObject({ status: 'fired', limit: 0.02 });
    expect(r.progress.sequential).toBeUndefined();
  });

  it('tunes the mixture to the tolerated margin, never to zero', () => {
    expect(chooseMixingSd(0.005, 1.5)).toBeCloseTo(0.0025);
    expect(chooseMixingSd(0.97, 0.9)).toBeCloseTo(0.097);
    expect(chooseMixingSd(0, 1.5)).toBe(1e-4);
  });

  it("focuses the sequential test on that margin at alpha / 2 and the plan's power", () => {
    const window = counts(30, 4000, 20, 4000);
    const at = (power?: number) =>
      evaluateRatioTrigger(
        errorRate,
        createTriggerProgress(),
        { window, increment: window, at: '2026-01-01T00:10:00.000Z' },
        { alpha: 0.01, ...(power === undefined ? {} : { power }) },
      ).progress.sequential?.options;
    // baseline 0.5 % × |1.5 − 1| = 0.25 points; the point sits at c(alpha/2, power) × that.
    expect(at()).toMatchObject({ alpha: 0.005, mixingSd: 0.0025, focusWeight: FOCUS_WEIGHT });
    expect(at()?.focusEffect).toBeCloseTo(computeFocusRatio(0.005, 0.9) * 0.0025, 15);
    expect(at(0.95)?.focusEffect).toBeCloseTo(computeFocusRatio(0.005, 0.95) * 0.0025, 15);
    expect(at(0.95)?.focusEffect).toBeLessThan(at(0.8)?.focusEffect as number);
  });

  it('a watch resumed from progress saved before the focused mixture keeps its half-normal test to the end', () => {
    const first = look(createTriggerProgress(), counts(40, 4000, 20, 4000), counts(40, 4000, 20, 4000));
    const sequential = first.progress.sequential as NonNullable<TriggerProgress['sequential']>;
    // Progress as an older version saved it: no focus in the options. Changing the mixture in the
    // middle of a test would void its error guarantee, so the old one goes on.
    const { focusEffect: _point, focusWeight: _weight, ...oldOptions } = sequential.options;
    const old = { ...first.progress, sequential: { ...sequential, options: oldOptions } };
    const next = look(old, counts(80, 4000, 20, 4000), counts(40, 400, 2, 400), '2026-01-01T00:11:00.000Z');
    expect(next.progress.sequential?.options.focusEffect).toBeUndefined();
    expect(next.progress.sequential?.looks).toBe(2);
  });
});

describe('sequential accumulation', () => {
  it('sums disjoint increments, rounded and clamped at zero (counter resets, extrapolation)', () => {
    let p = createTriggerProgress();
    p = look(p, counts(5, 1000, 5, 1000), counts(5.4, 1000.2, 4.6, 999.7)).progress;
    expect(p.cumulative).toEqual({ canary: { events: 5, total: 1000 }, baseline: { events: 5, total: 1000 } });
    p = look(p, counts(5, 1000, 5, 1000), counts(-3, -50, 2, 400), '2026-01-01T00:11:00.000Z').progress;
    expect(p.cumulative).toEqual({ canary: { events: 5, total: 1000 }, baseline: { events: 7, total: 1400 } });
    expect(p.coveredUntil).toBe('2026-01-01T00:11:00.000Z');
  });

  it('never decreases and never counts more events than trials, whatever the increments (property)', () => {
    const arm = fc.record({
      events: fc.double({ min: -1e4, max: 1e4, noNaN: true }),
      total: fc.double({ min: -1e4, max: 1e4, noNaN: true }),
    });
    fc.assert(
      fc.property(fc.array(fc.record({ canary: arm, baseline: arm }), { maxLength: 40 }), (incs) => {
        let c: ReturnType<typeof accumulate> | undefined;
        for (const inc of incs) {
          const next = accumulate(c, inc);
          for (const side of ['canary', 'baseline'] as const) {
            expect(next[side].total).toBeGreaterThanOrEqual(c?.[side].total ?? 0);
            expect(next[side].events).toBeGreaterThanOrEqual(c?.[side].events ?? 0);
            expect(next[side].events).toBeLessThanOrEqual(next[side].total);
            expect(Number.isInteger(next[side].total)).toBe(true);
          }
          c = next;
        }
      }),
    );
  });

  it('an increment without totals is not committed: the next look covers its range', () => {
    const first = look(createTriggerProgress(), counts(5, 1000, 5, 1000), counts(5, 1000, 5, 1000));
    const gap = look(
      first.progress,
      counts(5, 1000, 5, 1000),
      { ...counts(0, 0, 0, 0), canaryTotal: empty },
      '2026-01-01T00:11:00.000Z',
    );
    expect(gap.progress.cumulative).toEqual(first.progress.cumulative);
    expect(gap.progress.coveredUntil).toBe(first.progress.coveredUntil);
  });

  it('an empty events query with a total present counts as zero events', () => {
    const r = look(
      createTriggerProgress(),
      { ...counts(0, 1000, 5, 1000), canaryEvents: empty },
      { ...counts(0, 1000, 5, 1000), canaryEvents: empty },
    );
    expect(r.outcome.status).toBe('ok');
    expect(r.outcome.value).toBe(0);
    expect(r.progress.cumulative?.canary).toEqual({ events: 0, total: 1000 });
  });
});

describe('missing data and errors never fire and never pass silently', () => {
  it('a query error is an error and counts consecutively; a good look resets the count', () => {
    const errWindow = { ...counts(5, 1000, 5, 1000), baselineTotal: down };
    let r = look(createTriggerProgress(), errWindow, null);
    expect(r.outcome).toMatchObject({ status: 'error', consecutiveErrors: 1 });
    r = look(r.progress, errWindow, null);
    expect(r.outcome.consecutiveErrors).toBe(2);
    r = look(r.progress, counts(5, 1000, 5, 1000), null);
    expect(r.outcome).toMatchObject({ status: 'ok', consecutiveErrors: 0 });
  });

  it('no traffic in the window is no-data and counts toward the limit', () => {
    const r = look(createTriggerProgress(), { ...counts(0, 0, 5, 1000), canaryTotal: empty }, null);
    expect(r.outcome).toMatchObject({ status: 'no-data', consecutiveErrors: 1 });
    const zero = look(createTriggerProgress(), counts(0, 0, 5, 1000), null);
    expect(zero.outcome.status).toBe('no-data');
  });

  it('threshold triggers: above 400 fires, NaN is no-data, an error is an error', () => {
    const metric = {
      id: 'latency_p95',
      kind: 'threshold',
      query: 'q',
      source: 'prometheus',
      critical: true,
      action: 'rollback',
    } as const;
    const spec: Extract<TriggerSpec, { kind: 'threshold' }> = {
      id: 'latency-p95',
      action: 'rollback',
      kind: 'threshold',
      metric,
      comparison: 'above',
      limit: { absolute: 400 },
      window: '5m',
    };
    const p = createTriggerProgress();
    expect(evaluateThresholdTrigger(spec, p, { canary: ok(250), baseline: null }).outcome.status).toBe('ok');
    expect(evaluateThresholdTrigger(spec, p, { canary: ok(450), baseline: null }).outcome).toMatchObject({
      status: 'fired',
      value: 450,
      limit: 400,
    });
    expect(
      evaluateThresholdTrigger(spec, p, { canary: { ok: false, reason: 'nan', detail: 'NaN' }, baseline: null }).outcome
        .status,
    ).toBe('no-data');
    expect(evaluateThresholdTrigger(spec, p, { canary: down, baseline: null }).outcome.status).toBe('error');
    const relative = { ...spec, limit: { factor: 1.2 } };
    expect(evaluateThresholdTrigger(relative, p, { canary: ok(250), baseline: ok(200) }).outcome).toMatchObject({
      status: 'fired',
      limit: 240,
    });
  });

  it('the accuracy delta fires below -0.05 and is no-data when it cannot be computed', () => {
    const metric = {
      id: 'model_accuracy_delta',
      kind: 'threshold',
      source: 'verify',
      min: -0.05,
      critical: false,
      action: 'alert',
    } as const;
    const spec: Extract<TriggerSpec, { kind: 'accuracy' }> = {
      id: 'model-accuracy',
      action: 'alert',
      kind: 'accuracy',
      metric,
      comparison: 'below',
      limit: -0.05,
    };
    expect(evaluateAccuracyTrigger(spec, createTriggerProgress(), 0.02).outcome.status).toBe('ok');
    expect(evaluateAccuracyTrigger(spec, createTriggerProgress(), -0.07).outcome.status).toBe('fired');
    expect(evaluateAccuracyTrigger(spec, createTriggerProgress(), null).outcome.status).toBe('no-data');
  });
});

describe('health-check triggers', () => {
  const gate = {
    id: 'health-endpoint',
    kind: 'http',
    urlEnv: 'APP_BASE_URL',
    path: '/health',
    method: 'GET',
    headers: {},
    expectStatus: 200,
    expectHeaders: {},
    timeout: '10s',
  } as const;
  const spec: Extract<TriggerSpec, { kind: 'health' }> = {
    id: 'canary-health',
    action: 'rollback',
    kind: 'health',
    gate,
    consecutiveFailures: 2,
  };
  const pass = { verdict: 'pass' as const, summary: '200 in 3 ms' };
  const fail = { verdict: 'fail' as const, summary: '503' };
  const noUrl = { verdict: 'inconclusive' as const, summary: 'APP_BASE_URL is not set' };

  it('fires on the second consecutive failure, not the first', () => {
    const one = evaluateHealthTrigger(spec, createTriggerProgress(), fail);
    expect(one.outcome).toMatchObject({ status: 'ok', consecutiveFailures: 1 });
    expect(evaluateHealthTrigger(spec, one.progress, fail).outcome).toMatchObject({
      status: 'fired',
      consecutiveFailures: 2,
    });
  });

  it('a pass in between resets the count', () => {
    const one = evaluateHealthTrigger(spec, createTriggerProgress(), fail);
    const reset = evaluateHealthTrigger(spec, one.progress, pass);
    expect(evaluateHealthTrigger(spec, reset.progress, fail).outcome.status).toBe('ok');
  });

  it('inconclusive (no URL) is an error, neither a failure nor a pass', () => {
    const one = evaluateHealthTrigger(spec, createTriggerProgress(), fail);
    const unknown = evaluateHealthTrigger(spec, one.progress, noUrl);
    expect(unknown.outcome).toMatchObject({ status: 'error', consecutiveErrors: 1, consecutiveFailures: 1 });
    expect(evaluateHealthTrigger(spec, unknown.progress, fail).outcome.status).toBe('fired');
  });
});

describe('resolving the plan', () => {
  it('parses limits', () => {
    expect(parseLimit('baseline * 1.5')).toEqual({ factor: 1.5 });
    expect(parseLimit(400)).toEqual({ absolute: 400 });
  });

  it('rejects triggers that cannot be watched, all at once', () => {
    const config = {
      triggers: [
        { id: 'a', metric: 'latency', above: 1, action: 'rollback' },
        { id: 'b', healthCheck: 'nope', consecutiveFailures: 2, action: 'rollback' },
      ],
      phases: [{ id: 'P1', gates: [] }],
      canary: {
        window: '30m',
        metrics: [{ id: 'latency', kind: 'distribution', query: 'q', step: '1m', direction: 'lower-is-better' }],
      },
    } as unknown as RawConfig;
    expect(() => resolveTriggers(config)).toThrow(/trigger a: .*distribution.*trigger b: health check nope/);
  });
});
