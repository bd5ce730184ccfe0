/**
 * Sample size and power for comparing two proportions with equal arms, using the normal
 * approximation of the pooled z test — the same formula as R's `power.prop.test` (strict = FALSE:
 * for a two-sided test the far tail is ignored) and Fleiss, Levin & Paik (2003) eq. 4.14
 * without continuity correction:
 *   n = ( z₁₋ₐ·√(2·p̄(1−p̄)) + z₁₋β·√(p₀(1−p₀) + p₁(1−p₁)) )² / (p₁ − p₀)²,  p̄ = (p₀+p₁)/2,
 * with α halved for a two-sided test.
 */
import { normalCdf, normalQuantile } from './normal.js';
import { assertAlternative, assertProbability, type Alternative } from './types.js';

/** The effect: either both rates, or the baseline rate and the minimum detectable difference p₁ − p₀. */
export type ProportionEffect = { p0: number; p1: number } | { p0: number; mde: number };

/** Options of {@link requiredSampleSize}. */
export type SampleSizeOptions = ProportionEffect & { alpha: number; power: number; alternative?: Alternative };

/** Options of {@link achievedPower}: `n` is the number of samples per arm. */
export type PowerOptions = ProportionEffect & { alpha: number; n: number; alternative?: Alternative };

/** Result of {@link requiredSampleSize}. */
export interface SampleSizeResult {
  /** Samples per arm, rounded up. */
  perArm: number;
  /** The unrounded value of the formula. */
  exact: number;
  p0: number;
  p1: number;
}

/** Samples per arm needed to detect p₀ → p₁ with the given power. */
export function requiredSampleSize(opts: SampleSizeOptions): SampleSizeResult {
  assertProbability('power', opts.power);
  const { p0, p1, zAlpha } = readEffect(opts);
  const zBeta = normalQuantile(opts.power);
  const mean = (p0 + p1) / 2;
  const root = zAlpha * Math.sqrt(2 * mean * (1 - mean)) + zBeta * Math.sqrt(p0 * (1 - p0) + p1 * (1 - p1));
  const exact = (root * root) / ((p1 - p0) * (p1 - p0));
  return { perArm: Math.ceil(exact - 1e-9), exact, p0, p1 };
}

/** Power of the pooled z test with n samples per arm to detect p₀ → p₁. */
export function achievedPower(opts: PowerOptions): number {
  if (!(opts.n > 0)) throw new RangeError(`n must be positive, got ${opts.n}`);
  const { p0, p1, zAlpha, alternative } = readEffect(opts);
  const mean = (p0 + p1) / 2;
  // For a one-sided test, an effect in the wrong direction has (almost) no power.
  const signed = alternative === 'less' ? p0 - p1 : alternative === 'greater' ? p1 - p0 : Math.abs(p1 - p0);
  const z =
    (Math.sqrt(opts.n) * signed - zAlpha * Math.sqrt(2 * mean * (1 - mean))) / Math.sqrt(p0 * (1 - p0) + p1 * (1 - p1));
  return normalCdf(z);
}

function readEffect(opts: (SampleSizeOptions | PowerOptions) & { alternative?: Alternative }): {
  p0: number;
  p1: number;
  zAlpha: number;
  alternative: Alternative;
} {
  const alternative = opts.alternative ?? 'two-sided';
  assertAlternative(alternative);
  assertProbability('alpha', opts.alpha);
  const p0 = opts.p0;
  const p1 = 'p1' in opts ? opts.p1 : p0 + opts.mde;
  assertProbability('p0', p0);
  assertProbability('p1', p1);
  if (p0 === p1) throw new RangeError('p0 and p1 must differ');
  const zAlpha = normalQuantile(1 - (alternative === 'two-sided' ? opts.alpha / 2 : opts.alpha));
  return { p0, p1, zAlpha, alternative };
}
