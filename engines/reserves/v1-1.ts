import { floorMulFraction, splitLargestRemainder, sumCents } from '../money.js';
import {
  DEFAULT_GRADUATION,
  assertSafeSum,
  computeInvestable,
  validateReserveInput,
  weighByInvested,
} from './common.js';
import { STAGES } from './types.js';
import type { GraduationStep, ReserveCompany, ReserveInput, ReserveResult, Stage } from './types.js';

type GraduationTable = Record<Exclude<Stage, 'seed'>, GraduationStep>;

/**
 * Expected follow-on need of one company (Tactyc-style build-up):
 * participation × Σ_k P(reach k) × ownership × roundSize_k over the stages
 * after the current one. Pro-rata keeps ownership constant across rounds.
 */
export function computeGraduationNeed(company: ReserveCompany, table: GraduationTable, participation: number): number {
  if ((company.status ?? 'active') !== 'active') return 0;
  let reach = 1;
  let need = 0;
  for (const stage of STAGES.slice(STAGES.indexOf(company.stage) + 1) as Exclude<Stage, 'seed'>[]) {
    reach *= table[stage].probability;
    need += reach * company.ownership * table[stage].roundSize;
  }
  return Math.round(participation * need);
}

/**
 * v1.1: bottom-up demand (graduation × pro-rata check × participation),
 * capped at floor(base × reserveRatio), split by need with largest remainder.
 */
export function calculateReservesV11(input: ReserveInput): ReserveResult {
  validateReserveInput(input);
  const { fees, investableCapital } = computeInvestable(input);
  const base = input.base ?? 'investable';
  const cap = floorMulFraction(base === 'investable' ? investableCapital : input.fundSize, input.reserveRatio);
  const method = input.method ?? 'graduation';
  const table: GraduationTable = { ...DEFAULT_GRADUATION, ...input.graduation };
  const needs =
    method === 'graduation'
      ? input.companies.map((c) => computeGraduationNeed(c, table, input.participation ?? 1))
      : weighByInvested(input);
  assertSafeSum(needs, 'graduation');
  const demand = sumCents(needs);
  // pro-rata-initial has no demand model: like v1.0 it hands out the whole cap.
  const total = demand === 0 ? 0 : method === 'graduation' ? Math.min(cap, demand) : cap;
  const { parts } = splitLargestRemainder(
    total,
    needs,
    input.companies.map((c) => c.id),
  );
  const warnings: string[] = [];
  if (method === 'graduation' && demand > cap)
    warnings.push(`demand ${demand} exceeds cap ${cap}; allocations scaled down`);
  if (demand === 0 && input.companies.length > 0) warnings.push('no follow-on demand; nothing reserved');
  return {
    model: 'v1.1',
    fundSize: input.fundSize,
    investableCapital,
    fees,
    base,
    cap,
    demand,
    total,
    unallocated: cap - total,
    allocations: input.companies.map((c, i) => ({ id: c.id, amount: parts[i] ?? 0, need: needs[i] ?? 0 })),
    warnings,
  };
}
