import { floorMulFraction, splitLargestRemainder, sumCents } from '../money.js';
import { computeInvestable, validateReserveInput, weighByInvested } from './common.js';
import type { ReserveInput, ReserveResult } from './types.js';

/**
 * v1.0: reserve the whole `fundSize × reserveRatio` and split it pro-rata to
 * what each active company has received so far.
 */
export function calculateReservesV10(input: ReserveInput): ReserveResult {
  validateReserveInput(input);
  const { fees, investableCapital } = computeInvestable(input);
  const cap = floorMulFraction(input.fundSize, input.reserveRatio);
  const needs = weighByInvested(input);
  const demand = sumCents(needs);
  const total = demand > 0 ? cap : 0;
  const { parts } = splitLargestRemainder(
    total,
    needs,
    input.companies.map((c) => c.id),
  );
  const warnings =
    demand === 0 && input.companies.length > 0 ? ['no active company with invested capital; nothing reserved'] : [];
  return {
    model: 'v1.0',
    fundSize: input.fundSize,
    investableCapital,
    fees,
    base: 'fundSize',
    cap,
    demand,
    total,
    unallocated: cap - total,
    allocations: input.companies.map((c, i) => ({ id: c.id, amount: parts[i] ?? 0, need: needs[i] ?? 0 })),
    warnings,
  };
}
