/**
 * Monte-Carlo evaluation of a canary decision policy on synthetic binomial traffic. The policy is
 * a callback, so `rollout simulate` runs the very decision code that `analyze`/`watch` use.
 * Each stage starts from `initialState` (plain JSON, deep-copied) and sees cumulative counts after
 * every look until it returns `pass` or `fail`; a stage that never decides is `inconclusive`.
 */
import { createPrng, sampleBinomial } from './random.js';

/** Synthetic traffic: true rates of both arms, requests per look (per arm, or each arm's own), looks per stage. */
export interface SimulationScenario {
  baselineRate: number;
  canaryRate: number;
  requestsPerLook: number | { baseline: number; canary: number };
  looks: number;
}

/** What the policy sees at each look: cumulative counts since the stage started. */
export interface SimulatedLook {
  stage: number;
  look: number;
  baseline: { events: number; total: number };
  canary: { events: number; total: number };
}

/** A policy's answer at one look. */
export type Verdict = 'pass' | 'fail' | 'continue';

/** The verdict and the state to carry to the next look of the same stage. */
export interface PolicyStep<S> {
  verdict: Verdict;
  state: S;
}

/** Options of {@link simulatePolicy}. */
export interface SimulatePolicyOptions<S> {
  scenario: SimulationScenario;
  stages: number;
  seed: number;
  initialState: S;
  decide: (look: SimulatedLook, state: S) => PolicyStep<S>;
}

/** Aggregate outcome of {@link simulatePolicy}. Rates are fractions of `stages`. */
export interface SimulationReport {
  stages: number;
  failRate: number;
  passRate: number;
  inconclusiveRate: number;
  /** failRate when both rates are equal (A/A), else null. */
  falseFailRate: number | null;
  /** failRate when the canary rate is higher, else null. */
  detectionRate: number | null;
  /** Fraction of stages failed by look i+1 (length `looks`). */
  cumulativeFailRate: number[];
  /** Median look / canary requests at the fail verdict among failed stages (null if none failed). */
  medianLooksToFail: number | null;
  medianCanarySamplesToFail: number | null;
}

/** Run `stages` independent simulated stages of the policy. Deterministic for a given seed. */
export function simulatePolicy<S>(opts: SimulatePolicyOptions<S>): SimulationReport {
  const { scenario, stages } = opts;
  if (!Number.isInteger(stages) || stages <= 0) throw new RangeError('stages must be a positive integer');
  if (!Number.isInteger(scenario.looks) || scenario.looks <= 0)
    throw new RangeError('looks must be a positive integer');
  const perLook =
    typeof scenario.requestsPerLook === 'number'
      ? { baseline: scenario.requestsPerLook, canary: scenario.requestsPerLook }
      : scenario.requestsPerLook;
  const random = createPrng(opts.seed);
  const failLooks: number[] = [];
  let passes = 0;
  const failsAtLook = new Array<number>(scenario.looks).fill(0);
  for (let stage = 0; stage < stages; stage += 1) {
    let state = structuredClone(opts.initialState);
    const baseline = { events: 0, total: 0 };
    const canary = { events: 0, total: 0 };
    for (let look = 1; look <= scenario.looks; look += 1) {
      baseline.events += sampleBinomial(random, perLook.baseline, scenario.baselineRate);
      baseline.total += perLook.baseline;
      canary.events += sampleBinomial(random, perLook.canary, scenario.canaryRate);
      canary.total += perLook.canary;
      const step = opts.decide({ stage, look, baseline: { ...baseline }, canary: { ...canary } }, state);
      state = step.state;
      if (step.verdict === 'fail') {
        failLooks.push(look);
        failsAtLook[look - 1] = (failsAtLook[look - 1] ?? 0) + 1;
        break;
      }
      if (step.verdict === 'pass') {
        passes += 1;
        break;
      }
    }
  }
  const failRate = failLooks.length / stages;
  let running = 0;
  const cumulativeFailRate = failsAtLook.map((count) => (running += count) / stages);
  const medianLook = computeMedian(failLooks);
  return {
    stages,
    failRate,
    passRate: passes / stages,
    inconclusiveRate: (stages - passes - failLooks.length) / stages,
    falseFailRate: scenario.canaryRate === scenario.baselineRate ? failRate : null,
    detectionRate: scenario.canaryRate > scenario.baselineRate ? failRate : null,
    cumulativeFailRate,
    medianLooksToFail: medianLook,
    medianCanarySamplesToFail: medianLook === null ? null : medianLook * perLook.canary,
  };
}

function computeMedian(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}
