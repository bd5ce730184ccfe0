export { calculateReservesV10 } from './v1-0.js';
export { calculateReservesV11, computeGraduationNeed } from './v1-1.js';
export { DEFAULT_GRADUATION } from './common.js';
export { STAGES } from './types.js';
export type {
  GraduationStep,
  ReserveAllocation,
  ReserveCompany,
  ReserveEngine,
  ReserveInput,
  ReserveResult,
  Stage,
} from './types.js';
