import { floorMulFraction, scaleToIntegerWeights, splitLargestRemainder, sumCents } from '../money.js';
import { buildQuarters, validatePacingInput } from './common.js';
import { computeCurveWeights } from './curves.js';
import type { PacingInput, PacingResult } from './types.js';

/**
 * v1.1: initial checks follow the chosen curve over the investment period;
 * the follow-on pool follows the same curve shifted by the follow-on delay.
 * Follow-ons that land past the horizon are reported as undeployed, never
 * piled into the last quarter.
 */
export function calculatePacingV11(input: PacingInput): PacingResult {
  validatePacingInput(input);
  const period = input.investmentPeriodQuarters;
  const delay = input.followOnDelayQuarters ?? 0;
  const horizon = input.horizonQuarters ?? period + delay;
  const deployable = input.deployable ?? input.fundSize;
  const followOnPool = floorMulFraction(deployable, input.reserveRatio ?? 0);
  const initialPool = deployable - followOnPool;
  const weights = scaleToIntegerWeights(computeCurveWeights(input.curve ?? 'linear', period, input.curveShape));
  const initialParts = splitLargestRemainder(initialPool, weights).parts;
  const followOnParts = splitLargestRemainder(followOnPool, weights).parts;
  const initial = new Array<number>(horizon).fill(0);
  const followOn = new Array<number>(horizon).fill(0);
  initialParts.forEach((amount, i) => {
    initial[i] = amount;
  });
  followOnParts.forEach((amount, i) => {
    if (i + delay < horizon) followOn[i + delay] = amount;
  });
  const quarters = buildQuarters(input, initial, followOn);
  const totalDeployed = sumCents(quarters.map((x) => x.investments));
  const followOnTotal = sumCents(followOn);
  const warnings =
    followOnTotal < followOnPool
      ? [`${followOnPool - followOnTotal} cents of follow-ons fall past the ${horizon}-quarter horizon`]
      : [];
  return {
    model: 'v1.1',
    fundSize: input.fundSize,
    deployable,
    quarters,
    timeline: quarters.map((x) => ({ key: x.key, date: x.startDate })),
    initialTotal: initialPool,
    followOnTotal,
    totalDeployed,
    undeployed: deployable - totalDeployed,
    warnings,
  };
}
