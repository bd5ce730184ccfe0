import { describe, expect, it } from 'vitest';
import { ENGINES, EngineInputError, computeXirr } from '../../../engines/index.js';
import type { CohortInput, IrrResult } from '../../../engines/index.js';

const value = (r: IrrResult): number | null => (r.defined ? r.value : null);

describe('computeXirr', () => {
  it('G-C1: matches Excel’s XIRR example to 1e-9', () => {
    const r = computeXirr([
      { date: '2008-01-01', amount: -10_000 },
      { date: '2008-03-01', amount: 2_750 },
      { date: '2008-10-30', amount: 4_250 },
      { date: '2009-02-15', amount: 3_250 },
      { date: '2009-04-01', amount: 2_750 },
    ]);
    expect(value(r)).toBeCloseTo(0.3733625335, 9);
  });

  it('G-C6: returns the real 1512 % for 2× in 91 days (the cohort engine, not XIRR, refuses to annualize it)', () => {
    expect(
      value(
        computeXirr([
          { date: '2024-01-01', amount: -100 },
          { date: '2024-04-01', amount: 200 },
        ]),
      ),
    ).toBeCloseTo(15.1223, 4);
  });

  it('G-C10: handles proceeds before payments (borrowing pattern)', () => {
    expect(
      value(
        computeXirr([
          { date: '2019-02-02', amount: 100 },
          { date: '2019-03-02', amount: -120 },
        ]),
      ),
    ).toBeCloseTo(1.2 ** (365 / 28) - 1, 9);
  });

  it('G-C8 and G-C11', () => {
    expect(
      value(
        computeXirr([
          { date: '2021-01-01', amount: -1000 },
          { date: '2022-01-01', amount: 1 },
        ]),
      ),
    ).toBeCloseTo(-0.999, 12);
    expect(
      value(
        computeXirr([
          { date: '2020-01-01', amount: -1000 },
          { date: '2021-01-01', amount: 750 },
          { date: '2022-01-01', amount: 500 },
        ]),
      ),
    ).toBeCloseTo(0.1750092646, 9);
  });

  it('G-C9: refuses to pick one of two roots (10 % and 20 %)', () => {
    const r = computeXirr([
      { date: '2021-01-01', amount: -100 },
      { date: '2022-01-01', amount: 230 },
      { date: '2023-01-01', amount: -132 },
    ]);
    expect(r).toEqual({ defined: false, reason: 'multiple-roots' });
  });

  it('solves a two-sign-change stream with a single root', () => {
    const flows = [
      { date: '2020-01-01', amount: -1000 },
      { date: '2021-01-01', amount: 500 },
      { date: '2021-06-30', amount: -200 },
      { date: '2023-01-01', amount: 1200 },
    ];
    const r = computeXirr(flows);
    expect(r.defined).toBe(true);
    const rate = value(r) as number;
    const npv = flows.reduce(
      (s, f) => s + f.amount * (1 + rate) ** (-(Date.parse(f.date) - Date.parse('2020-01-01')) / 86_400_000 / 365),
      0,
    );
    expect(Math.abs(npv)).toBeLessThan(1e-8);
  });

  it('falls back to bisection when a Newton step from 10 % jumps below −100 %', () => {
    const r = computeXirr([
      { date: '2020-01-01', amount: -1000 },
      { date: '2022-12-31', amount: 1 },
    ]);
    expect(r).toMatchObject({ defined: true, method: 'bisection' });
    expect(value(r)).toBeCloseTo(0.001 ** (365 / 1095) - 1, 12);
  });

  it('solves 10× in 40 days (IRR ≈ 1.3e9) to 1e-12 relative', () => {
    const r = computeXirr([
      { date: '2020-01-01', amount: -1 },
      { date: '2020-02-10', amount: 10 },
    ]);
    const expected = 10 ** (365 / 40) - 1;
    expect(Math.abs((value(r) as number) - expected) / expected).toBeLessThan(1e-12);
  });

  it('says no-root-in-bounds rather than return a rate beyond e^30', () => {
    expect(
      computeXirr([
        { date: '2020-01-01', amount: -1 },
        { date: '2020-01-15', amount: 1_000_000 },
      ]),
    ).toEqual({ defined: false, reason: 'no-root-in-bounds' });
  });

  it.each([
    [[{ date: '2020-01-01', amount: -1 }], 'insufficient-flows'],
    [
      [
        { date: '2020-01-01', amount: -1 },
        { date: '2021-01-01', amount: -1 },
      ],
      'no-sign-change',
    ],
    [
      [
        { date: '2020-01-01', amount: -1 },
        { date: '2020-01-01', amount: 1 },
      ],
      'no-sign-change',
    ],
    [
      [
        { date: '2020-01-01', amount: -1 },
        { date: '2020-01-01', amount: 2 },
        { date: '2020-01-01', amount: -3 },
      ],
      'insufficient-flows',
    ],
  ])('G-C12: %j → %s', (flows, reason) => {
    expect(computeXirr(flows)).toEqual({ defined: false, reason });
  });
});

const G_C13: CohortInput = {
  valuationDate: '2024-12-31',
  availableCapital: 5_500_000,
  companies: [
    {
      id: 'A',
      investments: [
        { date: '2021-03-15', amount: 1_000_000 },
        { date: '2022-06-30', amount: 500_000 },
      ],
      distributions: [{ date: '2024-12-31', amount: 4_500_000 }],
    },
    { id: 'B', investments: [{ date: '2021-09-30', amount: 1_000_000 }] },
    { id: 'C', investments: [{ date: '2022-02-01', amount: 2_000_000 }], nav: 3_000_000 },
    {
      id: 'D',
      investments: [{ date: '2022-11-15', amount: 1_000_000 }],
      distributions: [{ date: '2024-06-30', amount: 400_000 }],
      nav: 800_000,
    },
  ],
};

describe('cohorts v1.1', () => {
  it('G-C13: groups by first investment (follow-ons stay) and computes ILPA multiples and XIRR', () => {
    const r = ENGINES.cohorts['v1.1'](G_C13);
    expect(r.cohorts.map((c) => [c.key, c.companies.map((x) => x.id), c.paidIn, c.distributions, c.nav])).toEqual([
      ['2021', ['A', 'B'], 2_500_000, 4_500_000, 0],
      ['2022', ['C', 'D'], 3_000_000, 400_000, 3_800_000],
    ]);
    const [a, b] = r.cohorts;
    expect(a?.metrics.tvpi).toBeCloseTo(1.8, 12);
    expect(b?.metrics.dpi).toBeCloseTo(0.133333, 6);
    expect(b?.metrics.rvpi).toBeCloseTo(1.266667, 6);
    expect(value(a?.metrics.irr as IrrResult)).toBeCloseTo(0.1922421434, 9);
    expect(value(b?.metrics.irr as IrrResult)).toBeCloseTo(0.1374678387, 9);
    expect(r.totalInvestment).toBe(5_500_000);
  });

  it('G-C13: quarterly keys', () => {
    expect(ENGINES.cohorts['v1.1']({ ...G_C13, grouping: 'quarter' }).cohorts.map((c) => c.key)).toEqual([
      '2021-Q1',
      '2021-Q3',
      '2022-Q1',
      '2022-Q4',
    ]);
  });

  it('returns no cohorts for no companies, and no IRR for cohorts under a year', () => {
    expect(
      ENGINES.cohorts['v1.1']({ valuationDate: '2024-01-01', availableCapital: 0, companies: [] }).cohorts,
    ).toEqual([]);
    const young = ENGINES.cohorts['v1.1']({
      valuationDate: '2024-04-01',
      availableCapital: 100,
      companies: [{ id: 'y', investments: [{ date: '2024-01-01', amount: 100 }], nav: 200 }],
    });
    expect(young.cohorts[0]?.metrics.irr).toEqual({ defined: false, reason: 'young-cohort' });
  });
});

describe('cohorts v1.0', () => {
  it('rounds multiples and estimates IRR from TVPI alone', () => {
    const [a, b] = ENGINES.cohorts['v1.0']({ ...G_C13, grouping: 'quarter' }).cohorts;
    expect(b?.metrics.dpi).toBe(0.13);
    expect(value(a?.metrics.irr as IrrResult)).toBeCloseTo(
      1.8 ** ((365 / (Date.parse('2024-12-31') - Date.parse('2021-03-15'))) * 86_400_000) - 1,
      12,
    );
  });
});

describe('cohort input validation', () => {
  const one = (c: Partial<CohortInput['companies'][number]>, extra: Partial<CohortInput> = {}): CohortInput => ({
    valuationDate: '2024-12-31',
    availableCapital: 1_000,
    companies: [{ id: 'a', investments: [{ date: '2022-01-01', amount: 100 }], ...c }],
    ...extra,
  });
  it.each([
    ['availableCapital', one({}, { availableCapital: 99 })],
    ['companies[0].investments', one({ investments: [] })],
    ['companies[0].investments[0].date', one({ investments: [{ date: '2025-01-01', amount: 100 }] })],
    ['companies[0].investments[0].amount', one({ investments: [{ date: '2022-01-01', amount: 0 }] })],
    ['companies[0].distributions[0].date', one({ distributions: [{ date: '2021-12-31', amount: 5 }] })],
    ['companies[0].distributions[0].amount', one({ distributions: [{ date: '2023-01-01', amount: -5 }] })],
    ['companies[0].nav', one({ nav: Number.NaN })],
    ['valuationDate', one({}, { valuationDate: '2024-02-30' })],
    ['grouping', one({}, { grouping: 'month' as 'year' })],
  ] as Array<[string, CohortInput]>)('names %s', (field, input) => {
    for (const model of ['v1.0', 'v1.1'] as const) {
      let caught: unknown;
      try {
        ENGINES.cohorts[model](input);
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(EngineInputError);
      expect((caught as EngineInputError).field).toBe(field);
    }
  });
});
