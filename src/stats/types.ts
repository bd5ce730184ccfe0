/**
 * Direction of the alternative hypothesis:
 * - `greater`: the tested arm is higher (more errors, slower, …),
 * - `less`: the tested arm is lower,
 * - `two-sided`: either.
 * The tested arm is the canary in `compareProportions(baseline, canary)` and the sequential tests,
 * and — as in SciPy — the FIRST sample in `mannWhitney(x, y)`; see each function.
 */
export type Alternative = 'two-sided' | 'greater' | 'less';

/** Throws a RangeError unless `value` is one of the three alternatives. */
export function assertAlternative(value: unknown): asserts value is Alternative {
  if (value !== 'two-sided' && value !== 'greater' && value !== 'less') {
    throw new RangeError(`alternative must be 'two-sided', 'greater' or 'less', got ${String(value)}`);
  }
}

/** Throws a RangeError unless 0 < value < 1. */
export function assertProbability(name: string, value: number): void {
  if (!(value > 0 && value < 1)) throw new RangeError(`${name} must be in (0, 1), got ${value}`);
}
