import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createPrng, hodgesLehmann } from '../../../src/stats/index.js';

/** The definition, by brute force over all n·m differences. */
function bruteForce(x: number[], y: number[], k: number): { median: number; lower: number; upper: number } {
  const d = x.flatMap((a) => y.map((b) => b - a)).sort((p, q) => p - q);
  const half = Math.floor(d.length / 2);
  const median = d.length % 2 === 1 ? (d[half] as number) : ((d[half - 1] as number) + (d[half] as number)) / 2;
  return { median, lower: d[k - 1] as number, upper: d[d.length - k] as number };
}

describe('hodgesLehmann', () => {
  it('matches the Kayenta MannWhitneySuite vector tied out with R (E = [10,20,30,40], C = [1,2,3,4], 95 %)', () => {
    // spinnaker/kayenta MannWhitneySuite.scala: CI [6, 39], estimate 22.5 (R wilcox.test, shift E − C).
    const result = hodgesLehmann([1, 2, 3, 4], [10, 20, 30, 40], { confidence: 0.95 });
    expect(result).toMatchObject({ estimate: 22.5, lower: 6, upper: 39, method: 'exact', orderStatistic: 1 });
    // Exact coverage 1 − 2/70 (R's achieved level for m = n = 4).
    expect(result.achievedConfidence).toBeCloseTo(1 - 2 / 70, 12);
  });

  it('reports the shift y − x (negated when the samples are swapped)', () => {
    const a = hodgesLehmann([3.1, 4.7, 5.2, 6.8, 2.2], [7.5, 9.1, 6.6, 8.4]);
    const b = hodgesLehmann([7.5, 9.1, 6.6, 8.4], [3.1, 4.7, 5.2, 6.8, 2.2]);
    expect(b.estimate).toBeCloseTo(-a.estimate, 12);
    expect(b.lower).toBeCloseTo(-a.upper, 12);
    expect(b.upper).toBeCloseTo(-a.lower, 12);
  });

  const sampleArb = fc.array(
    fc.integer({ min: -400, max: 400 }).map((v) => v / 8),
    { minLength: 1, maxLength: 45 },
  );
  it('equals the brute-force order statistics (with and without ties)', () => {
    fc.assert(
      fc.property(sampleArb, sampleArb, fc.constantFrom(0.8, 0.9, 0.95, 0.99), (x, y, confidence) => {
        const result = hodgesLehmann(x, y, { confidence });
        const expected = bruteForce(x, y, result.orderStatistic);
        expect(result.estimate).toBe(expected.median);
        expect(result.lower).toBe(expected.lower);
        expect(result.upper).toBe(expected.upper);
        expect(result.lower).toBeLessThanOrEqual(result.estimate);
        expect(result.upper).toBeGreaterThanOrEqual(result.estimate);
      }),
      { numRuns: 150 },
    );
  });

  // Shifting y can change which values tie across the samples and so the tie-corrected K; the
  // interval is equivariant whenever K is unchanged, the estimate always.
  it('is equivariant: shifting y by c moves the estimate (and, for the same K, the interval) by c', () => {
    fc.assert(
      fc.property(sampleArb, sampleArb, fc.integer({ min: -64, max: 64 }), (x, y, c) => {
        const a = hodgesLehmann(x, y);
        const b = hodgesLehmann(
          x,
          y.map((v) => v + c),
        );
        expect(b.estimate).toBeCloseTo(a.estimate + c, 9);
        if (a.orderStatistic === b.orderStatistic) expect(b.lower).toBeCloseTo(a.lower + c, 9);
      }),
      { numRuns: 60 },
    );
  });

  it('handles 20,000 per arm exactly without materialising 4e8 differences', () => {
    const random = createPrng(11);
    const x = Float64Array.from({ length: 20_000 }, () => random() * 100);
    const y = Float64Array.from({ length: 20_000 }, () => random() * 100 + 2);
    const result = hodgesLehmann(x, y, { confidence: 0.95 });
    expect(result.method).toBe('asymptotic');
    expect(result.estimate).toBeGreaterThan(result.lower);
    expect(result.upper).toBeGreaterThan(result.estimate);
    expect(result.lower).toBeLessThan(2);
    expect(result.upper).toBeGreaterThan(2);
    // Verify the lower bound by counting: exactly K − 1 differences lie strictly below it (no ties here).
    let below = 0;
    const sortedY = Float64Array.from(y).sort();
    for (const xi of x) {
      let lo = 0;
      let hi = sortedY.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if ((sortedY[mid] as number) - xi < result.lower) lo = mid + 1;
        else hi = mid;
      }
      below += lo;
    }
    expect(below).toBe(result.orderStatistic - 1);
  });
});
