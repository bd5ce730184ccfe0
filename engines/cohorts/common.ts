import { EngineInputError } from '../errors.js';
import { formatIsoDay, parseIsoDay, periodKey } from '../dates.js';
import { assertArray, assertCents, assertObject, assertOneOf, assertUniqueIds } from '../validate.js';
import type { CohortCompanyRow, CohortInput } from './types.js';
import type { DayFlow } from './xirr.js';

/** A validated company: flows signed (− paid in, + received) on day numbers. */
export interface ParsedCompany {
  row: CohortCompanyRow;
  firstDay: number;
  flows: DayFlow[];
}

export interface ParsedCohortInput {
  valuationDay: number;
  companies: ParsedCompany[];
  totalInvestment: number;
}

/** Validates the input (every rule both models share) and signs the flows. */
export function parseCohortInput(input: CohortInput): ParsedCohortInput {
  assertObject(input, 'input');
  const valuationDay = parseIsoDay(input.valuationDate, 'valuationDate');
  assertCents(input.availableCapital, 'availableCapital');
  assertArray(input.companies, 'companies');
  if (input.grouping !== undefined) assertOneOf(input.grouping, ['year', 'quarter'] as const, 'grouping');
  assertUniqueIds(
    input.companies.map((c) => c.id),
    'companies',
  );
  const companies = input.companies.map((c, i) => parseCompany(c, `companies[${i}]`, valuationDay));
  const totalInvestment = companies.reduce((s, c) => s + c.row.investment, 0);
  if (!Number.isSafeInteger(totalInvestment))
    throw new EngineInputError('companies', 'investments sum beyond 2^53 cents');
  if (totalInvestment > input.availableCapital) {
    throw new EngineInputError(
      'availableCapital',
      `total investment ${totalInvestment} exceeds available capital ${input.availableCapital}`,
    );
  }
  return { valuationDay, companies, totalInvestment };
}

function parseCompany(c: CohortInput['companies'][number], field: string, valuationDay: number): ParsedCompany {
  assertObject(c, field);
  assertArray(c.investments, `${field}.investments`);
  if (c.investments.length === 0)
    throw new EngineInputError(`${field}.investments`, 'needs at least one investment (a cohort is keyed by it)');
  const flows: DayFlow[] = [];
  let firstDay = Infinity;
  let investment = 0;
  for (const f of parseAmounts(c.investments, `${field}.investments`, valuationDay, true)) {
    firstDay = Math.min(firstDay, f.day);
    investment += f.amount;
    flows.push({ day: f.day, amount: -f.amount });
  }
  let distributed = 0;
  parseAmounts(c.distributions ?? [], `${field}.distributions`, valuationDay, false).forEach((d, j) => {
    if (d.day < firstDay)
      throw new EngineInputError(`${field}.distributions[${j}].date`, "is before the company's first investment");
    distributed += d.amount;
    flows.push(d);
  });
  const nav = c.nav ?? 0;
  assertCents(nav, `${field}.nav`);
  const row: CohortCompanyRow = {
    id: c.id,
    investment,
    distributions: distributed,
    nav,
    firstInvestmentDate: formatIsoDay(firstDay),
  };
  return { row, firstDay, flows };
}

function parseAmounts(list: unknown, field: string, valuationDay: number, positive: boolean): DayFlow[] {
  assertArray(list, field);
  return list.map((item, j) => {
    assertObject(item, `${field}[${j}]`);
    const day = parseIsoDay(item.date, `${field}[${j}].date`);
    if (day > valuationDay) throw new EngineInputError(`${field}[${j}].date`, 'is after valuationDate');
    assertCents(item.amount, `${field}[${j}].amount`);
    if (positive && item.amount === 0) throw new EngineInputError(`${field}[${j}].amount`, 'must be positive');
    return { day, amount: item.amount };
  });
}

/** Groups companies by the period of their first investment; only non-empty groups exist. */
export function groupByVintage(
  companies: readonly ParsedCompany[],
  grouping: 'year' | 'quarter',
): Array<[string, ParsedCompany[]]> {
  const groups = new Map<string, ParsedCompany[]>();
  for (const c of companies) {
    const key = periodKey(c.firstDay, grouping);
    const list = groups.get(key) ?? [];
    list.push(c);
    groups.set(key, list);
  }
  const byDayThenId = (a: ParsedCompany, b: ParsedCompany): number =>
    a.firstDay - b.firstDay || (a.row.id < b.row.id ? -1 : a.row.id > b.row.id ? 1 : 0);
  return [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, list]) => [k, list.sort(byDayThenId)]);
}

/** Paid-in, distributed and NAV totals of one cohort. */
export function sumCohort(companies: readonly ParsedCompany[]): { paidIn: number; distributions: number; nav: number } {
  let paidIn = 0;
  let distributions = 0;
  let nav = 0;
  for (const c of companies) {
    paidIn += c.row.investment;
    distributions += c.row.distributions;
    nav += c.row.nav;
  }
  return { paidIn, distributions, nav };
}

/** GIPS: since-inception returns under one year must not be annualized. */
export const MIN_ANNUALIZED_DAYS = 365;
