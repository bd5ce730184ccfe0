import { resolveEngines } from '../index.js';
import type { EngineOverrides } from '../index.js';
import { MODEL_VERSIONS } from '../types.js';
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

export interface AccuracyReport {
  perModel: Record<ModelVersion, ModelScore>;
  /** perModel['v1.1'].score − perModel['v1.0'].score, in [−1, 1]: the `model_accuracy_delta`. */
  delta: number;
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
    id: c.id, engine: c.engine, title: c.title, source: c.source,
    results: { 'v1.0': evaluateCase(c, engines, 'v1.0'), 'v1.1': evaluateCase(c, engines, 'v1.1') },
  }));
  const perModel = Object.fromEntries(MODEL_VERSIONS.map((m) => {
    const passed = cases.filter((c) => c.results[m].passed).length;
    return [m, { score: cases.length === 0 ? 0 : passed / cases.length, cases: cases.length, passed }];
  })) as Record<ModelVersion, ModelScore>;
  return { perModel, delta: perModel['v1.1'].score - perModel['v1.0'].score, cases };
}

function evaluateCase(c: GoldenCase, engines: ReturnType<typeof resolveEngines>, model: ModelVersion): GoldenOutcome {
  let actual: Record<string, GoldenValue>;
  try {
    actual = c.measure(engines, model);
  } catch (error) {
    return { passed: false, mismatches: [], error: error instanceof Error ? error.message : String(error) };
  }
  const mismatches = Object.entries(c.expected)
    .filter(([key, expected]) => !matches(expected, actual[key], c.tolerance))
    .map(([key, expected]) => ({ key, expected, actual: actual[key] }));
  return { passed: mismatches.length === 0, mismatches };
}

function matches(expected: GoldenValue, actual: GoldenValue | undefined, tolerance: number): boolean {
  if (typeof expected === 'number' && typeof actual === 'number') {
    return Number.isFinite(actual) && Math.abs(actual - expected) <= tolerance;
  }
  return expected === actual;
}
