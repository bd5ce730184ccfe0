export { calculateCohortsV10 } from './v1-0.js';
export { calculateCohortsV11 } from './v1-1.js';
export { computeXirr, solveXirr } from './xirr.js';
export type { DayFlow, IrrResult, IrrUndefinedReason } from './xirr.js';
export type {
  Cohort,
  CohortCompany,
  CohortCompanyRow,
  CohortEngine,
  CohortInput,
  CohortMetrics,
  CohortResult,
  DatedAmount,
} from './types.js';
