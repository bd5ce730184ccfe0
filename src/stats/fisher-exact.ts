/**
 * Fisher's exact test for a 2×2 table, conditional on both margins (hypergeometric).
 *
 * Probabilities are built by the ratio recurrence outward from the mode and normalised by their
 * sum, so no log-factorials are needed and nothing overflows for large counts. The two-sided
 * p-value sums every table at most as probable as the observed one, with R's relative tolerance
 * of 1e-7 so that tables equally likely up to rounding are counted (SciPy uses 1e-14).
 */
import type { Alternative } from './types.js';

const RELATIVE_TOLERANCE = 1 + 1e-7;

/** Result of {@link testFisherExact}. `oddsRatio` is the sample (unconditional) odds ratio a·d/(b·c). */
export interface FisherExactResult {
  oddsRatio: number;
  pValue: number;
}

/**
 * Fisher's exact test on the table [[a, b], [c, d]]. `greater` means the odds ratio of the first
 * row exceeds 1 (a larger than expected), as in SciPy's `fisher_exact` and R's `fisher.test`.
 */
export function testFisherExact(
  a: number,
  b: number,
  c: number,
  d: number,
  alternative: Alternative,
): FisherExactResult {
  for (const v of [a, b, c, d]) {
    if (!Number.isInteger(v) || v < 0)
      throw new RangeError(`Fisher table cells must be non-negative integers, got ${v}`);
  }
  const oddsRatio = b * c === 0 ? (a * d === 0 ? Number.NaN : Number.POSITIVE_INFINITY) : (a * d) / (b * c);
  const row1 = a + b;
  const row2 = c + d;
  const col1 = a + c;
  if (row1 === 0 || row2 === 0 || col1 === 0 || b + d === 0) return { oddsRatio: Number.NaN, pValue: 1 };
  const lo = Math.max(0, col1 - row2);
  const hi = Math.min(row1, col1);
  const weights = weighHypergeometric(lo, hi, row1, row2, col1);
  let total = 0;
  for (const w of weights) total += w;
  const observed = weights[a - lo] ?? 0;
  let tail = 0;
  if (alternative === 'greater') {
    for (let x = a; x <= hi; x += 1) tail += weights[x - lo] ?? 0;
  } else if (alternative === 'less') {
    for (let x = lo; x <= a; x += 1) tail += weights[x - lo] ?? 0;
  } else {
    const limit = observed * RELATIVE_TOLERANCE;
    for (const w of weights) if (w <= limit) tail += w;
  }
  return { oddsRatio, pValue: Math.min(1, tail / total) };
}

/** Unnormalised hypergeometric weights over [lo, hi], 1 at the mode. */
function weighHypergeometric(lo: number, hi: number, row1: number, row2: number, col1: number): Float64Array {
  const weights = new Float64Array(hi - lo + 1);
  const mode = Math.min(hi, Math.max(lo, Math.floor(((col1 + 1) * (row1 + 1)) / (row1 + row2 + 2))));
  weights[mode - lo] = 1;
  // f(x+1)/f(x) = (row1 - x)(col1 - x) / ((x + 1)(row2 - col1 + x + 1))
  for (let x = mode; x < hi; x += 1) {
    const ratio = ((row1 - x) * (col1 - x)) / ((x + 1) * (row2 - col1 + x + 1));
    weights[x + 1 - lo] = (weights[x - lo] ?? 0) * ratio;
  }
  for (let x = mode; x > lo; x -= 1) {
    const ratio = (x * (row2 - col1 + x)) / ((row1 - x + 1) * (col1 - x + 1));
    weights[x - 1 - lo] = (weights[x - lo] ?? 0) * ratio;
  }
  return weights;
}
