/**
 * `rollout simulate`: how good is this canary policy? Runs the real decision code — the stage-end
 * judge (`judgeMetric` → `combineVerdicts`) and the `watch` trigger rule — on seeded synthetic
 * binomial traffic, and reports false-fail rates, power and time to detection.
 */
import { parseDuration } from '../config/duration.js';
import { runSimulation } from './run-simulation.js';
import { summariseSimulation } from './summarise.js';
import type { SimulationPlan, SimulationReport } from './types.js';

export { planSimulation, SimulationInputError } from './plan-simulation.js';
export type { SimulationRequest } from './plan-simulation.js';
export { readRecordedBaselines } from './recorded-baseline.js';
export type { RecordedBaseline } from './recorded-baseline.js';
export { applyEffect, chooseDefaultRate, DEFAULT_EFFECT, DEFAULT_REQUESTS_PER_LOOK } from './traffic.js';
export { checkLevel, computeBinomialQuantile, LEVEL_CONFIDENCE } from './summarise.js';
export type * from './types.js';

/** Runs the planned simulation and summarises it. Pure and deterministic for a given plan. */
export function simulateCanaryPolicy(plan: SimulationPlan, notes: string[] = []): SimulationReport {
  const tally = runSimulation(plan, (window) => parseDuration(window) ?? plan.intervalMs);
  return summariseSimulation(plan, tally, notes);
}
