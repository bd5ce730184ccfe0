import type { PacingCurve } from './types.js';

/** Default ρ for geometric curves and k for the logistic curve (engines-domain.md §5.2). */
export const DEFAULT_RHO = 0.85;
export const DEFAULT_STEEPNESS = 0.8;

/**
 * Float weights w_q ≥ 0 (not normalized) over `quarters` quarters.
 * S-curve: differences of the logistic CDF centred on the middle quarter,
 * which makes the weights symmetric.
 */
export function computeCurveWeights(curve: PacingCurve, quarters: number, shape?: number): number[] {
  const q = Array.from({ length: quarters }, (_, i) => i);
  switch (curve) {
    case 'linear':
      return q.map(() => 1);
    case 'front-loaded':
      return q.map((i) => (shape ?? DEFAULT_RHO) ** i);
    case 'back-loaded':
      return q.map((i) => (shape ?? DEFAULT_RHO) ** (quarters - 1 - i));
    case 's-curve': {
      const k = shape ?? DEFAULT_STEEPNESS;
      const mid = quarters / 2;
      const cdf = (t: number): number => 1 / (1 + Math.exp(-k * (t - mid)));
      // max(0, ·) guards against a float wobble in the far tails.
      return q.map((i) => Math.max(0, cdf(i + 1) - cdf(i)));
    }
  }
}

/** Weights normalized to sum to 1 (for reporting and golden checks). */
export function normalizeWeights(weights: readonly number[]): number[] {
  const sum = weights.reduce((s, w) => s + w, 0);
  return weights.map((w) => w / sum);
}
