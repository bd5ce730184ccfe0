import type { GateConfig } from '../config/schema.js';
import type { ReleaseState } from '../state/types.js';
import { collectRatio, collectThreshold, type QueryContext } from './collect.js';
import { formatRange, type TriggerSpec } from './specs.js';
import {
  evaluateAccuracyTrigger,
  evaluateHealthTrigger,
  evaluateRatioTrigger,
  evaluateThresholdTrigger,
  type Evaluated,
} from './triggers.js';
import {
  appendLookPoint,
  createTriggerProgress,
  type TriggerOutcome,
  type WatchLookValue,
  type WatchProgress,
} from './types.js';

/** JSON has no NaN or Infinity: a value that is not a finite number is kept as "no value". */
const finiteOrNull = (v: number | null | undefined): number | null =>
  typeof v === 'number' && Number.isFinite(v) ? v : null;

type HttpGate = Extract<GateConfig, { kind: 'http' }>;

/** The outside world one look needs besides the metrics source. */
export interface LookDeps {
  query: QueryContext;
  alpha: number;
  /** `canary.overdispersion`: off keeps the binomial tests (default estimate). */
  overdispersion?: 'estimate' | 'off';
  /** `canary.power`: the sequential tests' mixture is focused for it (default 0.9). */
  power?: number;
  state: ReleaseState | null;
  checkHealth(
    gate: HttpGate,
    state: ReleaseState | null,
  ): Promise<{ verdict: 'pass' | 'fail' | 'inconclusive'; summary: string }>;
  accuracyDelta(): Promise<number | null>;
  /**
   * The look's time on the release's clock, which ROLLOUT_TIME_OFFSET shifts: what the progress and the
   * report's charts record, so looks sort among the stage events. The queries run at `query.at`, the real
   * present. Default: `query.at`.
   */
  recordedAt?: Date;
}

/** The range since the evidence last committed, or the trigger's window on the first look of a stage. */
export function chooseIncrementWindow(
  spec: Extract<TriggerSpec, { kind: 'ratio' }>,
  coveredUntil: string | undefined,
  at: Date,
): string | null {
  if ('absolute' in spec.limit) return null;
  if (!coveredUntil) return spec.window;
  const ms = at.getTime() - Date.parse(coveredUntil);
  return ms > 0 ? formatRange(ms) : null;
}

async function evaluateOne(spec: TriggerSpec, progress: WatchProgress, deps: LookDeps): Promise<Evaluated> {
  const p = progress.triggers[spec.id] ?? createTriggerProgress();
  try {
    switch (spec.kind) {
      case 'ratio': {
        const look = await collectRatio(deps.query, spec, chooseIncrementWindow(spec, p.coveredUntil, deps.query.at));
        return evaluateRatioTrigger(spec, p, look, {
          alpha: deps.alpha,
          overdispersion: deps.overdispersion ?? 'estimate',
          power: deps.power ?? 0.9,
        });
      }
      case 'threshold':
        return evaluateThresholdTrigger(spec, p, await collectThreshold(deps.query, spec));
      case 'accuracy':
        return evaluateAccuracyTrigger(spec, p, await deps.accuracyDelta());
      case 'health':
        return evaluateHealthTrigger(spec, p, await deps.checkHealth(spec.gate, deps.state));
    }
  } catch (error) {
    // A bug or an unexpected library error in one trigger must not stop the others from being watched.
    const outcome: TriggerOutcome = {
      id: spec.id,
      action: spec.action,
      kind: spec.kind,
      status: 'error',
      detail: `could not evaluate: ${(error as Error).message}`,
      value: null,
      baseline: null,
      limit: null,
      comparison: spec.kind === 'health' ? 'failing' : spec.comparison,
      consecutiveErrors: p.consecutiveErrors + 1,
    };
    return { outcome, progress: { ...p, consecutiveErrors: p.consecutiveErrors + 1 } };
  }
}

/** Every trigger at once (their queries run concurrently); returns the outcomes and the next progress. */
export async function evaluateLook(
  specs: readonly TriggerSpec[],
  progress: WatchProgress,
  deps: LookDeps,
): Promise<{ outcomes: TriggerOutcome[]; progress: WatchProgress }> {
  const results = await Promise.all(specs.map((s) => evaluateOne(s, progress, deps)));
  const at = (deps.recordedAt ?? deps.query.at).toISOString();
  const triggers = { ...progress.triggers };
  for (const r of results)
    triggers[r.outcome.id] = { ...r.progress, last: { status: r.outcome.status, value: r.outcome.value, at } };
  const values: WatchLookValue[] = [];
  for (const [i, spec] of specs.entries()) {
    const o = results[i]!.outcome;
    if (spec.kind === 'health') continue;
    values.push({
      trigger: spec.id,
      metric: spec.metric.id,
      action: spec.action,
      status: o.status,
      value: finiteOrNull(o.value),
      baseline: finiteOrNull(o.baseline),
      limit: finiteOrNull(o.limit),
    });
  }
  const looks = progress.looks + 1;
  const series = values.length ? appendLookPoint(progress.series, { at, look: looks, values }) : progress.series;
  return {
    outcomes: results.map((r) => r.outcome),
    progress: { ...progress, triggers, looks, updatedAt: at, ...(series ? { series } : {}) },
  };
}
