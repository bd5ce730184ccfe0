/**
 * Exact null distribution of the Mann–Whitney U statistic (no ties): the number of arrangements
 * giving each U, from the recurrence f(m, n, u) = f(m−1, n, u−n) + f(m, n−1, u). Only used for
 * small samples, so the O(m·n·mn) table is cheap.
 */

/** Largest m·n accepted by {@link computeExactUpperTail}; beyond it the normal approximation is accurate. */
export const MAX_EXACT_CELLS = 2500;

const cache = new Map<string, Float64Array>();

/** Probability mass of U over 0..m·n for sample sizes m and n. */
function computeDistribution(m: number, n: number): Float64Array {
  const key = `${Math.min(m, n)}x${Math.max(m, n)}`;
  const cached = cache.get(key);
  if (cached) return cached;
  const size = m * n + 1;
  // rows[j] holds f(i, j, ·) for the current i; f(0, j, ·) = [1].
  let rows: Float64Array[] = [];
  for (let j = 0; j <= n; j += 1) rows.push(Float64Array.of(1));
  for (let i = 1; i <= m; i += 1) {
    const next: Float64Array[] = [Float64Array.of(1)];
    for (let j = 1; j <= n; j += 1) {
      const above = rows[j] ?? new Float64Array(1); // f(i−1, j, ·), shifted by j
      const left = next[j - 1] ?? new Float64Array(1); // f(i, j−1, ·)
      const cell = new Float64Array(i * j + 1);
      for (let u = 0; u < left.length; u += 1) cell[u] = left[u] ?? 0;
      for (let u = 0; u < above.length; u += 1) cell[u + j] = (cell[u + j] ?? 0) + (above[u] ?? 0);
      next.push(cell);
    }
    rows = next;
  }
  const counts = rows[n] ?? new Float64Array(size);
  let total = 0;
  for (const c of counts) total += c;
  const pmf = counts.map((c) => c / total);
  cache.set(key, pmf);
  return pmf;
}

/** P(U >= u) under H0 for sample sizes m and n (u rounded up to an integer). */
export function computeExactUpperTail(u: number, m: number, n: number): number {
  if (m * n > MAX_EXACT_CELLS) throw new RangeError(`exact Mann–Whitney limited to m·n <= ${MAX_EXACT_CELLS}`);
  const pmf = computeDistribution(m, n);
  let tail = 0;
  for (let k = Math.max(0, Math.ceil(u)); k < pmf.length; k += 1) tail += pmf[k] ?? 0;
  return tail;
}

/** Smallest u with P(U <= u) >= p (R's qwilcox), for sizes m and n. */
export function computeExactQuantile(p: number, m: number, n: number): number {
  if (m * n > MAX_EXACT_CELLS) throw new RangeError(`exact Mann–Whitney limited to m·n <= ${MAX_EXACT_CELLS}`);
  const pmf = computeDistribution(m, n);
  let cumulative = 0;
  for (let u = 0; u < pmf.length; u += 1) {
    cumulative += pmf[u] ?? 0;
    if (cumulative >= p * (1 - 64 * Number.EPSILON)) return u;
  }
  return m * n;
}
