import { COHORT_PROPERTIES } from './cohorts.js';
import { PACING_PROPERTIES } from './pacing.js';
import { RESERVE_PROPERTIES } from './reserves.js';
import type { PropertyDef } from './types.js';

/** Every engine invariant, in a stable order (reserves, pacing, cohorts). */
export const PROPERTIES: readonly PropertyDef[] = [...RESERVE_PROPERTIES, ...PACING_PROPERTIES, ...COHORT_PROPERTIES];

export { ensure, InvariantError } from './types.js';
export type { EngineProperty, PropertyDef } from './types.js';
export * as generators from './generators.js';
