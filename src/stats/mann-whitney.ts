/**
 * Mann–Whitney U (Wilcoxon rank-sum) test, matching `scipy.stats.mannwhitneyu` (SciPy 1.10):
 * the statistic is U of the FIRST sample, U₁ = R₁ − n₁(n₁+1)/2; `greater` means x tends to be
 * larger than y. `method: 'auto'` is SciPy's rule: exact when either sample has at most 8
 * observations and there are no ties (and n₁·n₂ ≤ 2500, the size of our exact table), otherwise the
 * normal approximation with tie-corrected variance and (by default) a 0.5 continuity correction.
 *
 * Speed: both samples are copied into Float64Arrays and sorted natively, then one merge pass
 * assigns average ranks to tie groups — no index sort of the combined sample is needed.
 */
import { MAX_EXACT_CELLS, computeExactUpperTail } from './mann-whitney-exact.js';
import { normalSf } from './normal.js';
import { sortSample, summariseRanks, type Sample } from './samples.js';
import { assertAlternative, type Alternative } from './types.js';

/** Options of {@link mannWhitney}. */
export interface MannWhitneyOptions {
  /** `greater`: x is stochastically larger than y. Default `two-sided`. */
  alternative?: Alternative;
  /** Default `auto` (SciPy's rule). `exact` requires no ties and n₁·n₂ ≤ 2500. */
  method?: 'auto' | 'exact' | 'asymptotic';
  /** Continuity correction of the normal approximation; default true (SciPy's default). */
  continuity?: boolean;
}

/** Result of {@link mannWhitney}. */
export interface MannWhitneyResult {
  /** U₁, the U statistic of x (number of pairs with x > y, ties counting ½). */
  statistic: number;
  pValue: number;
  method: 'exact' | 'asymptotic';
  alternative: Alternative;
  /** Standardised statistic of the normal approximation (null for the exact method). */
  z: number | null;
  nX: number;
  nY: number;
  /** U₁ / (n₁·n₂) = P(X > Y) + ½·P(X = Y), the common-language effect size. */
  probabilityXGreater: number;
  hasTies: boolean;
}

/** Two-sample Mann–Whitney U test. Pure; throws RangeError on empty samples or NaN. */
export function mannWhitney(x: Sample, y: Sample, opts: MannWhitneyOptions = {}): MannWhitneyResult {
  const alternative = opts.alternative ?? 'two-sided';
  assertAlternative(alternative);
  const xs = sortSample('x', x);
  const ys = sortSample('y', y);
  const n1 = xs.length;
  const n2 = ys.length;
  const { rankSumX, tieTerm, hasTies } = summariseRanks(xs, ys);
  const u1 = rankSumX - (n1 * (n1 + 1)) / 2;
  const u2 = n1 * n2 - u1;
  const method = chooseMethod(opts.method ?? 'auto', n1, n2, hasTies);
  const u = alternative === 'greater' ? u1 : alternative === 'less' ? u2 : Math.max(u1, u2);
  const factor = alternative === 'two-sided' ? 2 : 1;
  let z: number | null = null;
  let tail: number;
  if (method === 'exact') {
    tail = computeExactUpperTail(u, n1, n2);
  } else {
    const n = n1 + n2;
    const sd = Math.sqrt(((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1))));
    const numerator = u - (n1 * n2) / 2 - (opts.continuity === false ? 0 : 0.5);
    z = sd === 0 ? (numerator > 0 ? Infinity : numerator < 0 ? -Infinity : Number.NaN) : numerator / sd;
    // All observations tied: no evidence either way.
    tail = Number.isNaN(z) ? 0.5 : normalSf(z);
  }
  return {
    statistic: u1,
    pValue: Math.min(1, Math.max(0, tail * factor)),
    method,
    alternative,
    z,
    nX: n1,
    nY: n2,
    probabilityXGreater: u1 / (n1 * n2),
    hasTies,
  };
}

function chooseMethod(
  requested: 'auto' | 'exact' | 'asymptotic',
  n1: number,
  n2: number,
  hasTies: boolean,
): 'exact' | 'asymptotic' {
  if (requested === 'exact') {
    if (hasTies) throw new RangeError('exact Mann–Whitney p-values need samples without ties');
    return 'exact';
  }
  if (requested === 'asymptotic') return 'asymptotic';
  if ((n1 > 8 && n2 > 8) || hasTies) return 'asymptotic';
  // SciPy would still compute the exact distribution here (e.g. 5 canary points against 1,000
  // baseline points); our table stops at MAX_EXACT_CELLS, and beyond it the normal approximation
  // with continuity correction is what SciPy's `method='asymptotic'` answers.
  return n1 * n2 <= MAX_EXACT_CELLS ? 'exact' : 'asymptotic';
}
