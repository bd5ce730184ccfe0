import type { EngineRegistry } from '../index.js';
import type { CohortInput, IrrResult } from '../cohorts/index.js';
import type { ModelVersion } from '../types.js';
import type { GoldenCase, GoldenValue } from './types.js';

type Flow = [string, number];

/** One company, one cohort: investments out, distributions in, NAV at the valuation date. */
function singleCompany(valuationDate: string, investments: Flow[], distributions: Flow[] = [], nav = 0): CohortInput {
  const total = investments.reduce((s, [, a]) => s + a, 0);
  return {
    valuationDate,
    availableCapital: total,
    companies: [
      {
        id: 'co',
        nav,
        investments: investments.map(([date, amount]) => ({ date, amount })),
        distributions: distributions.map(([date, amount]) => ({ date, amount })),
      },
    ],
  };
}

const irrValue = (irr: IrrResult | undefined): GoldenValue => (irr?.defined ? irr.value : null);

function measureIrr(input: CohortInput) {
  return (e: EngineRegistry, m: ModelVersion): Record<string, GoldenValue> => ({
    irr: irrValue(e.cohorts[m](input).cohorts[0]?.metrics.irr),
  });
}

const G_C13: CohortInput = {
  valuationDate: '2024-12-31',
  availableCapital: 10_000_000,
  companies: [
    {
      id: 'A',
      investments: [
        { date: '2021-03-15', amount: 1_000_000 },
        { date: '2022-06-30', amount: 500_000 },
      ],
      distributions: [{ date: '2024-12-31', amount: 4_500_000 }],
      nav: 0,
    },
    { id: 'B', investments: [{ date: '2021-09-30', amount: 1_000_000 }], nav: 0 },
    { id: 'C', investments: [{ date: '2022-02-01', amount: 2_000_000 }], nav: 3_000_000 },
    {
      id: 'D',
      investments: [{ date: '2022-11-15', amount: 1_000_000 }],
      distributions: [{ date: '2024-06-30', amount: 400_000 }],
      nav: 800_000,
    },
  ],
};

const XLS = 'engines-domain.md §6.7';

export const COHORT_CASES: GoldenCase[] = [
  {
    id: 'G-C1',
    engine: 'cohorts',
    title: 'Excel XIRR reference example (ACT/365F)',
    source: `${XLS} G-C1; Microsoft Excel XIRR documentation (article de1242ec-6477-445b-b11b-a303ad9adc9d)`,
    tolerance: 1e-8,
    expected: { irr: 0.3733625335 },
    measure: measureIrr(
      singleCompany(
        '2009-04-01',
        [['2008-01-01', 1_000_000]],
        [
          ['2008-03-01', 275_000],
          ['2008-10-30', 425_000],
          ['2009-02-15', 325_000],
          ['2009-04-01', 275_000],
        ],
      ),
    ),
  },
  {
    id: 'G-C5a',
    engine: 'cohorts',
    title: '+10% over exactly 365 days',
    source: `${XLS} G-C5 (recomputed)`,
    tolerance: 1e-10,
    expected: { irr: 0.1 },
    measure: measureIrr(singleCompany('2020-01-01', [['2019-01-01', 100_000]], [['2020-01-01', 110_000]])),
  },
  {
    id: 'G-C5b',
    engine: 'cohorts',
    title: '+10% over a leap year (366 days) under ACT/365F',
    source: `${XLS} G-C5 (= 1.1^(365/366) − 1)`,
    tolerance: 1e-10,
    expected: { irr: 0.0997135859 },
    measure: measureIrr(singleCompany('2021-01-01', [['2020-01-01', 100_000]], [['2021-01-01', 110_000]])),
  },
  {
    id: 'G-C6',
    engine: 'cohorts',
    title: '2× in 91 days is not annualized (GIPS < 1 year)',
    source: `${XLS} G-C6; GIPS money-weighted return provisions`,
    tolerance: 0,
    expected: { irr: null },
    measure: measureIrr(singleCompany('2024-04-01', [['2024-01-01', 10_000]], [['2024-04-01', 20_000]])),
  },
  {
    id: 'G-C7',
    engine: 'cohorts',
    title: '10× and 11× in one year give 9.0 and 10.0',
    source: `${XLS} G-C7 (recomputed)`,
    tolerance: 1e-9,
    expected: { tenX: 9, elevenX: 10 },
    measure: (e, m) => ({
      tenX: measureIrr(singleCompany('2024-01-01', [['2023-01-01', 10_000]], [], 100_000))(e, m).irr ?? null,
      elevenX: measureIrr(singleCompany('2024-01-01', [['2023-01-01', 10_000]], [], 110_000))(e, m).irr ?? null,
    }),
  },
  {
    id: 'G-C8',
    engine: 'cohorts',
    title: 'Near-total loss: 1,000 → 1 in a year',
    source: `${XLS} G-C8 (recomputed)`,
    tolerance: 1e-10,
    expected: { irr: -0.999 },
    measure: measureIrr(singleCompany('2022-01-01', [['2021-01-01', 100_000]], [['2022-01-01', 100]])),
  },
  {
    id: 'G-C11',
    engine: 'cohorts',
    title: 'pyxirr README flows: −1000, +750, +500 a year apart',
    source: `${XLS} G-C11; Anexen/pyxirr README (value recomputed)`,
    tolerance: 1e-8,
    expected: { irr: 0.1750092646 },
    measure: measureIrr(
      singleCompany(
        '2022-01-01',
        [['2020-01-01', 100_000]],
        [
          ['2021-01-01', 75_000],
          ['2022-01-01', 50_000],
        ],
      ),
    ),
  },
  {
    id: 'G-C12',
    engine: 'cohorts',
    title: 'Written off: no positive flow, no IRR',
    source: `${XLS} G-C12; Excel XIRR #NUM! rule`,
    tolerance: 0,
    expected: { irr: null, tvpi: 0 },
    measure: (e, m) => {
      const c = e.cohorts[m](singleCompany('2023-06-30', [['2021-01-01', 100_000]])).cohorts[0];
      return { irr: irrValue(c?.metrics.irr), tvpi: c?.metrics.tvpi ?? null };
    },
  },
  {
    id: 'G-M1',
    engine: 'cohorts',
    title: 'PIC 720, distributions 540, NAV 480',
    source: `${XLS} G-M1; acadifi GIPS private-equity example`,
    tolerance: 1e-4,
    expected: { dpi: 0.75, rvpi: 0.6667, tvpi: 1.4167 },
    measure: (e, m) => {
      const c = e.cohorts[m](singleCompany('2020-12-31', [['2018-01-01', 72_000]], [['2020-06-30', 54_000]], 48_000))
        .cohorts[0];
      return { dpi: c?.metrics.dpi ?? null, rvpi: c?.metrics.rvpi ?? null, tvpi: c?.metrics.tvpi ?? null };
    },
  },
  {
    id: 'G-M2',
    engine: 'cohorts',
    title: 'PIC 100, distributions 50, NAV 150',
    source: `${XLS} G-M2; pe2insight.com multiples`,
    tolerance: 1e-9,
    expected: { dpi: 0.5, rvpi: 1.5, tvpi: 2 },
    measure: (e, m) => {
      const c = e.cohorts[m](singleCompany('2020-12-31', [['2018-01-01', 10_000]], [['2020-06-30', 5_000]], 15_000))
        .cohorts[0];
      return { dpi: c?.metrics.dpi ?? null, rvpi: c?.metrics.rvpi ?? null, tvpi: c?.metrics.tvpi ?? null };
    },
  },
  {
    id: 'G-C13',
    engine: 'cohorts',
    title: 'End-to-end yearly cohorts with follow-on, write-off and NAV',
    source: `${XLS} G-C13 (synthetic, recomputed)`,
    tolerance: 1e-6,
    expected: {
      keys: '2021,2022',
      paidIn2021: 2_500_000,
      paidIn2022: 3_000_000,
      dpi2021: 1.8,
      tvpi2021: 1.8,
      dpi2022: 0.133333,
      rvpi2022: 1.266667,
      tvpi2022: 1.4,
      irr2021: 0.1922421434,
      irr2022: 0.1374678387,
    },
    measure: (e, m) => {
      const r = e.cohorts[m](G_C13);
      const [a, b] = r.cohorts;
      return {
        keys: r.cohorts.map((c) => c.key).join(','),
        paidIn2021: a?.paidIn ?? null,
        paidIn2022: b?.paidIn ?? null,
        dpi2021: a?.metrics.dpi ?? null,
        tvpi2021: a?.metrics.tvpi ?? null,
        dpi2022: b?.metrics.dpi ?? null,
        rvpi2022: b?.metrics.rvpi ?? null,
        tvpi2022: b?.metrics.tvpi ?? null,
        irr2021: irrValue(a?.metrics.irr),
        irr2022: irrValue(b?.metrics.irr),
      };
    },
  },
  {
    id: 'G-C13q',
    engine: 'cohorts',
    title: 'Quarterly cohort keys of the G-C13 portfolio',
    source: `${XLS} G-C13 ("Quarter keys")`,
    tolerance: 0,
    expected: { keys: '2021-Q1,2021-Q3,2022-Q1,2022-Q4' },
    measure: (e, m) => ({
      keys: e.cohorts[m]({ ...G_C13, grouping: 'quarter' })
        .cohorts.map((c) => c.key)
        .join(','),
    }),
  },
];
