import type { DispersionSums, SequentialState } from '../stats/index.js';

/**
 * Types of `rollout watch`. Everything persisted between looks (and between runs) is plain JSON:
 * a restarted watch continues the sequential tests and the counters where the last one stopped.
 */

/** How one look ended for one trigger. `no-data` and `error` both count toward the source-error limit. */
export type TriggerStatus = 'fired' | 'ok' | 'no-data' | 'error';

/** The evidence one trigger produced at one look: for the audit log, Slack and `--json`. */
export interface TriggerOutcome {
  id: string;
  action: 'rollback' | 'alert';
  /** What is compared: a rate, a threshold query, the golden-case accuracy, or a health check. */
  kind: 'ratio' | 'threshold' | 'accuracy' | 'health';
  status: TriggerStatus;
  /** One sentence a release engineer reads. */
  detail: string;
  /** The canary's value over the trigger's window (a rate, milliseconds, a delta), when known. */
  value: number | null;
  /** The baseline arm's value over the same window, for relative triggers. */
  baseline: number | null;
  /** The limit the value was compared with (k × baseline for relative triggers). */
  limit: number | null;
  comparison: 'above' | 'below' | 'failing';
  window?: string;
  /** Relative ratio triggers: the always-valid p-value of "canary worse than k × baseline". */
  pValue?: number;
  /** Relative ratio triggers: whether the sequential test has rejected (needed, with the window breach, to fire). */
  significant?: boolean;
  /** Cumulative samples the sequential test has seen, per arm. */
  samples?: { canary: number; baseline: number };
  consecutiveFailures?: number;
  consecutiveErrors: number;
  queries?: string[];
}

/** Cumulative, never-decreasing counts of one arm, summed from disjoint per-look increments. */
export interface ArmCounts {
  events: number;
  total: number;
}

/** What one trigger carries from look to look (plain JSON). */
export interface TriggerProgress {
  consecutiveErrors: number;
  /** Health checks: consecutive failed checks (errors neither add to nor reset this). */
  consecutiveFailures: number;
  /** An `alert` trigger announces at most once per stage. */
  alerted: boolean;
  /** Relative ratio triggers: counts since the watch (or the stage) started. */
  cumulative?: { canary: ArmCounts; baseline: ArmCounts };
  /** The end of the time the cumulative counts cover (ISO); the next increment starts here. */
  coveredUntil?: string;
  sequential?: SequentialState;
  /** Relative ratio triggers: running sums of the per-look increments, for the overdispersion φ. */
  dispersion?: { canary: DispersionSums; baseline: DispersionSums };
  last?: { status: TriggerStatus; value: number | null; at: string };
}

/** One trigger of a metric at one look, as the release report charts it (canary, baseline, limit). */
export interface WatchLookValue {
  trigger: string;
  metric: string;
  action: 'rollback' | 'alert';
  status: TriggerStatus;
  value: number | null;
  baseline: number | null;
  limit: number | null;
}

/** One look in the stage's series (`WatchProgress.series`). */
export interface WatchLookPoint {
  at: string;
  look: number;
  values: WatchLookValue[];
}

/** The whole watch progress of one stage: saved after every look. */
export interface WatchProgress {
  version: 1;
  release: string;
  /** `phase/stage@startedAt`: a new stage starts fresh sequential tests and alert flags. */
  scope: string;
  startedAt: string;
  updatedAt: string;
  looks: number;
  triggers: Record<string, TriggerProgress>;
  /** Set while some trigger's consecutive source errors exceed the limit under `hold-and-alert`. */
  holding: boolean;
  /**
   * The metric triggers' values look by look, for the release report: at most WATCH_SERIES_MAX points,
   * thinned to every other look when full (the first and the latest look always stay).
   */
  series?: WatchLookPoint[];
}

export const WATCH_SERIES_MAX = 120;

/** `series` with `point` added, thinned when it would exceed WATCH_SERIES_MAX (the input is not changed). */
export function appendLookPoint(
  series: readonly WatchLookPoint[] | undefined,
  point: WatchLookPoint,
): WatchLookPoint[] {
  const next = [...(series ?? []), point];
  if (next.length <= WATCH_SERIES_MAX) return next;
  return next.filter((_, i) => i % 2 === 0 || i === next.length - 1);
}

/** Creates the empty progress of one scope. */
export function createWatchProgress(release: string, scope: string, at: Date): WatchProgress {
  const iso = at.toISOString();
  return { version: 1, release, scope, startedAt: iso, updatedAt: iso, looks: 0, triggers: {}, holding: false };
}

/** Creates the empty progress of one trigger. */
export function createTriggerProgress(): TriggerProgress {
  return { consecutiveErrors: 0, consecutiveFailures: 0, alerted: false };
}
