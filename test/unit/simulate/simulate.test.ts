import { describe, expect, it } from 'vitest';
import {
  applyEffect,
  chooseDefaultRate,
  computeBinomialQuantile,
  checkLevel,
  planSimulation,
  simulateCanaryPolicy,
  SimulationInputError,
} from '../../../src/simulate/index.js';
import { canaryPolicy, plan, ratioMetric, relativeTrigger, request } from './fixtures.js';

// One error-rate metric without absolute limits: every fail below is the statistics' doing.
const errors = ratioMetric('error_rate');
const policy = canaryPolicy([errors], { alpha: 0.01, minSamples: 100 });
const atBoundary = relativeTrigger(errors, 1); // canary ≤ 1 × baseline: A/A sits exactly on H0
const plansTrigger = relativeTrigger(errors, 1.5);

describe('simulateCanaryPolicy', () => {
  it('is deterministic for a seed and changes with it', () => {
    const run = (seed: number) =>
      simulateCanaryPolicy(plan(policy, [atBoundary], { stages: 60, looks: 20, baselineRate: 0.05, seed }));
    const first = run(3);
    expect(run(3)).toEqual(first);
    const other = run(4);
    expect([other.overall.naive.rate, other.metrics[0]!.stageEnd.failRateByLook]).not.toEqual([
      first.overall.naive.rate,
      first.metrics[0]!.stageEnd.failRateByLook,
    ]);
  });

  it('A/A: the stage-end test and the sequential watch rule stay within alpha, the fixed test at every look does not', () => {
    // 60 looks of 100 requests per arm at 5 %: the fixed one-sided 1 % test re-run at every look.
    const r = simulateCanaryPolicy(
      plan(policy, [atBoundary, { ...plansTrigger, id: 'plan-style' }], {
        stages: 600,
        looks: 60,
        requestsPerLook: 100,
        baselineRate: 0.05,
        seed: 11,
      }),
    );
    expect(r.level).not.toBeNull();
    const limit = r.level!.limit;
    expect(limit).toBeCloseTo(computeBinomialQuantile(600, 0.01, 0.99) / 600, 12);
    expect(r.overall.stageEnd.failRate).toBeLessThanOrEqual(limit);
    expect(r.overall.watch.rollback.rate).toBeLessThanOrEqual(limit);
    expect(r.metrics[0]!.triggers.find((t) => t.id === atBoundary.id)!.rate).toBeLessThanOrEqual(limit);
    expect(r.overall.naive.rate).toBeGreaterThan(limit);
    expect(r.overall.naive.rate).toBeGreaterThan(2 * r.alpha);
    expect(r.level!.ok).toBe(true);
    expect(r.metrics[0]!.regressed).toBe(false);
  });

  it('power grows with the effect, and detection comes sooner', () => {
    const effects = [1.05, 1.25, 1.6, 2.5];
    const runs = effects.map((effect) =>
      simulateCanaryPolicy(
        plan(policy, [plansTrigger], {
          scenario: 'regression',
          effect,
          stages: 200,
          looks: 40,
          requestsPerLook: 250,
          baselineRate: 0.02,
          seed: 5,
        }),
      ),
    );
    const stageEnd = runs.map((r) => r.metrics[0]!.stageEnd.failRate);
    const watch = runs.map((r) => r.overall.watch.rollback.rate);
    for (let i = 1; i < runs.length; i += 1) {
      expect(stageEnd[i]).toBeGreaterThanOrEqual(stageEnd[i - 1]!);
      expect(watch[i]).toBeGreaterThanOrEqual(watch[i - 1]!);
    }
    expect(stageEnd[0]).toBeLessThan(0.5);
    expect(stageEnd.at(-1)).toBe(1);
    // A 2.5× error rate is beyond the trigger's 1.5× limit: watch rolls it back, and early.
    expect(watch.at(-1)).toBeGreaterThan(0.9);
    expect(runs.at(-1)!.overall.watch.rollback.medianLooks).toBeLessThan(20);
    expect(runs.every((r) => r.level === null && r.metrics[0]!.regressed)).toBe(true);
    const curve = runs[2]!.metrics[0]!.stageEnd.failRateByLook;
    expect(curve).toHaveLength(40);
    expect(curve.at(-1)!).toBeGreaterThan(curve[4]!);
    const forPower = runs.at(-1)!.metrics[0]!.stageEnd.requestsPerArmForPower;
    expect(forPower).not.toBeNull();
    expect(runs.at(-1)!.metrics[0]!.stageEnd.failRateByLook[forPower! / 250 - 1]).toBeGreaterThanOrEqual(policy.power);
  });

  it('a regression at exactly the trigger factor is not a rollback: the rule tests canary > k × baseline', () => {
    const r = simulateCanaryPolicy(
      plan(policy, [plansTrigger], {
        scenario: 'regression',
        effect: 1.5,
        stages: 200,
        looks: 40,
        requestsPerLook: 250,
        baselineRate: 0.02,
        seed: 9,
      }),
    );
    expect(r.overall.watch.rollback.rate).toBeLessThanOrEqual(checkLevel(0.01, 200, { watch: 0, stageEnd: 0 }).limit);
    expect(r.metrics[0]!.stageEnd.failRate).toBeGreaterThan(0.9);
  });

  it("watch's first look already holds a trigger window of traffic, as the loop's first query does", () => {
    // 1 % → 8 %, 100 requests per arm per look: one look alone (about 1 vs 8 errors) establishes
    // nothing; a 10m window of ten looks (10 vs 80) does at once.
    const run = (window: string) =>
      simulateCanaryPolicy(
        plan(policy, [relativeTrigger(errors, 1.5, window)], {
          scenario: 'regression',
          canaryRate: 0.08,
          baselineRate: 0.01,
          stages: 40,
          looks: 3,
          requestsPerLook: 100,
          seed: 5,
        }),
      ).metrics[0]!.triggers[0]!;
    const tenMinutes = run('10m');
    expect(tenMinutes.rate).toBeGreaterThanOrEqual(0.95);
    expect(tenMinutes).toMatchObject({ medianLooks: 1, medianRequestsPerArm: 100 });
    expect(run('1m').rate).toBeLessThan(0.5);
  });
});

describe('planSimulation', () => {
  const completion = ratioMetric('completion', {
    direction: 'higher-is-better',
    maxRelativeChange: 0.05,
    minAbsolute: 0.95,
  });
  const both = canaryPolicy([ratioMetric('error_rate', { maxAbsolute: 0.02 }), completion]);

  it('chooses healthy default rates, away from the absolute limits', () => {
    expect(chooseDefaultRate(ratioMetric('e'))).toBe(0.02);
    expect(chooseDefaultRate(ratioMetric('e', { maxAbsolute: 0.02 }))).toBe(0.01);
    expect(chooseDefaultRate(ratioMetric('c', { direction: 'higher-is-better' }))).toBe(0.97);
    expect(chooseDefaultRate(completion)).toBeCloseTo(0.975, 12);
  });

  it('applies an effect in the bad direction, as the judge measures change', () => {
    expect(applyEffect(errors, 0.02, 1.5)).toBeCloseTo(0.03, 12);
    expect(applyEffect(completion, 0.97, 1.05)).toBeCloseTo(0.9215, 12);
    expect(applyEffect(completion, 0.97, 3)).toBe(0);
  });

  it('regresses only the chosen metric; the others stay A/A in the Holm family', () => {
    const p = planSimulation(both, [], request({ scenario: 'regression', metric: 'completion', canaryRate: 0.9 }), []);
    expect(p.traffic.map((t) => [t.metric.id, t.baselineRate, t.canaryRate])).toEqual([
      ['error_rate', 0.01, 0.01],
      ['completion', 0.975, 0.9],
    ]);
  });

  it('names the flag that does not fit the plan', () => {
    const failing = (extra: Parameters<typeof request>[0]) => {
      try {
        planSimulation(both, [], request(extra), []);
      } catch (error) {
        return error instanceof SimulationInputError ? error.flag : String(error);
      }
      return null;
    };
    expect(failing({ metric: 'eror_rate' })).toBe('--metric');
    expect(failing({ baselineRate: 0.02 })).toBe('--baseline-rate');
    expect(failing({ scenario: 'regression', canaryRate: 0.03 })).toBe('--canary-rate');
    expect(failing({ metric: 'error_rate', baselineRate: 0.02 })).toBeNull();
  });
});

describe('the A/A level check', () => {
  it('uses the 99th percentile of Binomial(stages, alpha) as the limit (SciPy binom.ppf)', () => {
    expect(computeBinomialQuantile(1000, 0.01, 0.99)).toBe(18);
    expect(computeBinomialQuantile(500, 0.01, 0.99)).toBe(11);
    expect(computeBinomialQuantile(200, 0.05, 0.99)).toBe(18);
    expect(computeBinomialQuantile(100_000, 0.001, 0.99)).toBe(124);
    const check = checkLevel(0.01, 1000, { watch: 0.018, stageEnd: 0.019 });
    expect(check.limit).toBeCloseTo(0.018, 12);
    expect(check.margin).toBeCloseTo(0.008, 12);
    expect(check.checks.map((c) => c.ok)).toEqual([true, false]);
    expect(check.ok).toBe(false);
  });
});
