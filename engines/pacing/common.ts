import { EngineInputError } from '../errors.js';
import { quarterAt } from '../dates.js';
import {
  assertCents,
  assertFiniteInRange,
  assertFraction,
  assertIntInRange,
  assertObject,
  assertOneOf,
} from '../validate.js';
import { PACING_CURVES } from './types.js';
import type { PacingInput, PacingQuarter } from './types.js';

export const MAX_QUARTERS = 400;

/** Checks everything both models read; throws {@link EngineInputError} naming the field. */
export function validatePacingInput(input: PacingInput): void {
  assertObject(input, 'input');
  assertCents(input.fundSize, 'fundSize');
  // Four-digit years keep ISO date strings in chronological string order.
  assertIntInRange(input.startYear, 1000, 9000, 'startYear');
  assertIntInRange(input.startQuarter, 1, 4, 'startQuarter');
  assertIntInRange(input.investmentPeriodQuarters, 1, 200, 'investmentPeriodQuarters');
  if (input.deployable !== undefined) {
    assertCents(input.deployable, 'deployable');
    if (input.deployable > input.fundSize) throw new EngineInputError('deployable', 'must not exceed fundSize');
  }
  if (input.reserveRatio !== undefined) assertFraction(input.reserveRatio, 'reserveRatio');
  if (input.curve !== undefined) assertOneOf(input.curve, PACING_CURVES, 'curve');
  if (input.curveShape !== undefined) validateCurveShape(input);
  if (input.followOnDelayQuarters !== undefined)
    assertIntInRange(input.followOnDelayQuarters, 0, 200, 'followOnDelayQuarters');
  if (input.horizonQuarters !== undefined) {
    assertIntInRange(input.horizonQuarters, input.investmentPeriodQuarters, MAX_QUARTERS, 'horizonQuarters');
  }
}

function validateCurveShape(input: PacingInput): void {
  if (input.curve === 's-curve') {
    assertFiniteInRange(input.curveShape, Number.MIN_VALUE, 10, 'curveShape');
  } else if (input.curve === 'front-loaded' || input.curve === 'back-loaded') {
    assertFiniteInRange(input.curveShape, Number.MIN_VALUE, 1, 'curveShape');
    if (input.curveShape === 1)
      throw new EngineInputError('curveShape', 'must be below 1 for geometric curves (use linear)');
  } else {
    throw new EngineInputError('curveShape', 'only applies to front-loaded, back-loaded and s-curve');
  }
}

/** Assembles quarter rows and the timeline from per-quarter initial and follow-on cents. */
export function buildQuarters(
  input: PacingInput,
  initial: readonly number[],
  followOn: readonly number[],
): PacingQuarter[] {
  let cumulative = 0;
  return initial.map((init, i) => {
    const slot = quarterAt(input.startYear, input.startQuarter, i);
    const fo = followOn[i] ?? 0;
    cumulative += init + fo;
    return {
      index: i,
      key: slot.key,
      startDate: slot.startDate,
      endDate: slot.endDate,
      initial: init,
      followOn: fo,
      investments: init + fo,
      cumulative,
    };
  });
}
