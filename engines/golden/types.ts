import type { EngineRegistry } from '../index.js';
import type { EngineName, ModelVersion } from '../types.js';

/** A value a golden case measures: numbers compare within tolerance, the rest exactly. */
export type GoldenValue = number | string | boolean | null;

/** A reference case with a known answer and where that answer comes from. */
export interface GoldenCase {
  id: string;
  engine: EngineName;
  title: string;
  /** Where the expected numbers come from (engines-domain.md section and its source). */
  source: string;
  /** Absolute tolerance for numeric values. */
  tolerance: number;
  expected: Record<string, GoldenValue>;
  /** Runs the engine of `model` on the case's input and returns the measured values. */
  measure(engines: EngineRegistry, model: ModelVersion): Record<string, GoldenValue>;
}
