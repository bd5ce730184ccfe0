import { describe, expect, it } from 'vitest';
import { renderQuery } from '../../../src/metrics/promql.js';
import type { Recording } from '../../../src/metrics/recording-format.js';
import { planSimulation, readRecordedBaselines } from '../../../src/simulate/index.js';
import { lookTrigger, startTriggerRun, subtractCounts } from '../../../src/simulate/watch-rule.js';
import type { PairCounts } from '../../../src/simulate/stage-end.js';
import { canaryPolicy, ratioMetric, relativeTrigger, request } from './fixtures.js';

const errors = ratioMetric('error_rate');
const completion = ratioMetric('completion', { direction: 'higher-is-better', maxRelativeChange: 0.05 });
const policy = canaryPolicy([errors, completion]);

function answer(query: string, v: number, method: 'instant' | 'range' = 'instant') {
  return {
    method,
    query,
    recordedAt: '2026-01-01T00:00:00.000Z',
    outcome: {
      kind: 'ok' as const,
      query,
      url: 'http://127.0.0.1:9090',
      durationMs: 1,
      attempts: 1,
      resultType: 'vector' as const,
      series: [{ labels: {}, values: [{ t: 0, v }] }],
    },
  };
}
const render = (template: string, variant: string, window: string) =>
  renderQuery(template, { variant, window, release: 'r1' });

describe('readRecordedBaselines', () => {
  it('finds each metric’s baseline answers whatever window analyze used, the latest answer winning', () => {
    const recording: Recording = {
      version: 1,
      createdAt: '2026-01-01T00:00:00.000Z',
      source: 'test',
      entries: [
        answer(render(errors.events, 'old', '1h'), 999),
        answer(render(errors.events, 'old', '1h'), 60),
        answer(render(errors.total, 'old', '1h'), 12_000),
        answer(render(errors.total, 'new', '1h'), 600),
        answer(render(errors.events, 'new', '1h'), 6),
        answer(render(completion.total, 'old', '1h'), 0),
      ],
    };
    const found = readRecordedBaselines(recording, policy, 'r1', [errors, completion]);
    expect(found.get('error_rate')).toEqual({ events: 60, total: 12_000, canaryTotal: 600, windowMs: 3_600_000 });
    expect(found.has('completion')).toBe(false); // no events answer and no traffic: not a baseline
  });

  it('turns the recorded window into per-look volumes and redraws the rate each stage', () => {
    const recorded = new Map([['error_rate', { events: 60, total: 12_000, canaryTotal: 600, windowMs: 3_600_000 }]]);
    const notes: string[] = [];
    const plan = planSimulation(policy, [], request({ requestsPerLook: null, recorded }), notes);
    expect(plan.traffic[0]).toMatchObject({
      source: 'recording',
      baselineRate: 0.005,
      canaryRate: null,
      effect: 1,
      requestsPerLook: { baseline: 200, canary: 10 },
      resample: { events: 60, total: 12_000 },
    });
    expect(plan.traffic[1]).toMatchObject({ source: 'default', requestsPerLook: { baseline: 200, canary: 200 } });
    expect(notes).toEqual(['completion: no recorded baseline in the recording; simulated at the default rate']);
  });
});

describe('the watch rule over a simulated stage', () => {
  const perLook = (be: number, ce: number, n = 1000): PairCounts => ({
    baselineEvents: be,
    baselineTotal: n,
    canaryEvents: ce,
    canaryTotal: n,
  });
  const cumulate = (looks: PairCounts[]) =>
    looks.reduce<PairCounts[]>(
      (acc, l) => [
        ...acc,
        {
          baselineEvents: acc.at(-1)!.baselineEvents + l.baselineEvents,
          baselineTotal: acc.at(-1)!.baselineTotal + l.baselineTotal,
          canaryEvents: acc.at(-1)!.canaryEvents + l.canaryEvents,
          canaryTotal: acc.at(-1)!.canaryTotal + l.canaryTotal,
        },
      ],
      [{ baselineEvents: 0, baselineTotal: 0, canaryEvents: 0, canaryTotal: 0 }],
    );

  it('subtracts cumulative snapshots into window and increment counts', () => {
    const c = cumulate([perLook(1, 2), perLook(3, 4), perLook(5, 6)]);
    expect(subtractCounts(c[3]!, c[1]!)).toEqual({
      baselineEvents: 8,
      baselineTotal: 2000,
      canaryEvents: 10,
      canaryTotal: 2000,
    });
  });

  it('fires on a tripled error rate and never on equal rates, and stays fired', () => {
    const trigger = relativeTrigger(errors, 1.5, '10m');
    const run = (looks: PairCounts[]) => {
      const history = cumulate(looks);
      const r = startTriggerRun(trigger, 0, 10, 0.01);
      const fired = looks.map((_, i) => lookTrigger(r, history, i + 1, new Date(60_000 * (i + 1)).toISOString()));
      return { fired, firedAt: r.firedAt };
    };
    const healthy = run(Array.from({ length: 30 }, () => perLook(10, 10)));
    expect(healthy.fired.some(Boolean)).toBe(false);
    const bad = run(Array.from({ length: 30 }, () => perLook(10, 30)));
    expect(bad.firedAt).toBeGreaterThan(0);
    expect(bad.fired.slice(bad.firedAt - 1).every(Boolean)).toBe(true);
    expect(bad.fired.slice(0, bad.firedAt - 1).some(Boolean)).toBe(false);
  });
});
