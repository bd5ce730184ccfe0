import { splitLargestRemainder } from '../money.js';
import { buildQuarters, validatePacingInput } from './common.js';
import type { PacingInput, PacingResult } from './types.js';

/** v1.0: the whole fund in equal quarterly slices over the investment period; no follow-on split. */
export function calculatePacingV10(input: PacingInput): PacingResult {
  validatePacingInput(input);
  const q = input.investmentPeriodQuarters;
  const { parts } = splitLargestRemainder(input.fundSize, new Array<number>(q).fill(1));
  const quarters = buildQuarters(input, parts, []);
  return {
    model: 'v1.0',
    fundSize: input.fundSize,
    deployable: input.fundSize,
    quarters,
    timeline: quarters.map((x) => ({ key: x.key, date: x.startDate })),
    initialTotal: input.fundSize,
    followOnTotal: 0,
    totalDeployed: input.fundSize,
    undeployed: 0,
    warnings: [],
  };
}
