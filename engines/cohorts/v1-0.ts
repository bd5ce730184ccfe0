import { MIN_ANNUALIZED_DAYS, groupByVintage, parseCohortInput, sumCohort } from './common.js';
import type { IrrResult } from './xirr.js';
import type { CohortInput, CohortResult } from './types.js';

const round2 = (x: number): number => Math.round(x * 100) / 100;

/**
 * v1.0: cohorts by vintage year, multiples rounded to two decimals, and an
 * IRR from the multiple alone: TVPI^(1/years) − 1 with years counted from
 * the cohort's first investment. It ignores when follow-ons and
 * distributions happened, which is what v1.1's XIRR fixes.
 */
export function calculateCohortsV10(input: CohortInput): CohortResult {
  const parsed = parseCohortInput(input);
  const cohorts = groupByVintage(parsed.companies, 'year').map(([key, companies]) => {
    const totals = sumCohort(companies);
    const tvpi = (totals.distributions + totals.nav) / totals.paidIn;
    const days = parsed.valuationDay - Math.min(...companies.map((c) => c.firstDay));
    return {
      key,
      companies: companies.map((c) => c.row),
      ...totals,
      metrics: {
        dpi: round2(totals.distributions / totals.paidIn),
        rvpi: round2(totals.nav / totals.paidIn),
        tvpi: round2(tvpi),
        irr: estimateIrrFromMultiple(tvpi, days),
      },
    };
  });
  return {
    model: 'v1.0',
    valuationDate: input.valuationDate,
    grouping: 'year',
    cohorts,
    totalInvestment: parsed.totalInvestment,
    availableCapital: input.availableCapital,
  };
}

function estimateIrrFromMultiple(tvpi: number, days: number): IrrResult {
  if (days < MIN_ANNUALIZED_DAYS) return { defined: false, reason: 'young-cohort' };
  if (tvpi === 0) return { defined: false, reason: 'no-sign-change' };
  return { defined: true, value: tvpi ** (365 / days) - 1, method: 'closed-form', iterations: 0 };
}
