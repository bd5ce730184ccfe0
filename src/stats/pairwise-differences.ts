/**
 * Order statistics of the n·m pairwise differences y[j] − x[i] of two sorted samples without
 * building them: interpolation search safeguarded by bisection on the value, with an O(n + m)
 * two-pointer count per step, then, once
 * at most a few hundred thousand differences remain in the bracket, they are listed and sorted.
 * The answer is the exact order statistic (the differences are computed exactly as listed); the
 * bisection only shrinks the bracket. Memory stays O(n + m).
 */

const ENUMERATION_LIMIT = 200_000;

/** Number of pairs with ys[j] − xs[i] <= d. */
export function countDifferencesAtMost(xs: Float64Array, ys: Float64Array, d: number): number {
  const nx = xs.length;
  const ny = ys.length;
  let count = 0;
  let j = 0;
  // As xs[i] grows, every difference ys[j] − xs[i] shrinks, so j never moves back.
  for (let i = 0; i < nx; i += 1) {
    const xi = xs[i] as number;
    while (j < ny && (ys[j] as number) - xi <= d) j += 1;
    count += j;
  }
  return count;
}

/** k-th smallest (1-based) of ys[j] − xs[i]. */
export function selectDifference(xs: Float64Array, ys: Float64Array, k: number): number {
  const total = xs.length * ys.length;
  if (!(k >= 1 && k <= total)) throw new RangeError(`order statistic ${k} outside 1..${total}`);
  let lo = (ys[0] as number) - (xs[xs.length - 1] as number);
  let hi = (ys[ys.length - 1] as number) - (xs[0] as number);
  let countLo = countDifferencesAtMost(xs, ys, lo);
  if (countLo >= k) return lo;
  let countHi = total;
  let interpolate = true;
  // Invariant: countLo < k <= countHi, i.e. the answer lies in (lo, hi].
  for (;;) {
    if (countHi - countLo <= ENUMERATION_LIMIT) return pickFromBracket(xs, ys, lo, hi, k - countLo);
    const before = countHi - countLo;
    // Counts are close to linear in d locally, so interpolating at k ± margin usually brackets the
    // answer tightly in one step; plain bisection takes over whenever that fails to halve the bracket.
    const targets = interpolate ? [k - ENUMERATION_LIMIT / 4, k + ENUMERATION_LIMIT / 4] : [(countLo + countHi) / 2];
    for (const target of targets) {
      const share = interpolate ? (target - countLo) / (countHi - countLo) : 0.5;
      const probe = lo + (hi - lo) * Math.min(1, Math.max(0, share));
      if (!(probe > lo && probe < hi)) continue;
      const count = countDifferencesAtMost(xs, ys, probe);
      if (count >= k) {
        hi = probe;
        countHi = count;
      } else {
        lo = probe;
        countLo = count;
      }
    }
    // No double strictly inside the bracket: every difference in (lo, hi] equals hi.
    const mid = lo + (hi - lo) / 2;
    if (mid <= lo || mid >= hi) return hi;
    interpolate = countHi - countLo <= before / 2;
  }
}

/** Smallest difference strictly greater than d (Infinity when there is none). */
export function selectNextDifference(xs: Float64Array, ys: Float64Array, d: number): number {
  let best = Number.POSITIVE_INFINITY;
  let j = 0;
  for (let i = 0; i < xs.length; i += 1) {
    const xi = xs[i] as number;
    while (j < ys.length && (ys[j] as number) - xi <= d) j += 1;
    if (j < ys.length) best = Math.min(best, (ys[j] as number) - xi);
  }
  return best;
}

/** The rank-th smallest (1-based) difference among those in (lo, hi]. */
function pickFromBracket(xs: Float64Array, ys: Float64Array, lo: number, hi: number, rank: number): number {
  const inside: number[] = [];
  let jLo = 0;
  let jHi = 0;
  for (let i = 0; i < xs.length; i += 1) {
    const xi = xs[i] as number;
    while (jLo < ys.length && (ys[jLo] as number) - xi <= lo) jLo += 1;
    while (jHi < ys.length && (ys[jHi] as number) - xi <= hi) jHi += 1;
    for (let j = jLo; j < jHi; j += 1) inside.push((ys[j] as number) - xi);
  }
  const sorted = Float64Array.from(inside).sort();
  return sorted[rank - 1] as number;
}
