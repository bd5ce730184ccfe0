/**
 * Holm (1979) step-down correction for testing several canary metrics at once: controls the
 * family-wise error rate at alpha like Bonferroni, but rejects at least as often.
 */
import { assertProbability } from './types.js';

/** Result of {@link adjustHolm}, index-aligned with the input p-values. */
export interface HolmResult {
  /** Holm-adjusted p-values (compare with alpha directly), capped at 1. */
  adjusted: number[];
  rejected: boolean[];
  alpha: number;
}

/** Holm–Bonferroni adjustment; `rejected[i]` is true when hypothesis i is rejected at `alpha`. */
export function adjustHolm(pValues: readonly number[], alpha = 0.05): HolmResult {
  assertProbability('alpha', alpha);
  for (const p of pValues) if (!(p >= 0 && p <= 1)) throw new RangeError(`p-values must be in [0, 1], got ${p}`);
  const m = pValues.length;
  const order = pValues.map((p, i) => ({ p, i })).sort((a, b) => a.p - b.p || a.i - b.i);
  const adjusted = new Array<number>(m).fill(1);
  let running = 0;
  order.forEach(({ p, i }, rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * p));
    adjusted[i] = running;
  });
  return { adjusted, rejected: adjusted.map((p) => p <= alpha), alpha };
}
