export { GOLDEN_CASES, scoreAccuracy } from './score.js';
export type {
  AccuracyReport,
  GoldenCaseReport,
  GoldenMismatch,
  GoldenOutcome,
  ModelAccuracy,
  ModelScore,
  ScoreAccuracyOptions,
} from './score.js';
export type { GoldenCase, GoldenValue } from './types.js';
