import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compareProportions,
  computeFocusRatio,
  computeLogMixtureRatio,
  FOCUS_WEIGHT,
  createSequentialTest,
  evaluateSequential,
  simulatePolicy,
  type SequentialState,
} from '../../../src/stats/index.js';

/** The policy `watch` would run: fail as soon as the always-valid test rejects. */
function runSequential(
  baselineRate: number,
  canaryRate: number,
  requestsPerLook: number,
  looks: number,
  stages: number,
  mixture: number | { effect: number; power?: number },
  seed: number,
) {
  const tuning = typeof mixture === 'number' ? { mixingSd: mixture } : mixture;
  return simulatePolicy({
    scenario: { baselineRate, canaryRate, requestsPerLook, looks },
    stages,
    seed,
    initialState: createSequentialTest({ kind: 'proportions', alpha: 0.01, ...tuning }),
    decide: (look, state: SequentialState) => {
      const result = evaluateSequential(state, look);
      return { verdict: result.decision === 'reject' ? 'fail' : 'continue', state: result.state };
    },
  });
}

/** The naive policy: a fixed-sample test at alpha 0.01 re-run at every look. */
function runNaive(rate: number, requestsPerLook: number, looks: number, stages: number, seed: number) {
  return simulatePolicy({
    scenario: { baselineRate: rate, canaryRate: rate, requestsPerLook, looks },
    stages,
    seed,
    initialState: null,
    decide: (look, state) => ({
      verdict: compareProportions(look.baseline, look.canary, { alternative: 'greater', alpha: 0.01 }).significant
        ? 'fail'
        : 'continue',
      state,
    }),
  });
}

describe('mixture SPRT over repeated looks (seeded simulations)', () => {
  it('A/A with 60 looks keeps false rejections at or below alpha = 1 %, where re-testing each look does not', () => {
    const sequential = runSequential(0.02, 0.02, 200, 60, 300, 0.01, 7);
    const naive = runNaive(0.02, 200, 60, 300, 7);
    expect(sequential.falseFailRate).toBeLessThanOrEqual(0.01);
    expect(naive.falseFailRate).toBeGreaterThan(0.03);
  });

  it('A/A with rare events (0.2 %) stays at or below alpha as well', () => {
    expect(runSequential(0.002, 0.002, 500, 60, 300, 0.004, 8).falseFailRate).toBeLessThanOrEqual(0.01);
  });

  it('detects 2 % → 3 % by 10,000 requests per arm (100 per look): >= 90 % half-normal, >= 95 % focused on the effect', () => {
    // The same traffic (seed 1) for both mixtures.
    const halfNormal = runSequential(0.02, 0.03, 100, 100, 1000, 0.01, 1);
    const focused = runSequential(0.02, 0.03, 100, 100, 1000, { effect: 0.01 }, 1);
    expect(halfNormal.detectionRate).toBeGreaterThanOrEqual(0.9);
    expect(halfNormal.medianCanarySamplesToFail).toBeLessThan(10_000);
    expect(focused.detectionRate).toBeGreaterThanOrEqual(0.95);
    expect(focused.detectionRate).toBeGreaterThan((halfNormal.detectionRate as number) + 0.02);
    expect(focused.medianCanarySamplesToFail).toBeLessThan(halfNormal.medianCanarySamplesToFail as number);
  });

  it('focused on the effect, A/A with 60 looks stays at or below alpha = 1 %', () => {
    expect(runSequential(0.02, 0.02, 200, 60, 1000, { effect: 0.01 }, 7).falseFailRate).toBeLessThanOrEqual(0.01);
  });

  it('detects 1 % → 3 % with >= 90 % power within 2,000 requests per arm (20 per look)', () => {
    const report = runSequential(0.01, 0.03, 20, 100, 1000, 0.02, 1);
    expect(report.detectionRate).toBeGreaterThanOrEqual(0.9);
  });
});

describe('evaluateSequential', () => {
  const start = createSequentialTest({ kind: 'proportions', alpha: 0.01, mixingSd: 0.01 });

  it('state survives a JSON round trip and the input state is not modified', () => {
    const snapshot = JSON.stringify(start);
    const first = evaluateSequential(start, {
      baseline: { events: 20, total: 1000 },
      canary: { events: 31, total: 1000 },
    });
    expect(JSON.stringify(start)).toBe(snapshot);
    const restored = JSON.parse(JSON.stringify(first.state)) as SequentialState;
    const a = evaluateSequential(restored, {
      baseline: { events: 41, total: 2000 },
      canary: { events: 70, total: 2000 },
    });
    const b = evaluateSequential(first.state, {
      baseline: { events: 41, total: 2000 },
      canary: { events: 70, total: 2000 },
    });
    expect(a).toEqual(b);
    expect(a.state.looks).toBe(2);
  });

  it('warms up before the minimum samples, then reports Λ, the p-value and the confidence sequence', () => {
    const early = evaluateSequential(start, { baseline: { events: 1, total: 50 }, canary: { events: 3, total: 50 } });
    expect(early.evaluated).toBe(false);
    expect(early.pValue).toBe(1);
    const look = evaluateSequential(early.state, {
      baseline: { events: 200, total: 10_000 },
      canary: { events: 330, total: 10_000 },
    });
    expect(look.evaluated).toBe(true);
    expect(look.decision).toBe('reject');
    expect(look.pValue).toBeCloseTo(Math.exp(-(look.logLikelihoodRatio as number)), 12);
    const [lo, hi] = look.state.interval;
    expect(lo).toBeGreaterThan(0);
    expect(hi).toBeGreaterThan(look.estimate);
    expect(look.state.rejectedAtLook).toBe(2);
  });

  it('rejection is final and the p-value never increases', () => {
    let state = start;
    let previous = 1;
    const counts = [
      [100, 180],
      [210, 320],
      [300, 420],
      [400, 480],
    ];
    counts.forEach(([b, c], i) => {
      const result = evaluateSequential(state, {
        baseline: { events: b as number, total: 5000 * (i + 1) },
        canary: { events: c as number, total: 5000 * (i + 1) },
      });
      expect(result.pValue).toBeLessThanOrEqual(previous);
      if (state.decision === 'reject') expect(result.decision).toBe('reject');
      previous = result.pValue;
      state = result.state;
    });
    expect(state.decision).toBe('reject');
  });

  it('rejects observations that are not cumulative', () => {
    const first = evaluateSequential(start, {
      baseline: { events: 20, total: 1000 },
      canary: { events: 25, total: 1000 },
    });
    expect(() =>
      evaluateSequential(first.state, { baseline: { events: 10, total: 500 }, canary: { events: 25, total: 1000 } }),
    ).toThrow(RangeError);
  });

  it('supports means from summary statistics', () => {
    const state = createSequentialTest({ kind: 'means', alpha: 0.05, mixingSd: 10, alternative: 'greater' });
    const slower = evaluateSequential(state, {
      baseline: { count: 5000, mean: 200, variance: 2500 },
      canary: { count: 5000, mean: 210, variance: 2500 },
    });
    expect(slower.decision).toBe('reject');
    const faster = evaluateSequential(state, {
      baseline: { count: 5000, mean: 210, variance: 2500 },
      canary: { count: 5000, mean: 200, variance: 2500 },
    });
    expect(faster.decision).toBe('continue');
  });

  it('one-sided Λ exceeds two-sided Λ for harmful effects and below 1 for beneficial ones', () => {
    expect(computeLogMixtureRatio(0.01, 1e-5, 0.01, 'greater')).toBeGreaterThan(
      computeLogMixtureRatio(0.01, 1e-5, 0.01, 'two-sided'),
    );
    expect(computeLogMixtureRatio(-0.01, 1e-5, 0.01, 'greater')).toBeLessThan(0);
    expect(computeLogMixtureRatio(-0.01, 1e-5, 0.01, 'less')).toBeCloseTo(
      computeLogMixtureRatio(0.01, 1e-5, 0.01, 'greater'),
      12,
    );
  });

  it('validates options', () => {
    expect(() => createSequentialTest({ kind: 'proportions', alpha: 0, mixingSd: 0.01 })).toThrow(RangeError);
    expect(() => createSequentialTest({ kind: 'proportions', alpha: 0.01, mixingSd: 0 })).toThrow(RangeError);
    expect(() => createSequentialTest({ kind: 'proportions', alpha: 0.01 })).toThrow(/mixingSd/);
    for (const effect of [0, -0.01, Number.NaN, Number.POSITIVE_INFINITY])
      expect(() => createSequentialTest({ kind: 'proportions', alpha: 0.01, effect })).toThrow(/effect/);
    for (const power of [0.5, 1, Number.NaN])
      expect(() => createSequentialTest({ kind: 'proportions', alpha: 0.01, effect: 0.01, power })).toThrow(/power/);
  });
});

describe('focused mixture', () => {
  it('puts FOCUS_WEIGHT on c(alpha, power) × effect; mixingSd defaults to the effect', () => {
    const state = createSequentialTest({ kind: 'proportions', alpha: 0.01, effect: 0.01 });
    expect(computeFocusRatio(0.01, 0.9)).toBe(0.81);
    expect(state.options).toMatchObject({ mixingSd: 0.01, focusWeight: FOCUS_WEIGHT });
    expect(state.options.focusEffect).toBeCloseTo(0.0081, 15);
    // A higher power asks for detection further into the tail: a smaller point.
    expect(computeFocusRatio(0.01, 0.95)).toBeLessThan(computeFocusRatio(0.01, 0.9));
    expect(computeFocusRatio(0.01, 0.8)).toBeGreaterThan(computeFocusRatio(0.01, 0.9));
  });

  it('log Λ is the weighted mixture of the point SPRT and the half-normal mixture', () => {
    const [est, v, tau, theta, w] = [0.006, 4e-6, 0.01, 0.008, FOCUS_WEIGHT];
    const point = (t: number) => (t * est - (t * t) / 2) / v;
    const spread = computeLogMixtureRatio(est, v, tau, 'greater');
    expect(computeLogMixtureRatio(est, v, tau, 'greater', { effect: theta, weight: w })).toBeCloseTo(
      Math.log(w * Math.exp(point(theta)) + (1 - w) * Math.exp(spread)),
      10,
    );
    expect(computeLogMixtureRatio(-est, v, tau, 'less', { effect: theta, weight: w })).toBeCloseTo(
      computeLogMixtureRatio(est, v, tau, 'greater', { effect: theta, weight: w }),
      10,
    );
    const twoSided = computeLogMixtureRatio(est, v, tau, 'two-sided', { effect: theta, weight: w });
    expect(twoSided).toBeCloseTo(
      Math.log(
        (w / 2) * (Math.exp(point(theta)) + Math.exp(point(-theta))) +
          (1 - w) * Math.exp(computeLogMixtureRatio(est, v, tau, 'two-sided')),
      ),
      10,
    );
    // Far beyond: no overflow, Λ grows with the estimate.
    expect(computeLogMixtureRatio(1, 1e-8, tau, 'greater', { effect: theta, weight: w })).toBeGreaterThan(1e5);
  });

  it('E[Λ] = 1 under no difference, for any variance, scale, point and side (the martingale step)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1e-8, max: 1e-2, noNaN: true }),
        fc.double({ min: 0.1, max: 10, noNaN: true }),
        fc.double({ min: 0.1, max: 5, noNaN: true }),
        fc.constantFrom('greater' as const, 'less' as const, 'two-sided' as const),
        (variance, tauInSd, pointInSd, alternative) => {
          const sd = Math.sqrt(variance);
          const focus = { effect: pointInSd * sd, weight: FOCUS_WEIGHT };
          // Simpson's rule over θ̂ ~ N(0, V); the normal part's integrand has sd √(V + τ²).
          const half = (12 * Math.sqrt(1 + tauInSd * tauInSd) + pointInSd) * sd;
          const steps = 4000;
          const h = (2 * half) / steps;
          let sum = 0;
          for (let i = 0; i <= steps; i += 1) {
            const x = -half + i * h;
            const weight = i === 0 || i === steps ? 1 : i % 2 === 1 ? 4 : 2;
            const logDensity = -(x * x) / (2 * variance) - Math.log(sd * Math.sqrt(2 * Math.PI));
            const logRatio = computeLogMixtureRatio(x, variance, tauInSd * sd, alternative, focus);
            sum += weight * Math.exp(logDensity + logRatio);
          }
          expect((sum * h) / 3).toBeCloseTo(1, 5);
        },
      ),
      { numRuns: 30, seed: 15 },
    );
  });

  it('a state saved without a focus (before it existed) evaluates as the half-normal mixture, unchanged', () => {
    const focused = createSequentialTest({ kind: 'proportions', alpha: 0.01, effect: 0.01 });
    const { focusEffect: _point, focusWeight: _weight, ...options } = focused.options;
    const saved = JSON.parse(JSON.stringify({ ...focused, options })) as SequentialState;
    const plain = createSequentialTest({ kind: 'proportions', alpha: 0.01, mixingSd: 0.01 });
    const data = { baseline: { events: 200, total: 10_000 }, canary: { events: 262, total: 10_000 } };
    expect(evaluateSequential(saved, data).logLikelihoodRatio).toBe(evaluateSequential(plain, data).logLikelihoodRatio);
    expect(evaluateSequential(focused, data).logLikelihoodRatio).not.toBe(
      evaluateSequential(plain, data).logLikelihoodRatio,
    );
  });
});
