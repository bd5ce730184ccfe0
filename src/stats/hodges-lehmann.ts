/**
 * Hodges–Lehmann shift estimate (median of all pairwise differences y − x) with the
 * distribution-free confidence interval of Lehmann (1975) / Bauer (1972) that R's
 * `wilcox.test(conf.int = TRUE)` reports for exact cases: [d₍K₎, d₍nm−K+1₎], where K is the
 * α/2 quantile of the Mann–Whitney null distribution (exact without ties and n·m <= 2500,
 * otherwise its tie-corrected normal approximation with continuity correction:
 * K = ⌊nm/2 + ½ − z·σ⌋, at least 1). Order statistics come from pairwise-differences.ts in
 * O((n + m)·log) time and O(n + m) memory, so a million per arm is fine.
 */
import { MAX_EXACT_CELLS, computeExactQuantile, computeExactUpperTail } from './mann-whitney-exact.js';
import { normalCdf, normalQuantile } from './normal.js';
import { countDifferencesAtMost, selectDifference, selectNextDifference } from './pairwise-differences.js';
import { sortSample, summariseRanks, type Sample } from './samples.js';
import { assertProbability } from './types.js';

/** Options of {@link hodgesLehmann}. */
export interface HodgesLehmannOptions {
  /** Two-sided confidence level, default 0.95. */
  confidence?: number;
}

/** Result of {@link hodgesLehmann}: the shift of y relative to x (y − x). */
export interface HodgesLehmannResult {
  estimate: number;
  lower: number;
  upper: number;
  confidence: number;
  /** Coverage actually guaranteed by the chosen order statistics (≥ `confidence` when exact). */
  achievedConfidence: number;
  method: 'exact' | 'asymptotic';
  /** K: the interval is the K-th smallest and K-th largest pairwise difference. */
  orderStatistic: number;
}

/** Hodges–Lehmann estimate of the shift y − x and its confidence interval. Pure. */
export function hodgesLehmann(x: Sample, y: Sample, opts: HodgesLehmannOptions = {}): HodgesLehmannResult {
  const confidence = opts.confidence ?? 0.95;
  assertProbability('confidence', confidence);
  const xs = sortSample('x', x);
  const ys = sortSample('y', y);
  const m = xs.length;
  const n = ys.length;
  const total = m * n;
  const { hasTies, tieTerm } = summariseRanks(xs, ys);
  const alpha = 1 - confidence;
  const exact = !hasTies && total <= MAX_EXACT_CELLS;
  let k: number;
  let achievedConfidence: number;
  if (exact) {
    k = Math.max(1, computeExactQuantile(alpha / 2, m, n));
    // Coverage is 1 − 2·P(U <= K − 1), and P(U <= K − 1) = 1 − P(U >= K).
    achievedConfidence = 1 - 2 * (1 - computeExactUpperTail(k, m, n));
  } else {
    const size = m + n;
    const sd = Math.sqrt((total / 12) * (size + 1 - tieTerm / (size * (size - 1))));
    const z = normalQuantile(1 - alpha / 2);
    k = Math.max(1, Math.floor(total / 2 + 0.5 - z * sd));
    achievedConfidence = Math.max(0, 1 - 2 * normalCdf((k - 0.5 - total / 2) / sd));
  }
  k = Math.min(k, Math.ceil(total / 2));
  return {
    estimate: computeMedianDifference(xs, ys),
    lower: selectDifference(xs, ys, k),
    upper: selectDifference(xs, ys, total - k + 1),
    confidence,
    achievedConfidence,
    method: exact ? 'exact' : 'asymptotic',
    orderStatistic: k,
  };
}

function computeMedianDifference(xs: Float64Array, ys: Float64Array): number {
  const total = xs.length * ys.length;
  const half = Math.floor(total / 2);
  if (total % 2 === 1) return selectDifference(xs, ys, half + 1);
  const below = selectDifference(xs, ys, half);
  const above = countDifferencesAtMost(xs, ys, below) > half ? below : selectNextDifference(xs, ys, below);
  return (below + above) / 2;
}
