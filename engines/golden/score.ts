import { resolveEngines } from '../index.js';
import type { EngineOverrides } from '../index.js';
import { ENGINE_NAMES, MODEL_VERSIONS } from '../types.js';
import type { EngineName, ModelVersion } from '../types.js';
import { COHORT_CASES } from './cohorts-cases.js';
import { PACING_CASES } from './pacing-cases.js';
import { RESERVE_CASES } from './reserves-cases.js';
import type { GoldenCase, GoldenValue } from './types.js';

/** Every golden case, in a stable order. */
export const GOLDEN_CASES: readonly GoldenCase[] = [...RESERVE_CASES, ...PACING_CASES, ...COHORT_CASES];

export interface GoldenMismatch {
  key: string;
  expected: GoldenValue;
  actual: GoldenValue | undefined;
}

export interface GoldenOutcome {
  passed: boolean;
  mismatches: GoldenMismatch[];
  /** Set when the engine threw. */
  error?: string;
  /**
   * Mean over the case's expected values of the relative error |actual − expected| / |expected|,
   * each capped at 1; 0 within tolerance; 1 for a wrong string, a missing value or a thrown engine.
   */
  relativeError: number;
}

export interface GoldenCaseReport {
  id: string;
  engine: EngineName;
  title: string;
  source: string;
  results: Record<ModelVersion, GoldenOutcome>;
}

export interface ModelScore {
  /** passed / cases, in [0, 1]. */
  score: number;
  cases: number;
  passed: number;
}

/** How close one model comes to the golden answers: 1 − mean relative error over the cases. */
export interface ModelAccuracy {
  cases: number;
  passed: number;
  /** Mean of the cases' relative errors, in [0, 1]. */
  meanError: number;
  /** 1 − meanError, in [0, 1]. */
  accuracy: number;
}

export interface AccuracyReport {
  perModel: Record<ModelVersion, ModelScore>;
  /** perModel['v1.1'].score − perModel['v1.0'].score, in [−1, 1]: the `model_accuracy_delta`. */
  delta: number;
  /** Error-based accuracy of each model over all scored cases. */
  accuracy: Record<ModelVersion, ModelAccuracy>;
  /** The same per engine (only engines with scored cases). */
  perEngine: Partial<Record<EngineName, Record<ModelVersion, ModelAccuracy>>>;
  /**
   * Relative improvement accuracy(v1.1) / accuracy(v1.0) − 1 ("+10 % over v1.0" is 0.10);
   * null when v1.0 scores 0 or no case was scored.
   */
  improvement: number | null;
  cases: GoldenCaseReport[];
}

export interface ScoreAccuracyOptions {
  /** Only the cases of this engine. */
  engine?: EngineName;
  /** Replace engines (to score a candidate implementation). */
  impls?: EngineOverrides;
}

/**
 * Runs every golden case on both model versions. A case passes when every
 * measured value matches (numbers within the case's absolute tolerance, the
 * rest exactly) and the engine does not throw. Score = share of cases passed.
 */
export function scoreAccuracy(options: ScoreAccuracyOptions = {}): AccuracyReport {
  const engines = resolveEngines(options.impls);
  const selected = GOLDEN_CASES.filter((c) => options.engine === undefined || c.engine === options.engine);
  const cases = selected.map((c): GoldenCaseReport => ({
    id: c.id,
    engine: c.engine,
    title: c.title,
    source: c.source,
    results: { 'v1.0': evaluateCase(c, engines, 'v1.0'), 'v1.1': evaluateCase(c, engines, 'v1.1') },
  }));
  const perModel = Object.fromEntries(
    MODEL_VERSIONS.map((m) => {
      const passed = cases.filter((c) => c.results[m].passed).length;
      return [m, { score: cases.length === 0 ? 0 : passed / cases.length, cases: cases.length, passed }];
    }),
  ) as Record<ModelVersion, ModelScore>;
  const perEngine: AccuracyReport['perEngine'] = {};
  for (const engine of ENGINE_NAMES) {
    const ofEngine = cases.filter((c) => c.engine === engine);
    if (ofEngine.length > 0) perEngine[engine] = summariseByModel(ofEngine);
  }
  const accuracy = summariseByModel(cases);
  const base = accuracy['v1.0'].accuracy;
  const improvement = cases.length === 0 || base === 0 ? null : accuracy['v1.1'].accuracy / base - 1;
  return { perModel, delta: perModel['v1.1'].score - perModel['v1.0'].score, accuracy, perEngine, improvement, cases };
}

function summariseByModel(cases: readonly GoldenCaseReport[]): Record<ModelVersion, ModelAccuracy> {
  return Object.fromEntries(
    MODEL_VERSIONS.map((m) => {
      const meanError =
        cases.length === 0 ? 1 : cases.reduce((s, c) => s + c.results[m].relativeError, 0) / cases.length;
      return [
        m,
        {
          cases: cases.length,
          passed: cases.filter((c) => c.results[m].passed).length,
          meanError,
          accuracy: 1 - meanError,
        },
      ];
    }),
  ) as Record<ModelVersion, ModelAccuracy>;
}

function evaluateCase(c: GoldenCase, engines: ReturnType<typeof resolveEngines>, model: ModelVersion): GoldenOutcome {
  let actual: Record<string, GoldenValue>;
  try {
    actual = c.measure(engines, model);
  } catch (error) {
    return {
      passed: false,
      mismatches: [],
      error: error instanceof Error ? error.message : String(error),
      relativeError: 1,
    };
  }
  const entries = Object.entries(c.expected);
  const mismatches = entries
    .filter(([key, expected]) => !matches(expected, actual[key], c.tolerance))
    .map(([key, expected]) => ({ key, expected, actual: actual[key] }));
  const errors = entries.map(([key, expected]) => valueError(expected, actual[key], c.tolerance));
  const relativeError = errors.length === 0 ? 0 : errors.reduce((s, e) => s + e, 0) / errors.length;
  return { passed: mismatches.length === 0, mismatches, relativeError };
}

/** Relative error of one value, capped at 1 so that one wild value cannot outweigh a whole case. */
function valueError(expected: GoldenValue, actual: GoldenValue | undefined, tolerance: number): number {
  if (matches(expected, actual, tolerance)) return 0;
  if (typeof expected !== 'number' || typeof actual !== 'number' || !Number.isFinite(actual)) return 1;
  // An expected 0 has no scale of its own: the case's tolerance (or one unit) stands in for it.
  const scale = Math.max(Math.abs(expected), tolerance, expected === 0 ? 1 : 0);
  return Math.min(1, Math.abs(actual - expected) / scale);
}

function matches(expected: GoldenValue, actual: GoldenValue | undefined, tolerance: number): boolean {
  if (typeof expected === 'number' && typeof actual === 'number') {
    return Number.isFinite(actual) && Math.abs(actual - expected) <= tolerance;
  }
  return expected === actual;
}
