import { describe, expect, it } from 'vitest';
import { judgeMetric } from '../../../src/canary/judge.js';
import { simulateCanaryPolicy } from '../../../src/simulate/index.js';
import { toCollected } from '../../../src/simulate/stage-end.js';
import { computeRulePower, computeRuleSampleSize, requiredSampleSize } from '../../../src/stats/index.js';
import { canaryPolicy, plan, ratioMetric } from './fixtures.js';

/**
 * The sample-size advice is for the rule as `advance` applies it (Holm, tolerance, minimum
 * samples): simulating stages of exactly the advised size with the stated effect, through the real
 * judge and Holm combination, fails that share of them — within ±5 points of the configured power.
 */
const cases = [
  {
    name: 'error rate 1 % → 1.2 %, 10 % tolerance, Holm over 3, power 0.9',
    p0: 0.01,
    change: 0.2,
    tolerance: 0.1,
    metrics: 3,
    power: 0.9,
    direction: 'lower-is-better' as const,
  },
  {
    name: 'error rate 2 % → 2.8 %, 20 % tolerance, one metric, power 0.8',
    p0: 0.02,
    change: 0.4,
    tolerance: 0.2,
    metrics: 1,
    power: 0.8,
    direction: 'lower-is-better' as const,
  },
  {
    name: 'completion 90 % → 81 %, 5 % tolerance, Holm over 2, power 0.9',
    p0: 0.9,
    change: 0.1,
    tolerance: 0.05,
    metrics: 2,
    power: 0.9,
    direction: 'higher-is-better' as const,
  },
];

describe('sample-size advice matches the decision rule', () => {
  it.each(cases)('$name: simulated fail rate at the advised size is within ±5 points of the power', (c) => {
    const sign = c.direction === 'lower-is-better' ? 1 : -1;
    const p1 = c.p0 * (1 + sign * c.change);
    const { perArm } = computeRuleSampleSize({
      p0: c.p0,
      p1,
      direction: c.direction,
      alpha: 0.01,
      tests: c.metrics,
      tolerance: c.tolerance,
      power: c.power,
      minSamples: 1,
    });
    const metrics = Array.from({ length: c.metrics }, (_, i) =>
      ratioMetric(i === 0 ? 'target' : `other${i}`, { direction: c.direction, maxRelativeChange: c.tolerance }),
    );
    const policy = canaryPolicy(metrics, { alpha: 0.01, power: c.power, minSamples: 1 });
    const r = simulateCanaryPolicy(
      plan(policy, [], {
        scenario: 'regression',
        metric: 'target',
        baselineRate: c.p0,
        canaryRate: p1,
        stages: 2000,
        looks: 1,
        requestsPerLook: perArm,
        seed: 15,
      }),
    );
    const failRate = r.metrics[0]!.stageEnd.failRate;
    expect(Math.abs(failRate - c.power), `advised ${perArm} per arm, simulated ${failRate}`).toBeLessThanOrEqual(0.05);
  });

  it('the z-test formula the advice used to quote falls far short under the rule (the 10 % change itself, Holm over 4)', () => {
    const old = requiredSampleSize({ p0: 0.01, p1: 0.011, alpha: 0.01, power: 0.9, alternative: 'greater' }).perArm;
    expect(
      computeRulePower({
        p0: 0.01,
        p1: 0.011,
        direction: 'lower-is-better',
        alpha: 0.01,
        tests: 4,
        tolerance: 0.1,
        n: old,
      }),
    ).toBeLessThan(0.5);
  });

  it('analyze says how many more requests, for which effect, under which rule', () => {
    const metric = ratioMetric('error_rate', { maxRelativeChange: 0.1 });
    const policy = canaryPolicy([metric, ratioMetric('other')], { alpha: 0.01, power: 0.9, minSamples: 1000 });
    const v = judgeMetric(
      metric,
      toCollected({ baselineEvents: 5, baselineTotal: 500, canaryEvents: 5, canaryTotal: 500 }),
      { canary: policy, budget: null },
    );
    expect(v.verdict).toBe('inconclusive');
    const expected = computeRuleSampleSize({
      p0: 0.01,
      p1: 0.012,
      direction: 'lower-is-better',
      alpha: 0.01,
      tests: 2,
      tolerance: 0.1,
      power: 0.9,
      minSamples: 1000,
    }).perArm;
    expect(v.power?.neededPerArm).toBe(expected);
    expect(v.reason).toContain(
      `needs ~${expected - 500} more requests per arm for a 90 % chance to fail a 20 % change (1.00 % → 1.20 %`,
    );
    expect(v.reason).toContain('alpha/2 (Holm)');
  });
});
