/**
 * Canary-versus-baseline comparison of two rates from counts (error rate, success rate, …).
 *
 * Method (`auto`): Fisher's exact test when any expected cell count is below 5 (Cochran's rule:
 * few events, where the normal approximation misleads — rare errors are the usual canary case),
 * otherwise the pooled two-proportion score (z) test, which is what `prop.test(correct=FALSE)` and
 * a 2×2 chi-square without Yates' correction compute. For a one-sided test the expected counts are
 * taken at the baseline's rate, not the pooled one, so the choice never depends on the canary's
 * events: one more canary error can then never switch tests and lower the evidence (the two tests
 * differ by up to a few thousandths at the switch, enough to turn a fail into a pass at alpha). When
 * the canary is worse in the tested direction, the pooled rate is nearer one half than the baseline's
 * (rates on one side of it, as error and success rates are), so the score test is then chosen only
 * where Cochran's rule holds for it too. Intervals: Newcombe hybrid score for the
 * difference, Katz log for the ratio; both behave at small counts, unlike the Wald interval.
 */
import { computeKatzInterval, computeNewcombeInterval, type Interval } from './intervals.js';
import { testFisherExact } from './fisher-exact.js';
import { normalCdf, normalSf } from './normal.js';
import { assertAlternative, assertProbability, type Alternative } from './types.js';

/** Counts for one arm. `events` and `successes` are synonyms: whichever is given is counted. */
export interface ProportionArm {
  events?: number;
  successes?: number;
  total: number;
}

/** Options of {@link compareProportions}. */
export interface CompareProportionsOptions {
  /** `greater`: the canary's rate is higher than the baseline's. Default `two-sided`. */
  alternative?: Alternative;
  /** Significance level, default 0.05. */
  alpha?: number;
  /** Two-sided interval level; default 1 − alpha (two-sided test) or 1 − 2·alpha (one-sided). */
  confidence?: number;
  /** Default `auto` (see module comment). */
  method?: 'auto' | 'fisher-exact' | 'score';
  /**
   * Quasi-binomial variance factor φ ≥ 1 (see dispersion.ts), default 1. With φ > 1 every count is
   * worth 1/φ of a request: the score statistic is divided by √φ, Fisher's test and the intervals
   * run on the counts divided by φ (Fisher's rounded). φ = 1 is exactly the binomial test.
   */
  dispersion?: number;
}

/** One arm as reported back. */
export interface ArmSummary {
  events: number;
  total: number;
  rate: number;
}

/** Result of {@link compareProportions}; differences and ratios are canary relative to baseline. */
export interface CompareProportionsResult {
  method: 'fisher-exact' | 'score';
  alternative: Alternative;
  alpha: number;
  confidence: number;
  /** Pooled score statistic z = (p_canary − p_baseline) / SE₀, reported for every method. */
  statistic: number;
  pValue: number;
  /** pValue < alpha. */
  significant: boolean;
  baseline: ArmSummary;
  canary: ArmSummary;
  /** p_canary − p_baseline and its Newcombe interval. */
  difference: number;
  differenceInterval: Interval;
  /** p_canary / p_baseline (Infinity or NaN when the baseline rate is 0) and its Katz interval. */
  ratio: number;
  ratioInterval: Interval;
  /**
   * Smallest expected cell count under H0 (pooled rate). `auto` uses Fisher's exact test below 5; a
   * one-sided test counts at the baseline's rate instead (module comment).
   */
  minExpectedCount: number;
  /** The variance factor φ the test was widened by (1: binomial). */
  dispersion: number;
}

/** Compare the canary's rate with the baseline's rate. Pure; throws RangeError on invalid counts. */
export function compareProportions(
  baseline: ProportionArm,
  canary: ProportionArm,
  opts: CompareProportionsOptions = {},
): CompareProportionsResult {
  const alternative = opts.alternative ?? 'two-sided';
  assertAlternative(alternative);
  const alpha = opts.alpha ?? 0.05;
  assertProbability('alpha', alpha);
  const confidence = opts.confidence ?? (alternative === 'two-sided' ? 1 - alpha : 1 - 2 * alpha);
  assertProbability('confidence', confidence);
  const dispersion = opts.dispersion ?? 1;
  if (!(dispersion >= 1 && Number.isFinite(dispersion)))
    throw new RangeError(`dispersion must be a finite number ≥ 1, got ${dispersion}`);
  const b = readArm('baseline', baseline);
  const c = readArm('canary', canary);
  // φ > 1: the quasi-binomial test is the binomial test on counts worth 1/φ of a request each.
  const eb = b.events / dispersion;
  const tb = b.total / dispersion;
  const ec = c.events / dispersion;
  const tc = c.total / dispersion;
  const pooled = (b.events + c.events) / (b.total + c.total);
  const n = b.total + c.total;
  const minExpectedCount = Math.min(tb, tc) * Math.min(pooled, 1 - pooled);
  const reference = alternative === 'two-sided' ? pooled : b.rate;
  const method =
    opts.method === undefined || opts.method === 'auto'
      ? Math.min(tb, tc) * Math.min(reference, 1 - reference) < 5
        ? 'fisher-exact'
        : 'score'
      : opts.method;
  const se0 = Math.sqrt(dispersion * pooled * (1 - pooled) * (1 / b.total + 1 / c.total));
  const difference = c.rate - b.rate;
  const statistic = se0 === 0 ? 0 : difference / se0;
  const pValue =
    method === 'fisher-exact' ? fisherPValue(b, c, dispersion, alternative) : scorePValue(statistic, alternative);
  return {
    method,
    alternative,
    alpha,
    confidence,
    statistic,
    pValue,
    significant: pValue < alpha,
    baseline: b,
    canary: c,
    difference,
    differenceInterval: computeNewcombeInterval(ec, tc, eb, tb, confidence),
    ratio: c.rate / b.rate,
    ratioInterval: computeKatzInterval(ec, tc, eb, tb, confidence),
    minExpectedCount: n === 0 ? 0 : minExpectedCount,
    dispersion,
  };
}

function fisherPValue(b: ArmSummary, c: ArmSummary, dispersion: number, alternative: Alternative): number {
  if (dispersion === 1)
    return testFisherExact(c.events, c.total - c.events, b.events, b.total - b.events, alternative).pValue;
  const shrink = (arm: ArmSummary) => {
    const total = Math.max(1, Math.round(arm.total / dispersion));
    return { events: Math.min(total, Math.round(arm.events / dispersion)), total };
  };
  const sc = shrink(c);
  const sb = shrink(b);
  return testFisherExact(sc.events, sc.total - sc.events, sb.events, sb.total - sb.events, alternative).pValue;
}

function scorePValue(z: number, alternative: Alternative): number {
  if (alternative === 'greater') return normalSf(z);
  if (alternative === 'less') return normalCdf(z);
  return Math.min(1, 2 * normalSf(Math.abs(z)));
}

function readArm(name: string, arm: ProportionArm): ArmSummary {
  const events = arm.events ?? arm.successes;
  const { total } = arm;
  if (events === undefined) throw new RangeError(`${name}: events (or successes) is required`);
  if (!Number.isInteger(total) || total <= 0)
    throw new RangeError(`${name}: total must be a positive integer, got ${total}`);
  if (!Number.isInteger(events) || events < 0 || events > total) {
    throw new RangeError(`${name}: events must be an integer in [0, total], got ${events}`);
  }
  return { events, total, rate: events / total };
}
