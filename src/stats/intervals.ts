/**
 * Confidence intervals for one and two binomial proportions.
 * Wilson (1927) score interval; Newcombe (1998) hybrid score interval for a difference (his
 * method 10); Katz et al. (1978) log interval for a ratio of proportions (risk ratio).
 */
import { normalQuantile } from './normal.js';

/** A two-sided interval [lower, upper]. */
export type Interval = readonly [number, number];

/** Wilson score interval for x events out of n at two-sided `confidence`. */
export function computeWilsonInterval(x: number, n: number, confidence: number): Interval {
  if (n === 0) return [0, 1];
  const z = normalQuantile(1 - (1 - confidence) / 2);
  const z2 = z * z;
  const p = x / n;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

/** Newcombe hybrid score interval for p1 − p2 (x1/n1 − x2/n2). */
export function computeNewcombeInterval(x1: number, n1: number, x2: number, n2: number, confidence: number): Interval {
  const p1 = x1 / n1;
  const p2 = x2 / n2;
  const [l1, u1] = computeWilsonInterval(x1, n1, confidence);
  const [l2, u2] = computeWilsonInterval(x2, n2, confidence);
  const d = p1 - p2;
  return [d - Math.hypot(p1 - l1, u2 - p2), d + Math.hypot(u1 - p1, p2 - l2)];
}

/**
 * Katz log interval for the ratio (x1/n1)/(x2/n2). When either count is zero the log is undefined,
 * so 0.5 is added to both event counts and 1 to both totals (a common continuity fix); the
 * returned point estimate stays the raw ratio.
 */
export function computeKatzInterval(x1: number, n1: number, x2: number, n2: number, confidence: number): Interval {
  const z = normalQuantile(1 - (1 - confidence) / 2);
  const fix = x1 === 0 || x2 === 0 ? 0.5 : 0;
  const a = x1 + fix;
  const b = x2 + fix;
  const m1 = n1 + 2 * fix;
  const m2 = n2 + 2 * fix;
  const logRatio = Math.log(a / m1 / (b / m2));
  const se = Math.sqrt(1 / a - 1 / m1 + 1 / b - 1 / m2);
  return [Math.exp(logRatio - z * se), Math.exp(logRatio + z * se)];
}
