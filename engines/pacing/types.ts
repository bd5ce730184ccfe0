import type { ModelVersion } from '../types.js';

/** Shape of the deployment curve over the investment period. */
export type PacingCurve = 'linear' | 'front-loaded' | 'back-loaded' | 's-curve';
export const PACING_CURVES: readonly PacingCurve[] = ['linear', 'front-loaded', 'back-loaded', 's-curve'];

/** Input shared by every pacing model (each model reads the fields it needs). */
export interface PacingInput {
  /** Committed capital, cents. */
  fundSize: number;
  /** Calendar year and quarter of the first investment quarter. */
  startYear: number;
  startQuarter: number;
  /** Quarters over which initial checks are deployed (1..200). */
  investmentPeriodQuarters: number;
  /** v1.1: cents to deploy, ≤ fundSize (e.g. investable capital). Default fundSize. */
  deployable?: number;
  /** v1.1: share of deployable held for follow-ons, 0..1. Default 0. */
  reserveRatio?: number;
  /** v1.1: curve family. Default `linear`. */
  curve?: PacingCurve;
  /** v1.1: ρ in (0, 1) for front/back-loaded (default 0.85); steepness k in (0, 10] for the S-curve (default 0.8). */
  curveShape?: number;
  /** v1.1: quarters between an initial check and its follow-on (0..200). Default 0. */
  followOnDelayQuarters?: number;
  /** v1.1: length of the timeline, ≥ investment period (default investment period + delay). */
  horizonQuarters?: number;
}

export interface PacingQuarter {
  index: number;
  /** `2025-Q4` */
  key: string;
  startDate: string;
  endDate: string;
  /** Initial checks deployed this quarter, cents. */
  initial: number;
  /** Follow-ons deployed this quarter, cents. */
  followOn: number;
  /** initial + followOn. */
  investments: number;
  /** Running total of `investments`. */
  cumulative: number;
}

export interface PacingResult {
  model: ModelVersion;
  fundSize: number;
  deployable: number;
  quarters: PacingQuarter[];
  /** One entry per quarter, `date` = quarter start (ISO strings compare in date order). */
  timeline: Array<{ key: string; date: string }>;
  initialTotal: number;
  followOnTotal: number;
  /** Σ quarters.investments (≤ deployable ≤ fundSize). */
  totalDeployed: number;
  /** deployable − totalDeployed: follow-ons that fall past the horizon. */
  undeployed: number;
  warnings: string[];
}

export type PacingEngine = (input: PacingInput) => PacingResult;
