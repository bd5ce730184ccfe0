/**
 * Mann–Whitney for time series whose consecutive points are correlated (a `rate(...[5m])` stepped
 * every 1m shares 80 % of its data with the next point). The plain test treats n correlated points
 * as n independent ones and is far too sure of itself. Here each series' lag-1 autocorrelation ρ
 * (of its ranks, so one outlier cannot drive it) turns into the AR(1) long-run variance factor
 * f = (1 + ρ)/(1 − ρ) — the series is worth n/f independent points (its effective sample size) —
 * and the variance of U, n·m·(m·f_x + n·f_y)/12 to first order, is widened by exactly that.
 * ρ ≤ 0 is taken as 0: the test is never made narrower than the independent one. For an
 * MA-shaped dependence (overlapping windows) the AR(1) factor is conservative.
 */
import { mannWhitney, type MannWhitneyResult } from './mann-whitney.js';
import { normalSf } from './normal.js';
import type { Sample } from './samples.js';
import { assertAlternative, type Alternative } from './types.js';

/** Largest lag-1 autocorrelation used: beyond it a series carries almost no independent evidence. */
const MAX_RHO = 0.98;

/** Result of {@link mannWhitneyAutocorrelated}: the plain result with the widened p-value. */
export interface AutocorrelatedMannWhitneyResult extends MannWhitneyResult {
  /** Lag-1 autocorrelation of each series' ranks, clamped to [0, 0.98]. */
  lag1: { x: number; y: number };
  /** n / f per series. */
  effectiveN: { x: number; y: number };
  /** Var(U) under dependence / Var(U) under independence (≥ 1). */
  varianceFactor: number;
}

/** Lag-1 autocorrelation of the ranks of a time-ordered series (0 with fewer than 3 points or no spread). */
export function estimateLag1Autocorrelation(series: Sample): number {
  const n = series.length;
  if (n < 3) return 0;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => (series[a] as number) - (series[b] as number));
  const ranks = new Float64Array(n);
  for (let i = 0; i < n;) {
    let j = i;
    while (j + 1 < n && series[order[j + 1] as number] === series[order[i] as number]) j += 1;
    for (let k = i; k <= j; k += 1) ranks[order[k] as number] = (i + j) / 2;
    i = j + 1;
  }
  const mean = (n - 1) / 2;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i += 1) {
    const d = (ranks[i] as number) - mean;
    den += d * d;
    if (i + 1 < n) num += d * ((ranks[i + 1] as number) - mean);
  }
  return den === 0 ? 0 : num / den;
}

/** Mann–Whitney U of time-ordered x against time-ordered y with the variance widened for autocorrelation. */
export function mannWhitneyAutocorrelated(
  x: Sample,
  y: Sample,
  opts: { alternative?: Alternative } = {},
): AutocorrelatedMannWhitneyResult {
  const alternative = opts.alternative ?? 'two-sided';
  assertAlternative(alternative);
  const plain = mannWhitney(x, y, { alternative, method: 'asymptotic' });
  const rx = Math.min(MAX_RHO, Math.max(0, estimateLag1Autocorrelation(x)));
  const ry = Math.min(MAX_RHO, Math.max(0, estimateLag1Autocorrelation(y)));
  const fx = (1 + rx) / (1 - rx);
  const fy = (1 + ry) / (1 - ry);
  const n = plain.nX;
  const m = plain.nY;
  const varianceFactor = (m * fx + n * fy) / (n + m);
  const z = plain.z === null ? null : plain.z / Math.sqrt(varianceFactor);
  let pValue = plain.pValue;
  if (z !== null && !Number.isNaN(z)) {
    const tail = normalSf(z);
    pValue = Math.min(1, Math.max(0, tail * (alternative === 'two-sided' ? 2 : 1)));
  }
  return { ...plain, z, pValue, lag1: { x: rx, y: ry }, effectiveN: { x: n / fx, y: m / fy }, varianceFactor };
}
