/**
 * Power and sample size of the stage-end rule as `advance` applies it to a rate metric, not of a
 * bare z test: a metric fails only when its one-sided p-value clears Holm's first step (alpha / m
 * with m tested metrics — the bar a lone regression among healthy metrics meets) AND the estimated
 * relative change is beyond the tolerance. At a true change equal to the tolerance the second
 * condition holds half the time at best, so the advice is for a stated larger effect.
 *
 * With D = s(p̂c − p̂b) (s = +1 when lower is better, −1 otherwise) and W = s·p̂c − (s + tol)·p̂b,
 * the rule fails when D > z·√(2p̄(1−p̄)/n) and W > 0. D and W are jointly normal (n per arm); the
 * probability of both is one integral over D of the conditional normal tail of W.
 */
import { normalCdf, normalPdf, normalQuantile } from './normal.js';
import { assertProbability } from './types.js';

/** The rule and the effect it should detect. */
export interface RulePowerOptions {
  /** Baseline rate and the canary's true rate. */
  p0: number;
  p1: number;
  /** Which way is worse: `lower-is-better` (error rates) or `higher-is-better` (completion rates). */
  direction: 'lower-is-better' | 'higher-is-better';
  /** Family-wise alpha before Holm. */
  alpha: number;
  /** Metrics in the Holm family (1 without Holm). */
  tests: number;
  /** `maxRelativeChange`: 0.1 = a 10 % change. */
  tolerance: number;
  /** Quasi-binomial variance factor φ ≥ 1 (default 1). */
  dispersion?: number;
}

/** Probability that the rule fails the metric with n requests per arm. */
export function computeRulePower(opts: RulePowerOptions & { n: number }): number {
  const { p0, p1, tolerance: tol, n } = opts;
  assertProbability('p0', p0);
  assertProbability('p1', p1);
  assertProbability('alpha', opts.alpha);
  if (!(n > 0)) throw new RangeError(`n must be positive, got ${n}`);
  if (!(opts.tests >= 1 && Number.isInteger(opts.tests)))
    throw new RangeError(`tests must be a positive integer, got ${opts.tests}`);
  if (!(tol >= 0)) throw new RangeError(`tolerance must be ≥ 0, got ${tol}`);
  const phi = opts.dispersion ?? 1;
  const s = opts.direction === 'lower-is-better' ? 1 : -1;
  const v0 = p0 * (1 - p0);
  const v1 = p1 * (1 - p1);
  const bar = s + tol;
  // Means, variances and covariance of D and W (times n / φ).
  const muD = s * (p1 - p0);
  const muW = s * p1 - bar * p0;
  const varD = (phi * (v1 + v0)) / n;
  const varW = (phi * (v1 + bar * bar * v0)) / n;
  const cov = (phi * (v1 + s * bar * v0)) / n;
  const pooled = (p0 + p1) / 2;
  const threshold = normalQuantile(1 - opts.alpha / opts.tests) * Math.sqrt((phi * 2 * pooled * (1 - pooled)) / n);
  const sdD = Math.sqrt(varD);
  const slope = cov / varD;
  const residual = Math.sqrt(Math.max(varW - slope * cov, 1e-300));
  // ∫ over d > threshold of φ((d − μD)/σD) · P(W > 0 | D = d): midpoint rule over 8 standard deviations.
  const from = (threshold - muD) / sdD;
  if (from > 8) return 0;
  const steps = 400;
  const width = (8 - Math.max(from, -8)) / steps;
  let total = 0;
  for (let i = 0; i < steps; i += 1) {
    const z = Math.max(from, -8) + (i + 0.5) * width;
    const mean = muW + slope * z * sdD;
    total += normalPdf(z) * normalCdf(mean / residual) * width;
  }
  return Math.min(1, total);
}

/** Requests per arm for the rule to fail the metric with probability `power` (never below `minSamples`). */
export function computeRuleSampleSize(opts: RulePowerOptions & { power: number; minSamples: number }): {
  perArm: number;
  achieved: number;
} {
  assertProbability('power', opts.power);
  const at = (n: number) => computeRulePower({ ...opts, n });
  let hi = Math.max(1, opts.minSamples);
  if (at(hi) >= opts.power) return { perArm: hi, achieved: at(hi) };
  let lo = hi;
  while (at(hi) < opts.power) {
    lo = hi;
    hi *= 2;
    if (hi > 1e12) return { perArm: Infinity, achieved: at(hi) };
  }
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (at(mid) >= opts.power) hi = mid;
    else lo = mid;
  }
  return { perArm: hi, achieved: at(hi) };
}
