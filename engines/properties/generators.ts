import fc from 'fast-check';
import { formatIsoDay, parseIsoDay } from '../dates.js';
import type { CohortCompany, CohortInput } from '../cohorts/index.js';
import { PACING_CURVES } from '../pacing/index.js';
import type { PacingCurve, PacingInput } from '../pacing/index.js';
import { STAGES } from '../reserves/index.js';
import type { ReserveCompany, ReserveInput, Stage } from '../reserves/index.js';

const DOLLAR = 100;
const MILLION = 1_000_000 * DOLLAR;

/** Fund sizes in cents: 0, tiny (fewer cents than quarters), realistic $10M–$1B, and up to $10B. */
export const fundSizeArb = fc.oneof(
  { weight: 1, arbitrary: fc.constant(0) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 100 }) },
  { weight: 6, arbitrary: fc.integer({ min: 10 * MILLION, max: 1_000 * MILLION }) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 1_000_000_000_000 }) },
);

/** Ratios: the edges, whole basis points (40–60 % is typical for seed funds) and arbitrary doubles. */
export const ratioArb = fc.oneof(
  fc.constantFrom(0, 1, 0.5),
  fc.integer({ min: 0, max: 10_000 }).map((bps) => bps / 10_000),
  fc.double({ min: 0, max: 1, noNaN: true, noDefaultInfinity: true }).map((x) => Math.abs(x)),
);

/** Check sizes by stage (cents), roughly Carta medians ÷ typical syndicate shares. */
const CHECK_RANGE: Record<Stage, [number, number]> = {
  seed: [25_000 * DOLLAR, 3 * MILLION],
  'series-a': [500_000 * DOLLAR, 10 * MILLION],
  'series-b': [1 * MILLION, 25 * MILLION],
  'series-c': [2 * MILLION, 40 * MILLION],
};

const stageArb = fc.constantFrom<Stage>(...STAGES);

const companyArb = stageArb.chain((stage) =>
  fc.record({
    stage: fc.constant(stage),
    invested: fc.oneof(
      { weight: 8, arbitrary: fc.integer({ min: CHECK_RANGE[stage][0], max: CHECK_RANGE[stage][1] }) },
      { weight: 1, arbitrary: fc.integer({ min: 0, max: 1000 }) },
    ),
    ownership: fc.oneof(fc.double({ min: 0.005, max: 0.25, noNaN: true }), fc.constantFrom(0, 0.1, 1)),
    status: fc.constantFrom<ReserveCompany['status']>(
      'active',
      'active',
      'active',
      'active',
      'exited',
      'written-off',
      undefined,
    ),
  }),
);

/** Portfolios of 0–60 companies with unique ids, including tie-heavy equal checks. */
export const reserveCompaniesArb: fc.Arbitrary<ReserveCompany[]> = fc
  .oneof(
    { weight: 5, arbitrary: fc.array(companyArb, { maxLength: 60 }) },
    {
      weight: 1,
      arbitrary: fc.tuple(companyArb, fc.integer({ min: 0, max: 12 })).map(([c, n]) => new Array<typeof c>(n).fill(c)),
    },
  )
  .map((list) => list.map((c, i) => ({ id: `c${String(i).padStart(3, '0')}`, ...c })));

const feeScheduleArb = fc.option(
  fc.array(fc.double({ min: 0, max: 0.025, noNaN: true }), { minLength: 1, maxLength: 12 }),
  { nil: undefined },
);

/** A valid reserve input exercising every option of both models. */
export const reserveInputArb: fc.Arbitrary<ReserveInput> = fc
  .record({
    fundSize: fundSizeArb,
    reserveRatio: ratioArb,
    companies: reserveCompaniesArb,
    feeSchedule: feeScheduleArb,
    expensesShare: fc.double({ min: 0, max: 0.01, noNaN: true }),
    base: fc.option(fc.constantFrom<'investable' | 'fundSize'>('investable', 'fundSize'), { nil: undefined }),
    method: fc.option(fc.constantFrom<'graduation' | 'pro-rata-initial'>('graduation', 'pro-rata-initial'), {
      nil: undefined,
    }),
    participation: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined }),
  })
  .map(({ expensesShare, ...rest }) => ({ ...rest, expenses: Math.floor(rest.fundSize * expensesShare) }));

const curveArb = fc.constantFrom<PacingCurve>(...PACING_CURVES);

function curveShapeArb(curve: PacingCurve): fc.Arbitrary<number | undefined> {
  if (curve === 'linear') return fc.constant(undefined);
  if (curve === 's-curve') return fc.option(fc.double({ min: 0.05, max: 10, noNaN: true }), { nil: undefined });
  return fc.option(fc.double({ min: 0.05, max: 0.99, noNaN: true }), { nil: undefined });
}

/** A valid pacing input: start quarters across years (Q4 included), 1–40 quarter periods, delays. */
export const pacingInputArb: fc.Arbitrary<PacingInput> = fc
  .record({
    fundSize: fundSizeArb,
    startYear: fc.integer({ min: 1990, max: 2040 }),
    startQuarter: fc.integer({ min: 1, max: 4 }),
    investmentPeriodQuarters: fc.oneof(fc.constantFrom(1, 12, 20, 40), fc.integer({ min: 1, max: 40 })),
    deployableShare: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined }),
    reserveRatio: fc.option(ratioArb, { nil: undefined }),
    curve: fc.option(curveArb, { nil: undefined }),
    followOnDelayQuarters: fc.option(fc.integer({ min: 0, max: 16 }), { nil: undefined }),
    extraHorizon: fc.option(fc.integer({ min: 0, max: 20 }), { nil: undefined }),
  })
  .chain(({ deployableShare, extraHorizon, ...rest }) =>
    curveShapeArb(rest.curve ?? 'linear').map((curveShape) => ({
      ...rest,
      curveShape: rest.curve === undefined ? undefined : curveShape,
      deployable: deployableShare === undefined ? undefined : Math.floor(rest.fundSize * deployableShare),
      horizonQuarters: extraHorizon === undefined ? undefined : rest.investmentPeriodQuarters + extraHorizon,
    })),
  );

const DAY_2000 = parseIsoDay('2000-01-01', 'generator');
const dayArb = (min: number, max: number): fc.Arbitrary<number> => fc.integer({ min, max });

interface CompanyShape {
  firstDay: number;
  followOnDays: number[];
  distributionDays: number[];
}

/** Dated flows for one company between its first investment and the valuation day. */
function companyFlowsArb(valuationDay: number, earliestDay: number): fc.Arbitrary<CompanyShape> {
  return dayArb(earliestDay, valuationDay).chain((firstDay) =>
    fc.record({
      firstDay: fc.constant(firstDay),
      followOnDays: fc.array(dayArb(firstDay, valuationDay), { maxLength: 3 }),
      distributionDays: fc.array(dayArb(firstDay, valuationDay), { maxLength: 3 }),
    }),
  );
}

const amountArb = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 25_000 * DOLLAR, max: 20 * MILLION }) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 1000 }) },
);

function toCompany(shape: CompanyShape, id: string, amounts: number[], nav: number): CohortCompany {
  const at = (i: number): number => amounts[i % amounts.length] as number;
  return {
    id,
    investments: [shape.firstDay, ...shape.followOnDays].map((d, i) => ({ date: formatIsoDay(d), amount: at(i) })),
    distributions: shape.distributionDays.map((d, i) => ({ date: formatIsoDay(d), amount: at(i + 4) })),
    nav,
  };
}

/** A valid cohort input: 0–40 companies over 15 years, follow-ons, distributions, NAVs, capital slack. */
export const cohortInputArb: fc.Arbitrary<CohortInput> = dayArb(DAY_2000 + 400, DAY_2000 + 9000)
  .chain((valuationDay) =>
    fc.record({
      valuationDay: fc.constant(valuationDay),
      companies: fc.array(
        fc.record({
          shape: companyFlowsArb(valuationDay, valuationDay - 15 * 365),
          amounts: fc.array(amountArb, { minLength: 8, maxLength: 8 }),
          nav: fc.oneof(fc.constant(0), amountArb),
        }),
        { maxLength: 40 },
      ),
      slack: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 100 * MILLION })),
      grouping: fc.option(fc.constantFrom<'year' | 'quarter'>('year', 'quarter'), { nil: undefined }),
    }),
  )
  .map(({ valuationDay, companies, slack, grouping }) => {
    const list = companies.map((c, i) => toCompany(c.shape, `k${String(i).padStart(3, '0')}`, c.amounts, c.nav));
    const invested = list.reduce((s, c) => s + c.investments.reduce((t, f) => t + f.amount, 0), 0);
    return { valuationDate: formatIsoDay(valuationDay), availableCapital: invested + slack, companies: list, grouping };
  });

/**
 * Conventional cohorts (the IRR-bounds precondition): every investment at
 * least 365 days before every inflow (distributions and NAV at the valuation
 * date), and proceeds below 11× paid-in.
 */
export const conventionalCohortInputArb: fc.Arbitrary<CohortInput> = fc
  .record({
    splitDay: dayArb(DAY_2000 + 3000, DAY_2000 + 8000),
    gapDays: fc.integer({ min: 365, max: 3 * 365 }),
    tailDays: fc.integer({ min: 0, max: 4 * 365 }),
    companies: fc.array(
      fc.record({
        investOffsets: fc.array(fc.integer({ min: 0, max: 8 * 365 }), { minLength: 1, maxLength: 3 }),
        distributionOffsets: fc.array(fc.integer({ min: 0, max: 4 * 365 }), { maxLength: 2 }),
        amount: amountArb,
        multiple: fc.oneof(fc.double({ min: 0, max: 10.9, noNaN: true }), fc.constantFrom(0, 1, 10.9)),
        navShare: fc.double({ min: 0, max: 1, noNaN: true }),
      }),
      { minLength: 1, maxLength: 30 },
    ),
    grouping: fc.option(fc.constantFrom<'year' | 'quarter'>('year', 'quarter'), { nil: undefined }),
  })
  .map(({ splitDay, gapDays, tailDays, companies, grouping }) => {
    const inflowStart = splitDay + gapDays;
    const valuationDay = inflowStart + tailDays;
    const list: CohortCompany[] = companies.map((c, i) => {
      const invested = c.amount * c.investOffsets.length;
      const proceeds = Math.floor(invested * c.multiple);
      const nav = Math.floor(proceeds * c.navShare);
      const distributed = proceeds - nav;
      const perDistribution =
        c.distributionOffsets.length === 0 ? 0 : Math.floor(distributed / c.distributionOffsets.length);
      return {
        id: `v${String(i).padStart(3, '0')}`,
        investments: c.investOffsets.map((o) => ({ date: formatIsoDay(splitDay - o), amount: c.amount })),
        distributions: c.distributionOffsets.map((o) => ({
          date: formatIsoDay(Math.min(inflowStart + o, valuationDay)),
          amount: perDistribution,
        })),
        nav: c.distributionOffsets.length === 0 ? proceeds : nav,
      };
    });
    const invested = list.reduce((s, c) => s + c.investments.reduce((t, f) => t + f.amount, 0), 0);
    return { valuationDate: formatIsoDay(valuationDay), availableCapital: invested, companies: list, grouping };
  });

/**
 * Cohorts where v1.0's closed form and v1.1's XIRR must agree: each company is
 * alone in its vintage year, with a single investment and only a NAV at the
 * valuation date.
 */
export const singleFlowCohortInputArb: fc.Arbitrary<CohortInput> = fc
  .record({
    years: fc.uniqueArray(fc.integer({ min: 2000, max: 2020 }), { minLength: 1, maxLength: 10 }),
    dayInYear: fc.integer({ min: 0, max: 364 }),
    amounts: fc.array(amountArb, { minLength: 10, maxLength: 10 }),
    multiples: fc.array(fc.double({ min: 0.01, max: 8, noNaN: true }), { minLength: 10, maxLength: 10 }),
  })
  .map(({ years, dayInYear, amounts, multiples }) => {
    const companies = years.map((y, i) => {
      const amount = amounts[i] as number;
      return {
        id: `y${y}`,
        investments: [{ date: formatIsoDay(parseIsoDay(`${y}-01-01`, 'generator') + dayInYear), amount }],
        nav: Math.max(1, Math.floor(amount * (multiples[i] as number))),
      };
    });
    return {
      valuationDate: '2023-12-31',
      availableCapital: companies.reduce((s, c) => s + (c.investments[0]?.amount ?? 0), 0),
      companies,
    };
  });
