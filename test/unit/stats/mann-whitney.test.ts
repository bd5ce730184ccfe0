import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mannWhitney } from '../../../src/stats/index.js';

const relative = (actual: number, expected: number): number =>
  Math.abs(actual - expected) / Math.max(Math.abs(expected), 1e-300);
const big = JSON.parse(readFileSync(new URL('./reference/normal-200-150.json', import.meta.url), 'utf8')) as {
  x: number[];
  y: number[];
};

const samples: Record<string, [number[], number[]]> = {
  // SciPy 1.10 mannwhitneyu docstring example (male vs female ages).
  'scipy-doc': [
    [19, 22, 16, 29, 24],
    [20, 11, 17, 12],
  ],
  // R ?wilcox.test two-sample example (Hollander & Wolfe 1973, p. 69f); R prints W = 35, p = 0.1272 (greater).
  'hollander-wolfe': [
    [0.8, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46],
    [1.15, 0.88, 0.9, 0.74, 1.21],
  ],
  ties: [
    [1, 2, 2, 3, 3, 3, 4, 5, 5, 6, 7, 7, 8],
    [2, 3, 4, 4, 5, 6, 6, 7, 8, 8, 9, 9, 10, 11],
  ],
  // N(100,15) × 200 vs N(104,15) × 150 rounded to 0.1 (numpy seed 20240601), in reference/normal-200-150.json.
  'normal-200-150': [big.x, big.y],
  'small-exact': [
    [1.5, 3.2, 0.4, 2.2],
    [2.9, 4.1, 5.5, 3.3, 6.0, 2.8],
  ],
};

type Case = [
  name: string,
  alternative: 'two-sided' | 'greater' | 'less',
  method: 'auto' | 'asymptotic' | 'asymptotic-nocc',
  u: number,
  p: number,
];
// Computed with scipy.stats.mannwhitneyu, SciPy 1.10.1 (reference/generate-reference.py). The SciPy docstring
// prints p = 0.1111111111111111 (exact) and 0.11134688653314041 (asymptotic) for the first case.
const cases: Case[] = [
  ['scipy-doc', 'two-sided', 'auto', 17, 0.1111111111111111],
  ['scipy-doc', 'greater', 'auto', 17, 0.05555555555555555],
  ['scipy-doc', 'less', 'auto', 17, 0.9682539682539684],
  ['scipy-doc', 'two-sided', 'asymptotic', 17, 0.11134688653314041],
  ['scipy-doc', 'two-sided', 'asymptotic-nocc', 17, 0.0864107329737],
  ['hollander-wolfe', 'two-sided', 'auto', 35, 0.2544122544122544],
  ['hollander-wolfe', 'greater', 'auto', 35, 0.1272061272061272],
  ['hollander-wolfe', 'less', 'auto', 35, 0.8967698967698966],
  ['hollander-wolfe', 'two-sided', 'asymptotic', 35, 0.24462360512698333],
  ['hollander-wolfe', 'two-sided', 'asymptotic-nocc', 35, 0.22067136191984693],
  ['ties', 'two-sided', 'auto', 47.5, 0.03591738735842106],
  ['ties', 'greater', 'auto', 47.5, 0.9840893786331004],
  ['ties', 'less', 'auto', 47.5, 0.01795869367921053],
  ['ties', 'two-sided', 'asymptotic-nocc', 47.5, 0.033816315428710816],
  ['normal-200-150', 'two-sided', 'auto', 13291.5, 0.0682507997966657],
  ['normal-200-150', 'greater', 'auto', 13291.5, 0.96595531285672],
  ['normal-200-150', 'less', 'auto', 13291.5, 0.03412539989833285],
  ['normal-200-150', 'two-sided', 'asymptotic-nocc', 13291.5, 0.06817004775358729],
  ['small-exact', 'two-sided', 'auto', 2, 0.0380952380952381],
  ['small-exact', 'greater', 'auto', 2, 0.9904761904761904],
  ['small-exact', 'less', 'auto', 2, 0.01904761904761905],
  ['small-exact', 'two-sided', 'asymptotic', 2, 0.04282560923089135],
  ['small-exact', 'two-sided', 'asymptotic-nocc', 2, 0.03300625766123251],
];

describe('mannWhitney matches scipy.stats.mannwhitneyu', () => {
  it.each(cases)('%s %s %s', (name, alternative, method, u, p) => {
    const [x, y] = samples[name] as [number[], number[]];
    const result = mannWhitney(x, y, {
      alternative,
      method: method === 'auto' ? 'auto' : 'asymptotic',
      continuity: method !== 'asymptotic-nocc',
    });
    expect(result.statistic).toBe(u);
    expect(relative(result.pValue, p)).toBeLessThan(1e-9);
  });

  it('chooses exact like SciPy: a sample of at most 8 and no ties', () => {
    expect(
      mannWhitney(
        [1, 2, 3],
        Array.from({ length: 50 }, (_, i) => i + 0.5),
      ).method,
    ).toBe('exact');
    expect(mannWhitney([1, 2, 3, 3], [4, 5, 6]).method).toBe('asymptotic');
    expect(mannWhitney(big.x, big.y).method).toBe('asymptotic');
  });

  // A small arm without ties beside a large one: SciPy's 'auto' rule says exact, but 5·600 and 8·400 are
  // beyond our exact table (MAX_EXACT_CELLS = 2500), so the answer is SciPy's normal approximation with
  // continuity correction. Reference values, SciPy 1.17.1:
  //   y = [i + 0.5 for i in range(600)]; x = [312.25, 401.75, 455.125, 520.625, 598.875]
  //   mannwhitneyu(x, y, alternative=alt, method='asymptotic')  (U = 2289)
  //   (method='auto', i.e. exact, gives 0.04014545972814942 two-sided: the approximation is within 0.003)
  //   y = [i + 0.5 for i in range(400)]; x = [3.25, 77.75, 120.125, 201.625, 250.875, 333.25, 390.75, 399.125]  (U = 1777)
  it.each([
    [5, 600, 'two-sided', 2289, 0.04278585087399911],
    [5, 600, 'greater', 2289, 0.021392925436999555],
    [5, 600, 'less', 2289, 0.9787384261601291],
    [8, 400, 'two-sided', 1777, 0.5930373769348589],
    [8, 400, 'greater', 1777, 0.29651868846742946],
    [8, 400, 'less', 1777, 0.7045276909270473],
  ] as const)(
    'falls back to the normal approximation when exact is out of range: %i vs %i, %s',
    (n1, n2, alternative, u, p) => {
      const x =
        n1 === 5
          ? [312.25, 401.75, 455.125, 520.625, 598.875]
          : [3.25, 77.75, 120.125, 201.625, 250.875, 333.25, 390.75, 399.125];
      const y = Array.from({ length: n2 }, (_, i) => i + 0.5);
      const result = mannWhitney(x, y, { alternative });
      expect(result.method).toBe('asymptotic');
      expect(result.statistic).toBe(u);
      expect(relative(result.pValue, p)).toBeLessThan(1e-9);
      // The large arm first: SciPy gives the same p-value for the mirrored alternative (U = 711 for 600 vs 5).
      const mirrored = mannWhitney(y, x, {
        alternative: alternative === 'greater' ? 'less' : alternative === 'less' ? 'greater' : 'two-sided',
      });
      expect(relative(mirrored.pValue, p)).toBeLessThan(1e-9);
    },
  );

  it('still answers exactly at the edge of the exact table (5 × 500 = 2500 cells)', () => {
    expect(
      mannWhitney(
        [1.25, 2.25, 3.25, 4.25, 5.25],
        Array.from({ length: 500 }, (_, i) => i + 0.5),
      ).method,
    ).toBe('exact');
  });

  it('accepts typed arrays and rejects NaN and empty samples', () => {
    const typed = mannWhitney(Float64Array.from(big.x), Float64Array.from(big.y));
    expect(typed.pValue).toBe(mannWhitney(big.x, big.y).pValue);
    expect(() => mannWhitney([1, Number.NaN], [2, 3])).toThrow(RangeError);
    expect(() => mannWhitney([], [2, 3])).toThrow(RangeError);
    expect(() => mannWhitney([1, 1], [1, 1], { method: 'exact' })).toThrow(RangeError);
  });

  it('gives p = 1 when every observation is tied', () => {
    expect(mannWhitney([5, 5, 5], [5, 5]).pValue).toBe(1);
  });
});

const sampleArb = fc.array(
  fc.integer({ min: -50, max: 50 }).map((v) => v / 4),
  { minLength: 1, maxLength: 40 },
);

describe('mannWhitney properties', () => {
  it('p in [0, 1]; swapping the samples swaps greater and less', () => {
    fc.assert(
      fc.property(sampleArb, sampleArb, (x, y) => {
        const forward = mannWhitney(x, y, { alternative: 'greater' });
        const swapped = mannWhitney(y, x, { alternative: 'less' });
        expect(forward.pValue).toBeGreaterThanOrEqual(0);
        expect(forward.pValue).toBeLessThanOrEqual(1);
        expect(swapped.pValue).toBeCloseTo(forward.pValue, 12);
        expect(mannWhitney(y, x).pValue).toBeCloseTo(mannWhitney(x, y).pValue, 12);
        expect(forward.statistic + mannWhitney(y, x).statistic).toBe(x.length * y.length);
      }),
    );
  });

  it('is invariant to shifting both samples by the same constant', () => {
    fc.assert(
      fc.property(sampleArb, sampleArb, fc.integer({ min: -1000, max: 1000 }), (x, y, shift) => {
        const a = mannWhitney(x, y);
        const b = mannWhitney(
          x.map((v) => v + shift),
          y.map((v) => v + shift),
        );
        expect(b.statistic).toBe(a.statistic);
        expect(b.pValue).toBe(a.pValue);
      }),
    );
  });

  // Within one method: 'auto' may switch from exact to the normal approximation when the shift
  // creates ties (SciPy's rule), and the two need not be ordered (seed 1425278766: 0.7778 exact with
  // no ties, 0.7817 approximate once x = 0 ties with y).
  it('the greater p-value does not increase as x is shifted up (same method)', () => {
    fc.assert(
      fc.property(sampleArb, sampleArb, fc.integer({ min: 1, max: 40 }), (x, y, step) => {
        const near = mannWhitney(x, y, { alternative: 'greater', method: 'asymptotic' }).pValue;
        const far = mannWhitney(
          x.map((v) => v + step / 4),
          y,
          { alternative: 'greater', method: 'asymptotic' },
        ).pValue;
        expect(far).toBeLessThanOrEqual(near + 1e-12);
      }),
    );
  });

  it('the exact greater p-value does not increase as x is shifted up (small samples without ties)', () => {
    const small = fc.uniqueArray(fc.integer({ min: -200, max: 200 }), { minLength: 1, maxLength: 8 });
    fc.assert(
      fc.property(small, small, fc.integer({ min: 1, max: 40 }), (xi, yi, step) => {
        // Odd x and even y after the shift by an even step never tie.
        const x = xi.map((v) => 2 * v + 1);
        const y = yi.map((v) => 2 * v);
        const near = mannWhitney(x, y, { alternative: 'greater', method: 'exact' }).pValue;
        const far = mannWhitney(
          x.map((v) => v + 2 * step),
          y,
          { alternative: 'greater', method: 'exact' },
        ).pValue;
        expect(far).toBeLessThanOrEqual(near + 1e-12);
      }),
    );
  });
});
