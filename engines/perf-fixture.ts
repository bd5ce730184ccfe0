import { formatIsoDay, parseIsoDay, quarterAt } from './dates.js';
import type { CohortCompany, CohortInput } from './cohorts/index.js';
import type { PacingInput } from './pacing/index.js';
import { STAGES } from './reserves/index.js';
import type { ReserveCompany, ReserveInput } from './reserves/index.js';

/** Inputs for one benchmark run of each engine. */
export interface PerfPortfolio {
  reserves: ReserveInput;
  pacing: PacingInput;
  cohorts: CohortInput;
}

/** Small deterministic PRNG (LCG) so every benchmark sees the same portfolio. */
function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 0x1_0000_0000;
  };
}

/**
 * A realistic fund: `companies` companies entering over `quarters` quarters
 * from 2015-Q1, checks of $0.5M–$5M, follow-ons, partial exits and NAVs.
 */
export function buildPerfPortfolio(companies = 500, quarters = 40): PerfPortfolio {
  const random = createRandom(20_250_101);
  const fundSize = 100_000_000_000; // $1B
  const start = parseIsoDay('2015-01-01', 'start');
  const valuationDay = parseIsoDay(quarterAt(2015, 1, quarters).startDate, 'valuation') - 1;
  const reserveCompanies: ReserveCompany[] = [];
  const cohortCompanies: CohortCompany[] = [];
  for (let i = 0; i < companies; i++) {
    const id = `pc-${String(i).padStart(4, '0')}`;
    const check = Math.round(50_000_000 + random() * 450_000_000);
    const firstDay = start + Math.floor(random() * (valuationDay - start) * 0.8);
    const followDay = firstDay + Math.floor(random() * (valuationDay - firstDay));
    const exitDay = followDay + Math.floor(random() * (valuationDay - followDay));
    reserveCompanies.push({
      id,
      stage: STAGES[i % STAGES.length] ?? 'seed',
      invested: check,
      ownership: 0.02 + random() * 0.18,
      status: i % 10 === 9 ? 'written-off' : 'active',
    });
    cohortCompanies.push({
      id,
      investments: [
        { date: formatIsoDay(firstDay), amount: check },
        { date: formatIsoDay(followDay), amount: Math.round(check * random()) + 1 },
      ],
      distributions: i % 3 === 0 ? [{ date: formatIsoDay(exitDay), amount: Math.round(check * 3 * random()) }] : [],
      nav: i % 10 === 9 ? 0 : Math.round(check * 2 * random()),
    });
  }
  const invested = cohortCompanies.reduce((s, c) => s + c.investments.reduce((t, f) => t + f.amount, 0), 0);
  return {
    reserves: {
      fundSize,
      reserveRatio: 0.5,
      companies: reserveCompanies,
      feeSchedule: new Array<number>(10).fill(0.02),
      expenses: 500_000_000,
    },
    pacing: {
      fundSize,
      startYear: 2015,
      startQuarter: 1,
      investmentPeriodQuarters: quarters,
      deployable: 80_000_000_000,
      reserveRatio: 0.4,
      curve: 's-curve',
      followOnDelayQuarters: 6,
      horizonQuarters: quarters + 6,
    },
    cohorts: {
      valuationDate: formatIsoDay(valuationDay),
      availableCapital: Math.max(fundSize, invested),
      companies: cohortCompanies,
      grouping: 'quarter',
    },
  };
}
