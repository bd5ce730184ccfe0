import type { CanaryConfig, MetricConfig } from '../config/schema.js';
import type { TriggerSpec } from '../watch/specs.js';

/** A ratio metric of the canary policy (error rate, completion rate, success rate). */
export type RatioMetric = Extract<MetricConfig, { kind: 'ratio' }>;

/** A relative or absolute ratio trigger of `watch`, resolved against the plan. */
export type RatioTrigger = Extract<TriggerSpec, { kind: 'ratio' }>;

/** `aa`: both arms share the true rate (no change); `regression`: the canary is worse. */
export type ScenarioKind = 'aa' | 'regression';

/** Requests per look (one watch interval) on each arm. */
export interface ArmVolume {
  baseline: number;
  canary: number;
}

/** The synthetic traffic of one ratio metric. Rates are true event rates (errors / requests). */
export interface MetricTraffic {
  metric: RatioMetric;
  /** The baseline's true rate; with `resample` it is the recorded rate, redrawn for every stage. */
  baselineRate: number;
  /** The canary's true rate when it is fixed (`--canary-rate`, or A/A); null when it follows `effect`. */
  canaryRate: number | null;
  /** Relative effect in the metric's bad direction (1.5 = 50 % worse); null when the canary rate is fixed. */
  effect: number | null;
  requestsPerLook: ArmVolume;
  /** Where the baseline came from: the built-in default, `--baseline-rate`, or a recording. */
  source: 'default' | 'flag' | 'recording';
  /** A recording's baseline counts over its window: each stage draws its true rate from them. */
  resample?: { events: number; total: number };
}

/** Everything one simulation run needs; built by `plan-simulation.ts` from the plan and the flags. */
export interface SimulationPlan {
  scenario: ScenarioKind;
  canary: CanaryConfig;
  /** Every ratio metric of the policy, in plan order (the Holm family of the stage-end decision). */
  traffic: MetricTraffic[];
  /** The `watch` triggers on those metrics. */
  triggers: RatioTrigger[];
  stages: number;
  looks: number;
  intervalMs: number;
  seed: number;
  /** How traffic departs from independent binomial requests. */
  noise: TrafficNoise;
}

/**
 * Clustered traffic: each interval's true rate is a Beta draw around the arm's rate whose counts
 * vary `overdispersion` (φ) times more than binomial; with probability `autocorrelation` (ρ) an
 * interval keeps the previous interval's rate instead (lag-k correlation ρ^k). φ = 1: binomial.
 */
export interface TrafficNoise {
  overdispersion: number;
  autocorrelation: number;
}

/** How often something happened over the stages, and when (among the stages where it happened). */
export interface DetectionSummary {
  /** Fraction of stages. */
  rate: number;
  medianLooks: number | null;
  /** Canary requests at that look. */
  medianRequestsPerArm: number | null;
}

/** The stage-end decision (what `advance` judges), as if the stage ended after each look. */
export interface StageEndSummary {
  /** Fail rate at the last look: the stage-end decision. */
  failRate: number;
  /** Of those, failed by the significance test beyond the tolerance (not only by an absolute limit). */
  testFailRate: number;
  /** Failed by the absolute limit (maxAbsolute / minAbsolute) alone, without a significant test. */
  limitOnlyFailRate: number;
  /** Fail rate if the stage had ended after look i + 1 (the power curve in a regression). */
  failRateByLook: number[];
  /** The first stage length (canary requests) whose fail rate reaches the policy's power; null if none. */
  requestsPerArmForPower: number | null;
}

/** One `watch` trigger over the stage. */
export interface TriggerSummary extends DetectionSummary {
  id: string;
  metric: string;
  action: 'rollback' | 'alert';
  /** `above baseline × 1.5 over 10m`. */
  rule: string;
}

/** Figures of one ratio metric. */
export interface MetricSummary {
  id: string;
  direction: RatioMetric['direction'];
  action: RatioMetric['action'];
  critical: boolean;
  /** True when the canary is worse than the baseline in this run (detection, not false fail). */
  regressed: boolean;
  source: MetricTraffic['source'];
  baselineRate: number;
  /** The canary's nominal rate (for a resampled baseline: the effect applied to the recorded rate). */
  canaryRate: number;
  requestsPerLook: ArmVolume;
  stageEnd: StageEndSummary;
  /** The stage-end decision re-run at every look, failing at the first fail: what not to do. */
  naive: DetectionSummary;
  triggers: TriggerSummary[];
}

/** The A/A check `rollout simulate` exits 1 on: observed rates against alpha + a Monte-Carlo margin. */
export interface LevelCheck {
  alpha: number;
  stages: number;
  /** Largest rate a policy exactly at alpha shows in 99 % of runs of this many stages, minus alpha. */
  margin: number;
  limit: number;
  checks: Array<{ decision: 'watch rollbacks' | 'stage-end fails'; rate: number; ok: boolean }>;
  ok: boolean;
}

/** The result of `rollout simulate`. */
export interface SimulationReport {
  scenario: ScenarioKind;
  seed: number;
  noise: TrafficNoise;
  stages: number;
  looks: number;
  interval: string;
  alpha: number;
  power: number;
  minSamples: number;
  multipleComparisons: CanaryConfig['multipleComparisons'];
  metrics: MetricSummary[];
  overall: {
    stageEnd: StageEndSummary & { passRate: number; inconclusiveRate: number };
    naive: DetectionSummary;
    watch: { rollback: DetectionSummary; alert: DetectionSummary };
  };
  /** A/A only. */
  level: LevelCheck | null;
  notes: string[];
}
