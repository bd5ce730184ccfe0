/** Public API of the canary statistics core: pure functions over plain data. */
export type { Alternative } from './types.js';
export { normalCdf, normalSf, normalQuantile } from './normal.js';
export { compareProportions } from './proportions.js';
export type { ArmSummary, CompareProportionsOptions, CompareProportionsResult, ProportionArm } from './proportions.js';
export { testFisherExact } from './fisher-exact.js';
export type { FisherExactResult } from './fisher-exact.js';
export { computeKatzInterval, computeNewcombeInterval, computeWilsonInterval } from './intervals.js';
export type { Interval } from './intervals.js';
export { mannWhitney } from './mann-whitney.js';
export type { MannWhitneyOptions, MannWhitneyResult } from './mann-whitney.js';
export type { Sample } from './samples.js';
export { hodgesLehmann } from './hodges-lehmann.js';
export type { HodgesLehmannOptions, HodgesLehmannResult } from './hodges-lehmann.js';
export {
  computeFocusRatio,
  computeLogMixtureRatio,
  createSequentialTest,
  evaluateSequential,
  FOCUS_WEIGHT,
} from './sequential.js';
export type {
  CountArm,
  MomentArm,
  ResolvedSequentialOptions,
  SequentialEvaluation,
  SequentialObservation,
  SequentialState,
  SequentialTestOptions,
} from './sequential.js';
export { achievedPower, requiredSampleSize } from './power.js';
export type { PowerOptions, ProportionEffect, SampleSizeOptions, SampleSizeResult } from './power.js';
export { adjustHolm } from './multiple-testing.js';
export type { HolmResult } from './multiple-testing.js';
export {
  createPrng,
  sampleBeta,
  sampleBetaBinomial,
  sampleBinomial,
  sampleGamma,
  sampleIntervalRate,
  sampleNormal,
} from './random.js';
export type { Random } from './random.js';
export { simulatePolicy } from './simulate.js';
export type {
  PolicyStep,
  SimulatedLook,
  SimulatePolicyOptions,
  SimulationReport,
  SimulationScenario,
  Verdict,
} from './simulate.js';
export { compareHistograms, valueAtRank } from './histogram.js';
export type { CompareHistogramsOptions, CompareHistogramsResult, HistogramArm, QuantileEstimate } from './histogram.js';
export { estimateLag1Autocorrelation, mannWhitneyAutocorrelated } from './autocorrelated.js';
export type { AutocorrelatedMannWhitneyResult } from './autocorrelated.js';
export { addInterval, computeDispersion, EMPTY_DISPERSION_SUMS, estimateDispersion } from './dispersion.js';
export type { DispersionEstimate, DispersionSums, IntervalCounts } from './dispersion.js';
export { computeRulePower, computeRuleSampleSize } from './rule-power.js';
export type { RulePowerOptions } from './rule-power.js';
