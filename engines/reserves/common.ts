import { EngineInputError } from '../errors.js';
import { sumCents } from '../money.js';
import { assertArray, assertCents, assertFraction, assertObject, assertOneOf, assertUniqueIds } from '../validate.js';
import { STAGES } from './types.js';
import type { GraduationStep, ReserveInput, Stage } from './types.js';

/**
 * Illustrative defaults (engines-domain.md §4.2): graduation from Carta's 2018
 * funnel, round sizes from Carta Q1 2024 medians (A $9.3M, B $21M, C $23M).
 * No sourced Series D round size exists, so Series C companies get no reserve
 * by default; pass `graduation` to model later rounds.
 */
export const DEFAULT_GRADUATION: Readonly<Record<Exclude<Stage, 'seed'>, GraduationStep>> = {
  'series-a': { probability: 0.3, roundSize: 930_000_000 },
  'series-b': { probability: 0.4, roundSize: 2_100_000_000 },
  'series-c': { probability: 0.3, roundSize: 2_300_000_000 },
};

/** Checks everything both models read; throws {@link EngineInputError} naming the field. */
export function validateReserveInput(input: ReserveInput): void {
  assertObject(input, 'input');
  assertCents(input.fundSize, 'fundSize');
  assertFraction(input.reserveRatio, 'reserveRatio');
  assertArray(input.companies, 'companies');
  input.companies.forEach((c, i) => {
    assertObject(c, `companies[${i}]`);
    assertOneOf(c.stage, STAGES, `companies[${i}].stage`);
    assertCents(c.invested, `companies[${i}].invested`);
    assertFraction(c.ownership, `companies[${i}].ownership`);
    if (c.status !== undefined)
      assertOneOf(c.status, ['active', 'exited', 'written-off'] as const, `companies[${i}].status`);
  });
  assertUniqueIds(
    input.companies.map((c) => c.id),
    'companies',
  );
  assertSafeSum(
    input.companies.map((c) => c.invested),
    'companies',
  );
  if (input.expenses !== undefined) assertCents(input.expenses, 'expenses');
  if (input.feeSchedule !== undefined) {
    assertArray(input.feeSchedule, 'feeSchedule');
    input.feeSchedule.forEach((r, i) => assertFraction(r, `feeSchedule[${i}]`));
  }
  if (input.participation !== undefined) assertFraction(input.participation, 'participation');
  if (input.base !== undefined) assertOneOf(input.base, ['investable', 'fundSize'] as const, 'base');
  if (input.method !== undefined) assertOneOf(input.method, ['graduation', 'pro-rata-initial'] as const, 'method');
  for (const [stage, step] of Object.entries(input.graduation ?? {})) {
    assertOneOf(stage, STAGES.slice(1), `graduation.${stage}`);
    assertObject(step, `graduation.${stage}`);
    assertFraction(step.probability, `graduation.${stage}.probability`);
    assertCents(step.roundSize, `graduation.${stage}.roundSize`);
  }
}

/** Totals are plain numbers: refuse inputs whose sum would lose cents above 2^53. */
export function assertSafeSum(values: readonly number[], field: string): void {
  if (!Number.isSafeInteger(sumCents(values))) throw new EngineInputError(field, 'amounts sum beyond 2^53 cents');
}

/** Fees and investable capital (Foresight / Tactyc: committed − fees − expenses). */
export function computeInvestable(input: ReserveInput): { fees: number; investableCapital: number } {
  // Fees are billed per year in whole cents, so each year is rounded on its own.
  const fees = sumCents((input.feeSchedule ?? []).map((rate) => Math.round(input.fundSize * rate)));
  const investableCapital = input.fundSize - fees - (input.expenses ?? 0);
  if (investableCapital < 0) {
    throw new EngineInputError('feeSchedule', `fees (${fees}) and expenses exceed the fund size (${input.fundSize})`);
  }
  return { fees, investableCapital };
}

/** Active companies weigh by their invested cents; the rest weigh 0. */
export function weighByInvested(input: ReserveInput): number[] {
  return input.companies.map((c) => ((c.status ?? 'active') === 'active' ? c.invested : 0));
}
