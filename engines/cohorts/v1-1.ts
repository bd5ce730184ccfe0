import { MIN_ANNUALIZED_DAYS, groupByVintage, parseCohortInput, sumCohort } from './common.js';
import type { ParsedCompany } from './common.js';
import { solveXirr } from './xirr.js';
import type { DayFlow, IrrResult } from './xirr.js';
import type { CohortInput, CohortResult } from './types.js';

/**
 * v1.1: cohorts by vintage of first investment (follow-ons stay in the
 * original cohort), ILPA multiples, XIRR on the dated flows with NAV as a
 * terminal inflow at the valuation date.
 */
export function calculateCohortsV11(input: CohortInput): CohortResult {
  const parsed = parseCohortInput(input);
  const grouping = input.grouping ?? 'year';
  const cohorts = groupByVintage(parsed.companies, grouping).map(([key, companies]) => {
    const totals = sumCohort(companies);
    return {
      key,
      companies: companies.map((c) => c.row),
      ...totals,
      metrics: {
        dpi: totals.distributions / totals.paidIn,
        rvpi: totals.nav / totals.paidIn,
        tvpi: (totals.distributions + totals.nav) / totals.paidIn,
        irr: computeCohortIrr(companies, parsed.valuationDay, totals.nav),
      },
    };
  });
  return {
    model: 'v1.1',
    valuationDate: input.valuationDate,
    grouping,
    cohorts,
    totalInvestment: parsed.totalInvestment,
    availableCapital: input.availableCapital,
  };
}

function computeCohortIrr(companies: readonly ParsedCompany[], valuationDay: number, nav: number): IrrResult {
  // groupByVintage sorts companies by first investment day.
  const firstDay = companies[0]?.firstDay ?? valuationDay;
  if (valuationDay - firstDay < MIN_ANNUALIZED_DAYS) return { defined: false, reason: 'young-cohort' };
  const flows: DayFlow[] = [];
  for (const c of companies) for (const f of c.flows) flows.push(f);
  if (nav > 0) flows.push({ day: valuationDay, amount: nav });
  return solveXirr(flows);
}
