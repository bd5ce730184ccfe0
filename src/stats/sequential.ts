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
 * A test built with `effect` (the smallest harmful effect it is for) uses a **focused mixture**:
 * weight `FOCUS_WEIGHT` on the single alternative θ₁ = c·effect (Wald's SPRT, Λ₁ = exp((θ₁θ̂ − θ₁²/2)/V)),
 * the rest on the half-normal above. A mixture of likelihood ratios is still a martingale under H0,
 * so Ville's bound holds unchanged. c depends only on alpha and `power`: it minimises the samples at
 * which `effect` is detected with probability `power` (Brownian crossing of the SPRT's linear
 * boundary, see {@link computeFocusRatio}; 0.81 at alpha 1 %, power 0.9). The half-normal share keeps
 * every harmful effect detectable eventually; effects far below θ₁/2 are found only through it.
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
  /** τ, the effect (absolute difference, in the metric's units) the mixture is tuned for. Default `effect`. */
  mixingSd?: number;
  /**
   * The smallest harmful effect (absolute, > 0) the test must detect: focuses the mixture on it (see
   * the module comment). Absent: the plain half-normal (or normal) mixture of `mixingSd`.
   */
  effect?: number;
  /** With `effect`: the chance of detecting it that the focus is tuned for (default 0.9). */
  power?: number;
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

/** The options a state carries: the focus as the point θ₁ and its weight (absent in states made without `effect`). */
export interface ResolvedSequentialOptions {
  kind: SequentialTestOptions['kind'];
  alpha: number;
  alternative: Alternative;
  mixingSd: number;
  minSamplesPerArm: number;
  minEvents: number;
  /** θ₁, the point the focused mixture puts `focusWeight` on. */
  focusEffect?: number;
  focusWeight?: number;
}

/** Persistable state of a sequential test (plain JSON). */
export interface SequentialState {
  version: 1;
  options: ResolvedSequentialOptions;
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
  if (opts.effect !== undefined && !(opts.effect > 0 && Number.isFinite(opts.effect)))
    throw new RangeError('effect must be a positive number');
  const mixingSd = opts.mixingSd ?? opts.effect;
  if (mixingSd === undefined || !(mixingSd > 0 && Number.isFinite(mixingSd)))
    throw new RangeError('mixingSd must be a positive number');
  if (opts.kind !== 'proportions' && opts.kind !== 'means') throw new RangeError(`unknown kind ${String(opts.kind)}`);
  const power = opts.power ?? 0.9;
  if (!(power > 0.5 && power < 1)) throw new RangeError('power must be in (0.5, 1)');
  const focus =
    opts.effect === undefined
      ? {}
      : { focusEffect: computeFocusRatio(opts.alpha, power) * opts.effect, focusWeight: FOCUS_WEIGHT };
  return {
    version: 1,
    options: {
      kind: opts.kind,
      alpha: opts.alpha,
      alternative,
      mixingSd,
      minSamplesPerArm: opts.minSamplesPerArm ?? 100,
      minEvents: opts.minEvents ?? 5,
      ...focus,
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
  const focus =
    options.focusEffect !== undefined && options.focusWeight !== undefined
      ? { effect: options.focusEffect, weight: options.focusWeight }
      : undefined;
  const logLr = computeLogMixtureRatio(
    summary.estimate,
    summary.variance,
    options.mixingSd,
    options.alternative,
    focus,
  );
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

/**
 * log Λ of the normal-mixture SPRT (half-normal mixture for one-sided alternatives). With `focus`,
 * `focus.weight` of the mixture sits on the point θ₁ = `focus.effect` on the harmful side (±θ₁, half
 * each, for a two-sided test) and the rest on the normal mixture.
 */
export function computeLogMixtureRatio(
  estimate: number,
  variance: number,
  mixingSd: number,
  alternative: Alternative,
  focus?: { effect: number; weight: number },
): number {
  const tau2 = mixingSd * mixingSd;
  const total = variance + tau2;
  const twoSided = 0.5 * Math.log(variance / total) + (tau2 * estimate * estimate) / (2 * variance * total);
  let spread = twoSided;
  if (alternative !== 'two-sided') {
    const signed = alternative === 'greater' ? estimate : -estimate;
    spread = twoSided + Math.log(2 * normalCdf((mixingSd * signed) / Math.sqrt(variance * total)));
  }
  if (!focus) return spread;
  const point = (theta: number) => (theta * estimate - (theta * theta) / 2) / variance;
  const terms =
    alternative === 'two-sided'
      ? [Math.log(focus.weight / 2) + point(focus.effect), Math.log(focus.weight / 2) + point(-focus.effect)]
      : [Math.log(focus.weight) + point(alternative === 'greater' ? focus.effect : -focus.effect)];
  return logSumExp([...terms, Math.log(1 - focus.weight) + spread]);
}

function logSumExp(values: number[]): number {
  const top = Math.max(...values);
  if (top === Number.NEGATIVE_INFINITY) return top;
  return top + Math.log(values.reduce((sum, v) => sum + Math.exp(v - top), 0));
}

/** Share of a focused mixture on its point θ₁; the rest keeps the half-normal's reach. */
export const FOCUS_WEIGHT = 0.9;

/**
 * P(an SPRT at θ₁ rejects by the horizon) for a true effect θ, continuous monitoring: Brownian
 * motion with drift `mean` = θ/σ crossing the line a + b·t (a = L/θ₁', b = θ₁'/2, in units of the
 * horizon's standard error σ, `point` = θ₁/σ, L = log 1/(weight·alpha)).
 */
function crossingProbability(mean: number, point: number, logBound: number): number {
  const a = logBound / point;
  const drift = mean - point / 2;
  const reflected = Math.exp(2 * a * drift + Math.log(normalCdf(-a - drift)));
  return Math.min(1, normalCdf(drift - a) + (Number.isFinite(reflected) ? reflected : 1));
}

const focusCache = new Map<string, number>();

/**
 * c = θ₁ / effect for the focused mixture: the ratio that reaches `power` at the effect with the
 * smallest standardised effect θ/σ, i.e. the fewest samples (in units of σ, so independent of the
 * effect, the variance and the kind). A grid over c ∈ [0.3, 1.5] by 0.01, bisection in θ/σ.
 */
export function computeFocusRatio(alpha: number, power: number): number {
  const key = `${alpha}:${power}`;
  const cached = focusCache.get(key);
  if (cached !== undefined) return cached;
  const logBound = Math.log(1 / (FOCUS_WEIGHT * alpha));
  let best = { ratio: 1, mean: Number.POSITIVE_INFINITY };
  for (let step = 30; step <= 150; step += 1) {
    const ratio = step / 100;
    let lo = 0;
    let hi = 200;
    for (let i = 0; i < 50; i += 1) {
      const mid = (lo + hi) / 2;
      if (crossingProbability(mid, ratio * mid, logBound) >= power) hi = mid;
      else lo = mid;
    }
    if (hi < best.mean) best = { ratio, mean: hi };
  }
  focusCache.set(key, best.ratio);
  return best.ratio;
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
  options: ResolvedSequentialOptions,
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
