import { calculateCohortsV10, calculateCohortsV11 } from './cohorts/index.js';
import type { CohortEngine } from './cohorts/index.js';
import { calculatePacingV10, calculatePacingV11 } from './pacing/index.js';
import type { PacingEngine } from './pacing/index.js';
import { calculateReservesV10, calculateReservesV11 } from './reserves/index.js';
import type { ReserveEngine } from './reserves/index.js';
import type { EngineName, ModelVersion } from './types.js';

/** The function type of each engine. */
export interface EngineFns {
  reserves: ReserveEngine;
  pacing: PacingEngine;
  cohorts: CohortEngine;
}

/** Every engine under every model version. */
export type EngineRegistry = { [E in EngineName]: Record<ModelVersion, EngineFns[E]> };

/** Overrides for some engines/models (tests inject a broken engine this way). */
export type EngineOverrides = { [E in EngineName]?: Partial<Record<ModelVersion, EngineFns[E]>> };

/** Pick an engine by name and model version: `ENGINES.reserves['v1.1'](input)`. */
export const ENGINES: EngineRegistry = {
  reserves: { 'v1.0': calculateReservesV10, 'v1.1': calculateReservesV11 },
  pacing: { 'v1.0': calculatePacingV10, 'v1.1': calculatePacingV11 },
  cohorts: { 'v1.0': calculateCohortsV10, 'v1.1': calculateCohortsV11 },
};

/** The registry with `overrides` applied on top. */
export function resolveEngines(overrides?: EngineOverrides): EngineRegistry {
  return {
    reserves: { ...ENGINES.reserves, ...overrides?.reserves },
    pacing: { ...ENGINES.pacing, ...overrides?.pacing },
    cohorts: { ...ENGINES.cohorts, ...overrides?.cohorts },
  };
}

export { EngineInputError, isEngineInputError } from './errors.js';
export { splitLargestRemainder, floorMulFraction } from './money.js';
export type { Split } from './money.js';
export { quarterAt } from './dates.js';
export type { QuarterSlot } from './dates.js';
export { ENGINE_NAMES, MODEL_VERSIONS } from './types.js';
export type { EngineName, ModelVersion } from './types.js';
export * from './reserves/index.js';
export * from './pacing/index.js';
export * from './cohorts/index.js';
