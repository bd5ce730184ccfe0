import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decideStage, judgeStage, screenMetric, type PairCounts } from '../../../src/simulate/stage-end.js';
import { canaryPolicy, ratioMetric } from './fixtures.js';

const errors = ratioMetric('error_rate', { maxAbsolute: 0.02 });
const completion = ratioMetric('completion', {
  direction: 'higher-is-better',
  maxRelativeChange: 0.05,
  minAbsolute: 0.95,
});
const business = ratioMetric('business', {
  direction: 'higher-is-better',
  maxRelativeChange: 0.15,
  minAbsolute: 0.5,
  action: 'alert',
  critical: false,
});
const counts = (be: number, bt: number, ce: number, ct: number): PairCounts => ({
  baselineEvents: be,
  baselineTotal: bt,
  canaryEvents: ce,
  canaryTotal: ct,
});

describe('judgeStage: the stage-end decision of advance on simulated counts', () => {
  const policy = canaryPolicy([errors, completion, business]);
  const healthy = [
    counts(100, 10_000, 104, 10_000),
    counts(9_700, 10_000, 9_690, 10_000),
    counts(9_000, 10_000, 8_990, 10_000),
  ];

  it('passes a healthy canary and is inconclusive below the minimum samples', () => {
    expect(judgeStage([errors, completion, business], healthy, policy).verdict).toBe('pass');
    const small = healthy.map((c) => counts(c.baselineEvents / 20, 500, c.canaryEvents / 20, 500));
    expect(judgeStage([errors, completion, business], small, policy).verdict).toBe('inconclusive');
  });

  it('fails a significant regression beyond the tolerance, by the test', () => {
    const outcome = judgeStage(
      [errors, completion, business],
      [counts(100, 10_000, 180, 10_000), healthy[1]!, healthy[2]!],
      policy,
    );
    expect(outcome.verdict).toBe('fail');
    expect(outcome.byTest).toBe(true);
    expect(outcome.metrics[0]).toEqual({ fail: true, byTest: true });
  });

  it('tells an absolute-limit breach from a significant regression', () => {
    // 2.1 % vs 2.0 %: over maxAbsolute 0.02 but nowhere near significant.
    const outcome = judgeStage(
      [errors, completion, business],
      [counts(200, 10_000, 210, 10_000), healthy[1]!, healthy[2]!],
      policy,
    );
    expect(outcome.verdict).toBe('fail');
    expect(outcome.byTest).toBe(false);
    expect(outcome.metrics[0]).toEqual({ fail: true, byTest: false });
  });

  it('a failing alert metric does not fail the stage: it is not a rollback metric', () => {
    const outcome = judgeStage(
      [errors, completion, business],
      [healthy[0]!, healthy[1]!, counts(9_000, 10_000, 7_000, 10_000)],
      policy,
    );
    expect(outcome.metrics[2]!.fail).toBe(true);
    expect(outcome.verdict).toBe('inconclusive');
  });
});

describe('decideStage: skips the judge only where its answer is certain', () => {
  const pair = fc
    .tuple(
      fc.integer({ min: 0, max: 30_000 }),
      fc.integer({ min: 0, max: 30_000 }),
      fc.double({ min: 0, max: 1, noNaN: true }),
      fc.double({ min: 0.5, max: 2, noNaN: true }),
    )
    .map(([tb, tc, p, k]) => {
      const pc = Math.min(1, p * k);
      return counts(Math.round(tb * p), tb, Math.round(tc * pc), tc);
    });

  it.each([
    ['holm', 0.01],
    ['none', 0.05],
  ] as const)('gives exactly the judge and combination verdicts (%s, alpha %f)', (multipleComparisons, alpha) => {
    const policy = canaryPolicy([errors, completion, business], { multipleComparisons, alpha, minSamples: 200 });
    fc.assert(
      fc.property(fc.tuple(pair, pair, pair), (c) => {
        const judged = judgeStage([errors, completion, business], c, policy);
        expect(decideStage([errors, completion, business], c, policy)).toEqual(judged);
        const unsplit = decideStage([errors, completion, business], c, policy, false);
        expect([unsplit.verdict, unsplit.metrics.map((m) => m.fail)]).toEqual([
          judged.verdict,
          judged.metrics.map((m) => m.fail),
        ]);
      }),
      { numRuns: 3000, seed: 7 },
    );
  });

  it('screens a clearly healthy metric as pass and sends a suspicious one to the judge', () => {
    const policy = canaryPolicy([errors]);
    expect(screenMetric(errors, counts(100, 10_000, 95, 10_000), policy)).toBe('pass');
    expect(screenMetric(errors, counts(100, 10_000, 160, 10_000), policy)).toBe('maybe-fail');
    expect(screenMetric(errors, counts(100, 10_000, 250, 10_000), policy)).toBe('limit-fail');
    expect(screenMetric(errors, counts(10, 900, 9, 900), policy)).toBe('inconclusive');
  });
});
