import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addInterval,
  compareProportions,
  computeDispersion,
  createPrng,
  EMPTY_DISPERSION_SUMS,
  estimateDispersion,
  estimateLag1Autocorrelation,
  mannWhitney,
  mannWhitneyAutocorrelated,
  sampleBetaBinomial,
  sampleBinomial,
} from '../../../src/stats/index.js';

/** Pearson χ² / (I − arms), written out interval by interval. */
function pearsonByHand(arms: Array<Array<{ events: number; total: number }>>): number {
  let chi2 = 0;
  let df = 0;
  for (const arm of arms) {
    const p = arm.reduce((s, c) => s + c.events, 0) / arm.reduce((s, c) => s + c.total, 0);
    for (const c of arm) chi2 += (c.events - c.total * p) ** 2 / (c.total * p * (1 - p));
    df += arm.length - 1;
  }
  return chi2 / df;
}

describe('estimateDispersion (quasi-binomial Pearson φ)', () => {
  it('is Pearson χ² over its degrees of freedom, each arm around its own rate', () => {
    const canary = [
      [3, 200],
      [7, 210],
      [1, 190],
      [12, 205],
      [4, 195],
    ].map(([events, total]) => ({ events: events as number, total: total as number }));
    const baseline = [
      [2, 180],
      [9, 220],
      [5, 200],
      [6, 210],
      [0, 190],
    ].map(([events, total]) => ({ events: events as number, total: total as number }));
    const r = estimateDispersion([canary, baseline]);
    expect(r.estimate).toBeCloseTo(pearsonByHand([canary, baseline]), 12);
    expect(r.degreesOfFreedom).toBe(8);
    expect(r.factor).toBe(Math.max(1, r.estimate as number));
  });

  it('running sums give the same φ as the intervals, in any order', () => {
    const interval = fc
      .integer({ min: 1, max: 500 })
      .chain((total) => fc.record({ total: fc.constant(total), events: fc.integer({ min: 0, max: total }) }));
    fc.assert(
      fc.property(
        fc.array(interval, { minLength: 2, maxLength: 30 }),
        fc.array(interval, { minLength: 2, maxLength: 30 }),
        (a, b) => {
          const r = estimateDispersion([a, b]);
          const reversed = computeDispersion([
            [...a].reverse().reduce(addInterval, EMPTY_DISPERSION_SUMS),
            [...b].reverse().reduce(addInterval, EMPTY_DISPERSION_SUMS),
          ]);
          expect(reversed.factor).toBeCloseTo(r.factor, 9);
          expect(r.factor).toBeGreaterThanOrEqual(1);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('is about 1 on binomial counts and about φ on beta-binomial ones', () => {
    const random = createPrng(3);
    const binomial = [0, 1].map(() =>
      Array.from({ length: 400 }, () => ({ events: sampleBinomial(random, 500, 0.02), total: 500 })),
    );
    expect(estimateDispersion(binomial).estimate).toBeGreaterThan(0.85);
    expect(estimateDispersion(binomial).estimate).toBeLessThan(1.15);
    // Beta-binomial with φ = 4 (intra-interval correlation 3/499 at 500 requests).
    const clustered = [0, 1].map(() =>
      Array.from({ length: 400 }, () => ({ events: sampleBetaBinomial(random, 500, 0.02, 4), total: 500 })),
    );
    expect(estimateDispersion(clustered).estimate).toBeGreaterThan(3.3);
    expect(estimateDispersion(clustered).estimate).toBeLessThan(4.7);
  });

  it('cannot estimate from one interval, or from an arm without events; refuses impossible counts', () => {
    expect(estimateDispersion([[{ events: 1, total: 10 }], [{ events: 2, total: 10 }]])).toEqual({
      factor: 1,
      estimate: null,
      degreesOfFreedom: 0,
    });
    expect(
      estimateDispersion([
        [
          { events: 0, total: 10 },
          { events: 0, total: 10 },
        ],
      ]).factor,
    ).toBe(1);
    expect(() => estimateDispersion([[{ events: 11, total: 10 }]])).toThrow(RangeError);
    expect(() => estimateDispersion([[{ events: Number.NaN, total: 10 }]])).toThrow(RangeError);
  });
});

describe('compareProportions with a dispersion factor', () => {
  const arms = fc
    .integer({ min: 1, max: 50_000 })
    .chain((total) => fc.record({ total: fc.constant(total), events: fc.integer({ min: 0, max: total }) }));
  it('φ = 1 is exactly the binomial test (same p-value, statistic and intervals)', () => {
    fc.assert(
      fc.property(
        arms,
        arms,
        fc.constantFrom('greater' as const, 'less' as const, 'two-sided' as const),
        (b, c, alternative) => {
          fc.pre(b.events + c.events > 0 && b.events + c.events < b.total + c.total);
          const plain = compareProportions(b, c, { alternative, alpha: 0.01 });
          const one = compareProportions(b, c, { alternative, alpha: 0.01, dispersion: 1 });
          expect(one).toEqual({ ...plain, dispersion: 1 });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('φ > 1 divides the score statistic by √φ and widens the intervals', () => {
    const b = { events: 200, total: 10_000 };
    const c = { events: 260, total: 10_000 };
    const plain = compareProportions(b, c, { alternative: 'greater', alpha: 0.01 });
    const wide = compareProportions(b, c, { alternative: 'greater', alpha: 0.01, dispersion: 4 });
    expect(wide.statistic).toBeCloseTo(plain.statistic / 2, 12);
    expect(wide.pValue).toBeGreaterThan(plain.pValue);
    expect(wide.ratioInterval[0]).toBeLessThan(plain.ratioInterval[0]);
    expect(wide.ratioInterval[1]).toBeGreaterThan(plain.ratioInterval[1]);
    expect(wide.ratio).toBe(plain.ratio);
  });

  it('refuses a factor below 1, NaN or Infinity', () => {
    for (const dispersion of [0.5, Number.NaN, Infinity])
      expect(() => compareProportions({ events: 1, total: 10 }, { events: 1, total: 10 }, { dispersion })).toThrow(
        /dispersion/,
      );
  });
});

describe('mannWhitneyAutocorrelated', () => {
  it('is the plain asymptotic test on independent-looking series and never narrower', () => {
    const x = [5, 1, 4, 2, 6, 3, 7, 0, 8, 2.5];
    const y = [3.1, 0.2, 6.2, 1.1, 4.4, 2.2, 5.5, 0.9, 7.1, 3.3];
    const plain = mannWhitney(x, y, { alternative: 'greater', method: 'asymptotic' });
    const r = mannWhitneyAutocorrelated(x, y, { alternative: 'greater' });
    expect(r.lag1.x).toBe(0);
    expect(r.pValue).toBeGreaterThanOrEqual(plain.pValue);
  });

  it('estimates lag-1 autocorrelation of an AR(1) series and holds the level on A/A AR(1) data', () => {
    const random = createPrng(11);
    const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    const ar1 = (n: number, rho: number) => {
      const out: number[] = [];
      let v = normal();
      for (let i = 0; i < n; i += 1) {
        v = rho * v + Math.sqrt(1 - rho * rho) * normal();
        out.push(v);
      }
      return out;
    };
    expect(estimateLag1Autocorrelation(ar1(5000, 0.8))).toBeGreaterThan(0.74);
    let plainRejects = 0;
    let widenedRejects = 0;
    const runs = 400;
    for (let i = 0; i < runs; i += 1) {
      const x = ar1(60, 0.8);
      const y = ar1(60, 0.8);
      if (mannWhitney(x, y, { alternative: 'greater' }).pValue < 0.05) plainRejects += 1;
      if (mannWhitneyAutocorrelated(x, y, { alternative: 'greater' }).pValue < 0.05) widenedRejects += 1;
    }
    // Independent-sample theory says 5 %; the plain test rejects far more on correlated points.
    expect(plainRejects / runs).toBeGreaterThan(0.15);
    expect(widenedRejects / runs).toBeLessThan(0.08);
  });
});
