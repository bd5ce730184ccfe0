import type { ReserveInput } from '../reserves/index.js';
import type { GoldenCase, GoldenValue } from './types.js';

const TEN_YEARS_AT = (rate: number): number[] => new Array<number>(10).fill(rate);
const seedCompany = (i: number): ReserveInput['companies'][number] => ({
  id: `s${String(i).padStart(2, '0')}`,
  stage: 'seed',
  invested: 100_000_000,
  ownership: 0.1,
});

/** Input whose v1.1 split is a plain largest-remainder split of `cap` by `weights`. */
function splitInput(weights: number[], cap: number): ReserveInput {
  return {
    fundSize: cap * 2,
    reserveRatio: 0.5,
    base: 'fundSize',
    method: 'pro-rata-initial',
    companies: weights.map((w, i) => ({ id: `c${i}`, stage: 'seed', invested: w, ownership: 0.1 })),
  };
}

const APPORTIONMENT: Array<[number[], number, number[]]> = [
  [[1, 2, 3], 10, [2, 3, 5]],
  [[70, 30], 5, [4, 1]],
  [[1, 1, 1], 800, [267, 267, 266]],
  [[92, 93, 70], 100, [36, 37, 27]],
  [[1, 1, 1], 1, [1, 0, 0]],
  [[1, 1, 1], 100, [34, 33, 33]],
];

export const RESERVE_CASES: GoldenCase[] = [
  {
    id: 'G-F1',
    engine: 'reserves',
    title: 'Tiered fees 2.5% ×5 then −0.25 pp/yr on $200M',
    source: 'engines-domain.md §2.3; Metrick & Yasuda, Venture Capital & the Finance of Innovation, ex. 2.1',
    tolerance: 0,
    expected: { fees: 4_250_000_000, investableCapital: 15_750_000_000 },
    measure: (e, m) => {
      const r = e.reserves[m]({
        fundSize: 20_000_000_000,
        reserveRatio: 0,
        companies: [],
        feeSchedule: [0.025, 0.025, 0.025, 0.025, 0.025, 0.0225, 0.02, 0.0175, 0.015, 0.0125],
      });
      return { fees: r.fees, investableCapital: r.investableCapital };
    },
  },
  {
    id: 'G-F3',
    engine: 'reserves',
    title: '$100M at 1.5%/yr × 10, no recycling',
    source: 'engines-domain.md §2.3; angellist.com/learn/recycling',
    tolerance: 0,
    expected: { investableCapital: 8_500_000_000 },
    measure: (e, m) => ({
      investableCapital: e.reserves[m]({
        fundSize: 10_000_000_000,
        reserveRatio: 0,
        companies: [],
        feeSchedule: TEN_YEARS_AT(0.015),
      }).investableCapital,
    }),
  },
  {
    id: 'G-F4',
    engine: 'reserves',
    title: '$100M at 2%/yr × 10',
    source: 'engines-domain.md §2.3; johnnybrennan.io recycling post; Foresight capital budgeting',
    tolerance: 0,
    expected: { investableCapital: 8_000_000_000 },
    measure: (e, m) => ({
      investableCapital: e.reserves[m]({
        fundSize: 10_000_000_000,
        reserveRatio: 0,
        companies: [],
        feeSchedule: TEN_YEARS_AT(0.02),
      }).investableCapital,
    }),
  },
  {
    id: 'G-R1',
    engine: 'reserves',
    title: 'Expected follow-on of one $1M seed check at 10% (graduation × pro-rata)',
    source: 'engines-domain.md §3.7 G-R1 (Carta graduation and Q1 2024 round sizes; Tactyc build-up); E = $613,800',
    tolerance: 0,
    expected: { total: 61_380_000 },
    measure: (e, m) => ({
      total: e.reserves[m]({
        fundSize: 10_000_000_000,
        reserveRatio: 0.5,
        feeSchedule: TEN_YEARS_AT(0.02),
        companies: [seedCompany(0)],
      }).total,
    }),
  },
  {
    id: 'G-R1b',
    engine: 'reserves',
    title: 'Fixed 50% ratio over-provisions 40 seed companies: reserve the $24.552M demand, not $40M',
    source: 'engines-domain.md §3.7 G-R1 ("With a fixed 50% reserve ratio instead")',
    tolerance: 0,
    expected: { total: 2_455_200_000, unallocated: 1_544_800_000 },
    measure: (e, m) => {
      const r = e.reserves[m]({
        fundSize: 10_000_000_000,
        reserveRatio: 0.5,
        feeSchedule: TEN_YEARS_AT(0.02),
        companies: Array.from({ length: 40 }, (_, i) => seedCompany(i)),
      });
      return { total: r.total, unallocated: r.unallocated };
    },
  },
  {
    id: 'G-R2',
    engine: 'reserves',
    title: 'Cap 50,000,000 cents split by needs [27.9M, 25.2M, 8.28M]',
    source: 'engines-domain.md §3.7 G-R2 (recomputed with exact fractions)',
    tolerance: 0,
    expected: { a0: 22_727_273, a1: 20_527_859, a2: 6_744_868, total: 50_000_000 },
    measure: (e, m) => {
      const r = e.reserves[m](splitInput([27_900_000, 25_200_000, 8_280_000], 50_000_000));
      return {
        a0: r.allocations[0]?.amount ?? null,
        a1: r.allocations[1]?.amount ?? null,
        a2: r.allocations[2]?.amount ?? null,
        total: r.total,
      };
    },
  },
  {
    id: 'G-R3',
    engine: 'reserves',
    title: 'Apportionment sanity splits (largest remainder)',
    source:
      'engines-domain.md §3.7 G-R3: PyPI largest-remainder README, moneyphp allocation doc, customergauge/remainder',
    tolerance: 0,
    expected: Object.fromEntries(APPORTIONMENT.map(([w, t, out]) => [`${JSON.stringify(w)}→${t}`, out.join(',')])),
    measure: (e, m) =>
      Object.fromEntries(
        APPORTIONMENT.map(([w, t]): [string, GoldenValue] => [
          `${JSON.stringify(w)}→${t}`,
          e.reserves[m](splitInput(w, t))
            .allocations.map((a) => a.amount)
            .join(','),
        ]),
      ),
  },
];
