/**
 * Always-valid sequential test: the mixture sequential probability ratio test (mSPRT) of
 * Johari, Koomen, Pekelis & Walsh, "Always valid inference" (2017/2022), on the normal
 * approximation of θ̂ = canary − baseline (a difference of rates or of means).
 *
 * With V the variance of θ̂ and a N(0, τ²) mixing distribution over the effect, the mixture
 * likelihood ratio is Λ = √(V/(V+τ²)) · exp(τ²θ̂² / (2V(V+τ²))). For a one-sided alternative the
 * mixture is restricted to the harmful half-line (half-normal), which multiplies Λ by
 * 2·Φ(±τθ̂/√(V(V+τ²))). Λ is a non-negative martingale under H0, so by Ville's inequality
 * P(Λ ever ≥ 1/α) ≤ α: the test may be looked at after every minute — or every request —
 * without inflating the false-rejection rate. The always-valid p-value is min over looks of 1/Λ.
 *
 * τ (`mixingSd`) is the effect size the test is tuned for: detection is fastest for effects near
 * it; any value keeps the error guarantee. For rates, V uses the pooled rate (the H0 variance),
 * which keeps early looks with zero canary events from looking falsely precise.
 *
 * State is plain JSON, so `watch` can persist it between process runs.
 */
import { normalCdf } from './normal.js';
import { assertAlternative, assertProbability, type Alternative } from './types.js';

/** Options of {@link createSequentialTest}. */
export interface SequentialTestOptions {
  /** `proportions`: observations are event counts; `means`: per-arm count, mean and variance. */
  kind: 'proportions' | 'means';
  /** Bound on the probability of ever rejecting under H0 across all looks, e.g. 0.01. */
  alpha: number;
  /** `greater` (default): reject only when the canary is higher (more errors / slower). */
  alternative?: Alternative;
  /** τ, the effect (absolute difference, in the metric's units) the mixture is tuned for. */
  mixingSd: number;
  /** Looks before both arms reach this many samples only record data. Default 100. */
  minSamplesPerArm?: number;
  /** Proportions only: looks before this many events in both arms together only record data. Default 5. */
  minEvents?: number;
}

/** Cumulative counts of one arm (proportions). */
export interface CountArm {
  events: number;
  total: number;
}

/** Cumulative summary of one arm (means): sample count, mean and sample variance. */
export interface MomentArm {
  count: number;
  mean: number;
  variance: number;
}

/** What one look sees: CUMULATIVE data of both arms since the test started. */
export type SequentialObservation =
  { baseline: CountArm; canary: CountArm } | { baseline: MomentArm; canary: MomentArm };

/** Persistable state of a sequential test (plain JSON). */
export interface SequentialState {
  version: 1;
  options: Required<SequentialTestOptions>;
  looks: number;
  /** Samples per arm at the last look, to reject counters that go backwards. */
  samples: { baseline: number; canary: number };
  /** Always-valid p-value: the running minimum of 1/Λ, capped at 1. */
  pValue: number;
  /** Running intersection of the always-valid two-sided (1 − α) confidence sequence for θ. */
  interval: [number, number];
  /** `reject` is final: once rejected, the test stays rejected. */
  decision: 'continue' | 'reject';
  rejectedAtLook: number | null;
}

/** Result of one {@link evaluateSequential} call. */
export interface SequentialEvaluation {
  state: SequentialState;
  decision: 'continue' | 'reject';
  pValue: number;
  /** θ̂ = canary − baseline at this look, its variance V and log Λ (null while warming up). */
  estimate: number;
  variance: number | null;
  logLikelihoodRatio: number | null;
  /** False while the minimum samples / events are not reached (the look only records data). */
  evaluated: boolean;
}

/** Initial state of a sequential test. Throws RangeError on invalid options. */
export function createSequentialTest(opts: SequentialTestOptions): SequentialState {
  assertProbability('alpha', opts.alpha);
  const alternative = opts.alternative ?? 'greater';
  assertAlternative(alternative);
  if (!(opts.mixingSd > 0 && Number.isFinite(opts.mixingSd)))
    throw new RangeError('mixingSd must be a positive number');
  if (opts.kind !== 'proportions' && opts.kind !== 'means') throw new RangeError(`unknown kind ${String(opts.kind)}`);
  return {
    version: 1,
    options: {
      kind: opts.kind,
      alpha: opts.alpha,
      alternative,
      mixingSd: opts.mixingSd,
      minSamplesPerArm: opts.minSamplesPerArm ?? 100,
      minEvents: opts.minEvents ?? 5,
    },
    looks: 0,
    samples: { baseline: 0, canary: 0 },
    pValue: 1,
    interval: [Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY],
    decision: 'continue',
    rejectedAtLook: null,
  };
}

/** One look: returns the next state (the input is not modified) and the decision. */
export function evaluateSequential(state: SequentialState, observation: SequentialObservation): SequentialEvaluation {
  const { options } = state;
  const summary = summariseObservation(options, observation);
  if (summary.baselineSamples < state.samples.baseline || summary.canarySamples < state.samples.canary) {
    throw new RangeError('sequential observations must be cumulative: a sample count went down (counter reset?)');
  }
  const looks = state.looks + 1;
  const base: SequentialState = {
    ...state,
    looks,
    samples: { baseline: summary.baselineSamples, canary: summary.canarySamples },
    interval: [state.interval[0], state.interval[1]],
  };
  const ready = summary.ready && summary.variance > 0;
  if (!ready || state.decision === 'reject') {
    return {
      state: base,
      decision: state.decision,
      pValue: state.pValue,
      estimate: summary.estimate,
      variance: ready ? summary.variance : null,
      logLikelihoodRatio: null,
      evaluated: false,
    };
  }
  const logLr = computeLogMixtureRatio(summary.estimate, summary.variance, options.mixingSd, options.alternative);
  const pValue = Math.min(state.pValue, Math.min(1, Math.exp(-logLr)));
  const half = computeConfidenceHalfWidth(summary.variance, options.mixingSd, options.alpha);
  const interval: [number, number] = [
    Math.max(base.interval[0], summary.estimate - half),
    Math.min(base.interval[1], summary.estimate + half),
  ];
  const decision = pValue <= options.alpha ? 'reject' : 'continue';
  const next: SequentialState = {
    ...base,
    pValue,
    interval,
    decision,
    rejectedAtLook: decision === 'reject' ? looks : null,
  };
  return {
    state: next,
    decision,
    pValue,
    estimate: summary.estimate,
    variance: summary.variance,
    logLikelihoodRatio: logLr,
    evaluated: true,
  };
}

/** log Λ of the normal-mixture SPRT (half-normal mixture for one-sided alternatives). */
export function computeLogMixtureRatio(
  estimate: number,
  variance: number,
  mixingSd: number,
  alternative: Alternative,
): number {
  const tau2 = mixingSd * mixingSd;
  const total = variance + tau2;
  const twoSided = 0.5 * Math.log(variance / total) + (tau2 * estimate * estimate) / (2 * variance * total);
  if (alternative === 'two-sided') return twoSided;
  const signed = alternative === 'greater' ? estimate : -estimate;
  const share = normalCdf((mixingSd * signed) / Math.sqrt(variance * total));
  return twoSided + Math.log(2 * share);
}

/** Half-width of the two-sided always-valid (1 − α) confidence sequence {θ : Λ(θ̂ − θ) < 1/α}. */
function computeConfidenceHalfWidth(variance: number, mixingSd: number, alpha: number): number {
  const tau2 = mixingSd * mixingSd;
  const total = variance + tau2;
  return Math.sqrt(((variance * total) / tau2) * (2 * Math.log(1 / alpha) + Math.log(total / variance)));
}

interface ObservationSummary {
  estimate: number;
  variance: number;
  baselineSamples: number;
  canarySamples: number;
  ready: boolean;
}

function summariseObservation(
  options: Required<SequentialTestOptions>,
  observation: SequentialObservation,
): ObservationSummary {
  if (options.kind === 'proportions') {
    const b = observation.baseline as CountArm;
    const c = observation.canary as CountArm;
    for (const arm of [b, c]) {
      if (!(arm.total >= 0 && arm.events >= 0 && arm.events <= arm.total))
        throw new RangeError('events must be in [0, total]');
    }
    const pooled = (b.events + c.events) / (b.total + c.total || 1);
    const ready = Math.min(b.total, c.total) >= options.minSamplesPerArm && b.events + c.events >= options.minEvents;
    const variance = ready ? pooled * (1 - pooled) * (1 / b.total + 1 / c.total) : 0;
    const estimate = b.total > 0 && c.total > 0 ? c.events / c.total - b.events / b.total : 0;
    return { estimate, variance, baselineSamples: b.total, canarySamples: c.total, ready };
  }
  const b = observation.baseline as MomentArm;
  const c = observation.canary as MomentArm;
  const ready = Math.min(b.count, c.count) >= options.minSamplesPerArm;
  const variance = ready ? b.variance / b.count + c.variance / c.count : 0;
  return { estimate: c.mean - b.mean, variance, baselineSamples: b.count, canarySamples: c.count, ready };
}
