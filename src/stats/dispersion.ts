/**
 * Overdispersion of rate data: errors come in bursts (a bad host, a retry storm), so the counts of
 * successive intervals vary more than a binomial with one rate allows. The quasi-binomial model
 * keeps the binomial mean and multiplies its variance by φ; φ is estimated from the per-interval
 * counts of the window by Pearson's χ² over its degrees of freedom (McCullagh & Nelder §4.5),
 * each arm around its own rate:
 *   φ̂ = Σ_arms Σ_i (e_i − n_i·p̂_arm)² / (n_i·p̂_arm·(1 − p̂_arm)) / (I − arms).
 * The factor used is max(1, φ̂): an estimate below 1 is noise (binomial data), and a test must
 * never be made narrower than the binomial one. With φ = 1 every test is exactly the binomial test.
 */

/** Counts of one interval of one arm. */
export interface IntervalCounts {
  events: number;
  total: number;
}

/** Result of {@link estimateDispersion}. */
export interface DispersionEstimate {
  /** The variance factor to apply: max(1, φ̂), 1 when it cannot be estimated. */
  factor: number;
  /** φ̂ itself (null with fewer than two usable intervals in every arm, or no events at all). */
  estimate: number | null;
  /** Degrees of freedom: usable intervals − arms. */
  degreesOfFreedom: number;
}

/**
 * Running sums of one arm's intervals, enough for Pearson's χ² without keeping the intervals:
 * Σ(e − n·p)²/(n·p(1−p)) = (Σe²/n − (Σe)²/Σn) / (p(1−p)) with p = Σe/Σn. Plain JSON, constant size,
 * so `watch` can carry it from look to look for as long as it runs.
 */
export interface DispersionSums {
  intervals: number;
  events: number;
  total: number;
  /** Σ e²/n. */
  squares: number;
}

export const EMPTY_DISPERSION_SUMS: DispersionSums = Object.freeze({ intervals: 0, events: 0, total: 0, squares: 0 });

/** Adds one interval (skipped when it has no requests). */
export function addInterval(sums: DispersionSums, c: IntervalCounts): DispersionSums {
  if (!(c.events >= 0 && c.events <= c.total && Number.isFinite(c.total)))
    throw new RangeError(`interval counts must have 0 ≤ events ≤ total, got ${c.events} of ${c.total}`);
  if (c.total === 0) return sums;
  return {
    intervals: sums.intervals + 1,
    events: sums.events + c.events,
    total: sums.total + c.total,
    squares: sums.squares + (c.events * c.events) / c.total,
  };
}

/** φ̂ from the running sums of each arm. */
export function computeDispersion(arms: readonly DispersionSums[]): DispersionEstimate {
  let chi2 = 0;
  let intervals = 0;
  let groups = 0;
  for (const a of arms) {
    const p = a.total > 0 ? a.events / a.total : 0;
    // An arm without any event (or without any non-event) has no binomial variance to compare with.
    if (a.intervals < 2 || p === 0 || p === 1) continue;
    chi2 += Math.max(0, a.squares - (a.events * a.events) / a.total) / (p * (1 - p));
    intervals += a.intervals;
    groups += 1;
  }
  const df = intervals - groups;
  if (df <= 0) return { factor: 1, estimate: null, degreesOfFreedom: 0 };
  const estimate = chi2 / df;
  return { factor: Math.max(1, estimate), estimate, degreesOfFreedom: df };
}

/** Pearson φ̂ from per-interval counts of each arm (intervals with no requests are skipped). */
export function estimateDispersion(arms: ReadonlyArray<readonly IntervalCounts[]>): DispersionEstimate {
  return computeDispersion(arms.map((arm) => arm.reduce(addInterval, EMPTY_DISPERSION_SUMS)));
}
