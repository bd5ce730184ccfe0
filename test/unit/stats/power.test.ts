import { describe, expect, it } from 'vitest';
import { achievedPower, adjustHolm, requiredSampleSize } from '../../../src/stats/index.js';

const relative = (actual: number, expected: number): number => Math.abs(actual - expected) / Math.abs(expected);

describe('requiredSampleSize / achievedPower (R power.prop.test formula)', () => {
  it('reproduces the R ?power.prop.test examples', () => {
    // R: power.prop.test(p1 = .50, p2 = .75, power = .90) => n = 76.7; power.prop.test(n = 50, p1 = .50, p2 = .75) => power = 0.740.
    // Full precision computed with scipy.stats.norm (SciPy 1.10.1) on R's formula (reference/generate-reference.py).
    const size = requiredSampleSize({ p0: 0.5, p1: 0.75, alpha: 0.05, power: 0.9 });
    expect(relative(size.exact, 76.70692845177747)).toBeLessThan(1e-9);
    expect(size.perArm).toBe(77);
    expect(relative(achievedPower({ p0: 0.5, p1: 0.75, alpha: 0.05, n: 50 }), 0.7401659013313878)).toBeLessThan(1e-9);
  });

  it('one-sided 2 % → 3 % at alpha 0.01', () => {
    const size = requiredSampleSize({ p0: 0.02, mde: 0.01, alpha: 0.01, power: 0.9, alternative: 'greater' });
    expect(relative(size.exact, 6343.4452164973545)).toBeLessThan(1e-9);
    expect(
      relative(
        achievedPower({ p0: 0.02, p1: 0.03, alpha: 0.01, n: 10_000, alternative: 'greater' }),
        0.9862339859819873,
      ),
    ).toBeLessThan(1e-9);
  });

  it('power and sample size are inverse; power grows with n and is small in the wrong direction', () => {
    const size = requiredSampleSize({ p0: 0.01, p1: 0.015, alpha: 0.05, power: 0.8 });
    expect(achievedPower({ p0: 0.01, p1: 0.015, alpha: 0.05, n: size.exact })).toBeCloseTo(0.8, 9);
    expect(achievedPower({ p0: 0.01, p1: 0.015, alpha: 0.05, n: 1000 })).toBeLessThan(
      achievedPower({ p0: 0.01, p1: 0.015, alpha: 0.05, n: 2000 }),
    );
    expect(achievedPower({ p0: 0.02, p1: 0.01, alpha: 0.05, n: 5000, alternative: 'greater' })).toBeLessThan(0.001);
    expect(() => requiredSampleSize({ p0: 0.02, p1: 0.02, alpha: 0.05, power: 0.9 })).toThrow(RangeError);
  });
});

describe('adjustHolm', () => {
  it('matches statsmodels 0.13.5 multipletests(method="holm")', () => {
    const result = adjustHolm([0.01, 0.04, 0.03, 0.005, 0.2, 0.0001], 0.05);
    const expected = [0.04, 0.09, 0.09, 0.025, 0.2, 0.0006];
    result.adjusted.forEach((p, i) => expect(p).toBeCloseTo(expected[i] as number, 14));
    expect(result.rejected).toEqual([true, false, false, true, false, true]);
  });

  it('rejects at least what Bonferroni rejects and never more than unadjusted tests', () => {
    const p = [0.012, 0.013, 0.9, 0.011];
    const result = adjustHolm(p, 0.05);
    p.forEach((value, i) => {
      if (value * p.length <= 0.05) expect(result.rejected[i]).toBe(true);
      if (value > 0.05) expect(result.rejected[i]).toBe(false);
    });
    expect(result.rejected).toEqual([true, true, false, true]);
    expect(adjustHolm([]).rejected).toEqual([]);
    expect(() => adjustHolm([1.2])).toThrow(RangeError);
  });
});
