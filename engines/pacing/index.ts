export { calculatePacingV10 } from './v1-0.js';
export { calculatePacingV11 } from './v1-1.js';
export { computeCurveWeights, normalizeWeights, DEFAULT_RHO, DEFAULT_STEEPNESS } from './curves.js';
export { PACING_CURVES } from './types.js';
export type { PacingCurve, PacingEngine, PacingInput, PacingQuarter, PacingResult } from './types.js';
