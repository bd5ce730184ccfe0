import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compareProportions,
  computeKatzInterval,
  computeNewcombeInterval,
  testFisherExact,
} from '../../../src/stats/index.js';

const relative = (actual: number, expected: number): number =>
  Math.abs(actual - expected) / Math.max(Math.abs(expected), 1e-300);
type Alt = 'two-sided' | 'greater' | 'less';

// [[a, b], [c, d]], alternative, p — computed with scipy.stats.fisher_exact, SciPy 1.10.1.
// The first table is R's ?fisher.test "Tea Tasting" example (R prints p = 0.2429 for greater);
// the second is the SciPy 1.10 fisher_exact docstring-style table [[6, 2], [1, 4]].
const fisherCases: [number[][], Alt, number][] = [
  [
    [
      [3, 1],
      [1, 3],
    ],
    'two-sided',
    0.48571428571428565,
  ],
  [
    [
      [3, 1],
      [1, 3],
    ],
    'greater',
    0.24285714285714283,
  ],
  [
    [
      [3, 1],
      [1, 3],
    ],
    'less',
    0.9857142857142858,
  ],
  [
    [
      [6, 2],
      [1, 4],
    ],
    'two-sided',
    0.10256410256410256,
  ],
  [
    [
      [6, 2],
      [1, 4],
    ],
    'greater',
    0.08624708624708625,
  ],
  [
    [
      [6, 2],
      [1, 4],
    ],
    'less',
    0.9953379953379954,
  ],
  [
    [
      [1, 999],
      [0, 1000],
    ],
    'two-sided',
    1,
  ],
  [
    [
      [1, 999],
      [0, 1000],
    ],
    'greater',
    0.5,
  ],
  [
    [
      [7, 993],
      [1, 999],
    ],
    'two-sided',
    0.06976576363927237,
  ],
  [
    [
      [7, 993],
      [1, 999],
    ],
    'greater',
    0.03488288181963618,
  ],
  [
    [
      [7, 993],
      [1, 999],
    ],
    'less',
    0.9961482595744581,
  ],
  [
    [
      [12, 4988],
      [3, 4997],
    ],
    'two-sided',
    0.035023015973191504,
  ],
  [
    [
      [12, 4988],
      [3, 4997],
    ],
    'greater',
    0.017511507986595752,
  ],
  [
    [
      [12, 4988],
      [3, 4997],
    ],
    'less',
    0.9963281721244144,
  ],
  [
    [
      [0, 120],
      [4, 116],
    ],
    'two-sided',
    0.1218685450982469,
  ],
  [
    [
      [0, 120],
      [4, 116],
    ],
    'greater',
    1,
  ],
  [
    [
      [0, 120],
      [4, 116],
    ],
    'less',
    0.06093427254912345,
  ],
];

describe('testFisherExact matches scipy.stats.fisher_exact', () => {
  it.each(fisherCases)('%j %s', (table, alternative, p) => {
    const [[a, b], [c, d]] = table as [[number, number], [number, number]];
    expect(relative(testFisherExact(a, b, c, d, alternative).pValue, p)).toBeLessThan(1e-6);
  });
});

// canary [events, total], baseline [events, total], alternative, z, p — computed with statsmodels 0.13.5
// proportions_ztest (pooled variance, no continuity correction).
const scoreCases: [number[], number[], Alt, number, number][] = [
  [[130, 5000], [100, 5000], 'two-sided', 2.001290136154542, 0.04536113211527871],
  [[130, 5000], [100, 5000], 'greater', 2.001290136154542, 0.022680566057639354],
  [[300, 10000], [200, 10000], 'two-sided', 4.529108136578382, 5.923317990312188e-6],
  [[300, 10000], [200, 10000], 'greater', 4.529108136578382, 2.961658995156094e-6],
  [[300, 10000], [200, 10000], 'less', 4.529108136578382, 0.9999970383410048],
  [[45, 1000], [52, 1000], 'two-sided', -0.7286312214224625, 0.4662272749877957],
  [[45, 1000], [52, 1000], 'less', -0.7286312214224625, 0.23311363749389785],
  [[2500, 100000], [2400, 100000], 'two-sided', 1.4463997002227018, 0.14806512589827245],
  [[2500, 100000], [2400, 100000], 'greater', 1.4463997002227018, 0.07403256294913622],
];

describe('compareProportions score test matches statsmodels proportions_ztest', () => {
  it.each(scoreCases)('canary %j baseline %j %s', (canary, baseline, alternative, z, p) => {
    const result = compareProportions(
      { events: baseline[0], total: baseline[1] as number },
      { events: canary[0], total: canary[1] as number },
      { alternative },
    );
    expect(result.method).toBe('score');
    expect(relative(result.statistic, z)).toBeLessThan(1e-9);
    expect(relative(result.pValue, p)).toBeLessThan(1e-6);
  });
});

// x1/n1 − x2/n2. Cases (a)–(h) are the examples of Newcombe (1998), Stat Med 17:873, Table II (method 10,
// printed to 4 d.p.); full-precision values computed with statsmodels 0.13.5
// confint_proportions_2indep(method='newcomb'). Katz: scipy.stats.contingency.relative_risk (SciPy 1.10.1).
const intervalCases: [number, number, number, number, [number, number], [number, number] | null][] = [
  [56, 70, 48, 80, [0.05243147240236498, 0.33387265403690614], [1.076626422763193, 1.651248511266387]],
  [9, 10, 3, 10, [0.1705227239345029, 0.809017973535488], [1.13835035744767, 7.906177514784792]],
  [6, 7, 2, 7, [0.05822792748231209, 0.8062496375242278], [0.8948459075994672, 10.057597541171743]],
  [5, 56, 0, 29, [-0.038137147903536936, 0.19256001385511165], null],
  [0, 10, 0, 20, [-0.1611251580528194, 0.27753279986288926], null],
  [0, 10, 0, 10, [-0.27753279986288926, 0.27753279986288926], null],
  [10, 10, 0, 20, [0.6790860371419145, 1.0], null],
  [10, 10, 0, 10, [0.6075093504305241, 1.0], null],
  [130, 5000, 100, 5000, [0.00011132513481834205, 0.011947505231788141], [1.0046392989371282, 1.6821957908554421]],
  [7, 1000, 1, 1000, [0.00012204761999146108, 0.013424123853499451], [0.8628233479522893, 56.79030373516215]],
];

describe('Newcombe and Katz intervals', () => {
  it.each(intervalCases)('%i/%i vs %i/%i', (x1, n1, x2, n2, newcombe, katz) => {
    const [lo, hi] = computeNewcombeInterval(x1, n1, x2, n2, 0.95);
    expect(Math.abs(lo - newcombe[0])).toBeLessThan(1e-9);
    expect(Math.abs(hi - newcombe[1])).toBeLessThan(1e-9);
    if (katz) {
      const [klo, khi] = computeKatzInterval(x1, n1, x2, n2, 0.95);
      expect(relative(klo, katz[0])).toBeLessThan(1e-9);
      expect(relative(khi, katz[1])).toBeLessThan(1e-9);
    }
  });

  it('stays finite when an arm has zero events (0.5 correction)', () => {
    const [lo, hi] = computeKatzInterval(5, 56, 0, 29, 0.95);
    expect(lo).toBeGreaterThan(0);
    expect(Number.isFinite(hi)).toBe(true);
  });
});

describe('compareProportions', () => {
  it('uses Fisher for small expected counts and reports both arms', () => {
    const result = compareProportions(
      { events: 1, total: 1000 },
      { events: 7, total: 1000 },
      { alternative: 'greater', alpha: 0.05 },
    );
    expect(result.method).toBe('fisher-exact');
    expect(relative(result.pValue, 0.03488288181963618)).toBeLessThan(1e-6);
    expect(result.significant).toBe(true);
    expect(result.canary).toEqual({ events: 7, total: 1000, rate: 0.007 });
    expect(result.baseline.rate).toBe(0.001);
    expect(result.ratio).toBeCloseTo(7, 12);
    expect(result.confidence).toBeCloseTo(0.9, 12);
  });

  it('accepts successes as a synonym and rejects invalid counts', () => {
    expect(compareProportions({ successes: 10, total: 20 }, { successes: 12, total: 20 }).canary.events).toBe(12);
    expect(() => compareProportions({ events: 5, total: 4 }, { events: 1, total: 4 })).toThrow(RangeError);
    expect(() => compareProportions({ total: 4 }, { events: 1, total: 4 })).toThrow(RangeError);
    expect(() => compareProportions({ events: 1, total: 0 }, { events: 1, total: 4 })).toThrow(RangeError);
  });

  it('gives p = 1 when both arms have no events', () => {
    const result = compareProportions({ events: 0, total: 500 }, { events: 0, total: 500 });
    expect(result.pValue).toBe(1);
    expect(result.statistic).toBe(0);
  });
});

const armArb = fc
  .integer({ min: 1, max: 3000 })
  .chain((total) => fc.record({ events: fc.integer({ min: 0, max: total }), total: fc.constant(total) }));
const methodArb = fc.constantFrom('auto' as const, 'fisher-exact' as const, 'score' as const);

describe('compareProportions properties', () => {
  it('p in [0, 1], intervals contain the estimates, swapping arms swaps greater and less', () => {
    fc.assert(
      fc.property(armArb, armArb, methodArb, (baseline, canary, method) => {
        const result = compareProportions(baseline, canary, { alternative: 'greater', method });
        const swapped = compareProportions(canary, baseline, { alternative: 'less', method });
        expect(result.pValue).toBeGreaterThanOrEqual(0);
        expect(result.pValue).toBeLessThanOrEqual(1);
        // 'auto' picks its test from the baseline arm (one-sided), which the swap changes: then only
        // the same test gives the same p-value.
        if (method !== 'auto' || swapped.method === result.method) expect(swapped.pValue).toBeCloseTo(result.pValue, 9);
        const [lo, hi] = result.differenceInterval;
        expect(lo).toBeLessThanOrEqual(result.difference + 1e-12);
        expect(hi).toBeGreaterThanOrEqual(result.difference - 1e-12);
        if (baseline.events > 0 && canary.events > 0) {
          expect(result.ratioInterval[0]).toBeLessThanOrEqual(result.ratio * (1 + 1e-12));
          expect(result.ratioInterval[1]).toBeGreaterThanOrEqual(result.ratio * (1 - 1e-12));
        }
      }),
    );
  });

  it("'auto' never switches tests as the canary's events change, so its p-value moves one way too", () => {
    fc.assert(
      fc.property(
        armArb,
        fc.integer({ min: 10, max: 200_000 }),
        fc.constantFrom('greater' as const, 'less' as const),
        (baseline, total, alternative) => {
          let previous: { p: number; method: string } | null = null;
          for (let events = 0; events <= total; events += Math.max(1, Math.floor(total / 40))) {
            const r = compareProportions(baseline, { events, total }, { alternative });
            if (previous) {
              expect(r.method).toBe(previous.method);
              if (alternative === 'greater') expect(r.pValue).toBeLessThanOrEqual(previous.p * (1 + 1e-9) + 1e-15);
              else expect(r.pValue).toBeGreaterThanOrEqual(previous.p * (1 - 1e-9) - 1e-15);
            }
            previous = { p: r.pValue, method: r.method };
          }
        },
      ),
    );
  });

  it("'auto' at the former switch: one more canary error is never a pass where one fewer failed", () => {
    // Baseline 0 of 1,000, canary 89 or 90 errors of 16,998: the pooled rule switched from Fisher's test
    // (p ≈ 0.0061, below alpha 0.01) to the score test (p ≈ 0.0105) on the 90th error.
    const before = compareProportions(
      { events: 0, total: 1000 },
      { events: 89, total: 16_998 },
      { alternative: 'greater', alpha: 0.01 },
    );
    const after = compareProportions(
      { events: 0, total: 1000 },
      { events: 90, total: 16_998 },
      { alternative: 'greater', alpha: 0.01 },
    );
    expect(before.significant).toBe(true);
    expect(after.method).toBe(before.method);
    expect(after.pValue).toBeLessThanOrEqual(before.pValue);
    expect(after.significant).toBe(true);
  });

  // Per method: each test alone is monotone.
  it('the greater p-value does not increase as canary events grow', () => {
    fc.assert(
      fc.property(
        armArb,
        fc.integer({ min: 10, max: 3000 }),
        fc.constantFrom('fisher-exact' as const, 'score' as const),
        (baseline, total, method) => {
          let previous = 1;
          for (let events = 0; events <= total; events += Math.max(1, Math.floor(total / 15))) {
            const p = compareProportions(baseline, { events, total }, { alternative: 'greater', method }).pValue;
            expect(p).toBeLessThanOrEqual(previous * (1 + 1e-9) + 1e-15);
            previous = p;
          }
        },
      ),
    );
  });
});
