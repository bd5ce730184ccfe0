/**
 * Canary verdicts. Every metric ends pass, fail or inconclusive with its reason; the four ways of
 * having no usable evidence are distinct and none of them is ever a pass.
 */
export type Verdict = 'pass' | 'fail' | 'inconclusive';

/**
 * `impossible-value`: the source answered a number the query cannot mean (±Inf, a negative count,
 * rate or latency): neither missing data nor NaN, and never judged.
 */
export type InconclusiveReason = 'no-data' | 'nan' | 'too-few-samples' | 'query-error' | 'impossible-value';

export interface ArmValue {
  /** The metric's value for this arm: a rate, a median, or a threshold query's value. */
  value: number | null;
  /** Sample size: trials for rates, intervals for distributions; null when not countable. */
  n: number | null;
  events?: number;
}

export interface MetricVerdict {
  id: string;
  title?: string;
  kind: 'ratio' | 'distribution' | 'threshold';
  /** The unit values and limits are shown in (src/canary/units.ts); absent when the metric has none. */
  unit?: string;
  critical: boolean;
  action: 'rollback' | 'alert';
  verdict: Verdict;
  /** For inconclusive: which reason. */
  inconclusive?: InconclusiveReason;
  /** One sentence a release engineer reads. */
  reason: string;
  baseline: ArmValue;
  canary: ArmValue;
  /** Relative change canary vs baseline in the metric's bad direction (0.12 = 12 % worse). */
  relativeChange: number | null;
  test?: string;
  statistic?: number;
  pValue?: number;
  /** Rate metrics: the quasi-binomial variance factor φ the test was widened by (1 = binomial). */
  dispersion?: number;
  /** p-value after the multiple-comparison adjustment (Holm). */
  adjustedPValue?: number;
  /** Interval for the difference (rates), the shift (distributions) or the ratio. */
  interval?: { lower: number; upper: number; of: 'difference' | 'ratio' | 'shift'; confidence: number };
  /** What the metric was judged against, in words: "≤ 10 % worse than baseline", "≤ 400". */
  threshold: string;
  /** With too few samples: power achieved for the configured effect and the samples still needed. */
  power?: { achieved: number; neededPerArm: number; morePerArm: number; effect: string };
  queries?: string[];
}

export interface CanaryVerdict {
  verdict: Verdict;
  summary: string;
  /** Metrics whose action is `alert` and that failed: manual review, not rollback. */
  alerts: string[];
  metrics: MetricVerdict[];
  window: string;
  at: string;
  multipleComparisons: 'holm' | 'none';
  alpha: number;
}
