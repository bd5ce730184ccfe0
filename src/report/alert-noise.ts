import type { MetricConfig, RawConfig } from '../config/schema.js';
import type { SourceIdentity } from '../lifecycle/source-identity.js';
import { classifyOp } from './events.js';
import { findCanaryEvidence } from './evidence.js';

/**
 * Alert noise: the share of alerts and automatic rollbacks later judged false.
 *
 * Counted (from the audit log): every `watch:alert` trigger announcement and every rollback that a
 * trigger started (`watch` or a stage-end `onFail: rollback`); rollbacks an operator started by hand
 * are not alerts. One of them is judged false when
 * - it was A/A-level: the canary was no worse than the baseline arm beyond the metric's own tolerance
 *   (maxRelativeChange / maxRelativeShift; 0 for threshold metrics) — both arms were equally bad, a
 *   difference two identical arms produce, so the new variant did not cause it; or
 * - the release went on past it without a fix: a rollback followed by `retry`, an alert followed by
 *   the next `advance`, made with the same plan hash and the same commit as the step it fired under.
 * When either commit is unknown (no git checkout, no CI variable) the fire is undetermined: it counts
 * in the total, and the report says the rate could be as high as (false + undetermined) / total.
 */
export interface AlertNoise {
  alerts: number;
  rollbacks: number;
  total: number;
  falseByLevel: number;
  falseWithoutFix: number;
  undetermined: number;
  /** false / total; null with no alert at all. */
  rate: number | null;
  /** (false + undetermined) / total. */
  upper: number | null;
}

interface Fired {
  trigger: string;
  source: SourceIdentity | null;
}

/** An `AlertNoiseTally` as plain data, for a report checkpoint. */
export interface AlertNoiseData {
  alerts: number;
  rollbacks: number;
  falseByLevel: number;
  falseWithoutFix: number;
  undetermined: number;
  /** The identity of the latest advance or retry: what a fire happens under. */
  source: SourceIdentity | null;
  pendingRollback: Fired | null;
  pendingAlerts: Fired[];
}

type Judgement = 'false' | 'fixed' | 'undetermined';

function judgeMoveOn(fired: SourceIdentity | null, moved: SourceIdentity | null): Judgement {
  if (!fired?.commit || !moved?.commit || !fired.planHash || !moved.planHash) return 'undetermined';
  return fired.commit === moved.commit && fired.planHash === moved.planHash ? 'false' : 'fixed';
}

function readSource(value: unknown): SourceIdentity | null {
  const o = value as Partial<SourceIdentity> | null | undefined;
  if (!o || typeof o !== 'object' || typeof o.planHash !== 'string') return null;
  return { planHash: o.planHash, commit: typeof o.commit === 'string' ? o.commit : null };
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

function toleranceOf(metric: MetricConfig): number {
  if (metric.kind === 'ratio') return metric.maxRelativeChange;
  if (metric.kind === 'distribution') return metric.maxRelativeShift ?? 0;
  return 0;
}

function lowerIsBetter(metric: MetricConfig): boolean {
  if (metric.kind === 'threshold') return metric.max !== undefined;
  return metric.direction === 'lower-is-better';
}

/** Canary within the tolerance of the baseline in the metric's bad direction: what two identical arms show. */
export function isAALevel(
  canary: number | null,
  baseline: number | null,
  lowerBetter: boolean,
  tolerance: number,
): boolean {
  if (canary === null || baseline === null || !Number.isFinite(canary) || !Number.isFinite(baseline)) return false;
  return lowerBetter ? canary <= baseline * (1 + tolerance) : canary >= baseline * (1 - tolerance);
}

export class AlertNoiseTally {
  private readonly d: AlertNoiseData;
  private readonly metrics: Map<string, MetricConfig>;
  private readonly triggerMetric: Map<string, string>;

  constructor(config: RawConfig, saved?: AlertNoiseData) {
    this.d = saved ?? {
      alerts: 0,
      rollbacks: 0,
      falseByLevel: 0,
      falseWithoutFix: 0,
      undetermined: 0,
      source: null,
      pendingRollback: null,
      pendingAlerts: [],
    };
    this.metrics = new Map((config.canary?.metrics ?? []).map((m) => [m.id, m]));
    this.triggerMetric = new Map(config.triggers.flatMap((t) => (t.metric ? [[t.id, t.metric]] : [])));
  }

  data(): AlertNoiseData {
    return structuredClone(this.d);
  }

  /**
   * Every audit entry, in log order. The audit log, not the state's history, since only the log
   * carries the identities (`source`) and the alerts.
   */
  push(entry: { op: string; data?: unknown }): void {
    const data = (entry.data !== null && typeof entry.data === 'object' ? entry.data : {}) as Record<string, unknown>;
    const kind = classifyOp(entry.op);
    const e = { op: entry.op, kind };
    if (e.kind === 'advanced') {
      const source = readSource(data.source);
      for (const alert of this.d.pendingAlerts) this.count(judgeMoveOn(alert.source, source));
      this.d.pendingAlerts = [];
      this.d.source = source;
    } else if (e.kind === 'retry') {
      const source = readSource(data.source);
      if (this.d.pendingRollback) this.count(judgeMoveOn(this.d.pendingRollback.source, source));
      this.d.pendingRollback = null;
      this.d.source = source;
    } else if (e.kind === 'rollback-started' && e.op === 'rollback' && typeof data.trigger === 'string') {
      this.d.rollbacks += 1;
      // A new rollback supersedes an unjudged one (the release was never retried in between).
      this.d.pendingRollback = null;
      if (this.isRollbackAALevel(data.trigger, data.evidence)) this.d.falseByLevel += 1;
      else this.d.pendingRollback = { trigger: data.trigger, source: this.d.source };
    } else if (e.op === 'watch:alert' && Array.isArray(data.triggers)) {
      for (const t of data.triggers as Array<Record<string, unknown>>) {
        this.d.alerts += 1;
        const id = typeof t.id === 'string' ? t.id : '';
        if (this.isTriggerAALevel(id, t)) this.d.falseByLevel += 1;
        else this.d.pendingAlerts.push({ trigger: id, source: this.d.source });
      }
    }
  }

  finish(): AlertNoise {
    const d = this.d;
    const total = d.alerts + d.rollbacks;
    const bad = d.falseByLevel + d.falseWithoutFix;
    return {
      alerts: d.alerts,
      rollbacks: d.rollbacks,
      total,
      falseByLevel: d.falseByLevel,
      falseWithoutFix: d.falseWithoutFix,
      undetermined: d.undetermined,
      rate: total ? bad / total : null,
      upper: total ? (bad + d.undetermined) / total : null,
    };
  }

  private count(j: Judgement): void {
    if (j === 'false') this.d.falseWithoutFix += 1;
    else if (j === 'undetermined') this.d.undetermined += 1;
  }

  /** A watch trigger's outcome (value, baseline, comparison) against its metric's tolerance. */
  private isTriggerAALevel(triggerId: string, outcome: Record<string, unknown>): boolean {
    const metric = this.metrics.get(this.triggerMetric.get(triggerId) ?? '');
    if (!metric) return false;
    const lower =
      outcome.comparison === 'above' ? true : outcome.comparison === 'below' ? false : lowerIsBetter(metric);
    return isAALevel(num(outcome.value), num(outcome.baseline), lower, toleranceOf(metric));
  }

  private isRollbackAALevel(trigger: string, evidence: unknown): boolean {
    if (trigger.startsWith('stage-end:')) {
      // Every metric that made the stage end roll back must be A/A-level for the rollback to be.
      const ids = trigger.slice('stage-end:'.length).split(',').filter(Boolean);
      const verdicts = findCanaryEvidence(evidence).flatMap((c) => c.metrics);
      return (
        ids.length > 0 &&
        ids.every((id) => {
          const metric = this.metrics.get(id);
          const v = verdicts.find((m) => m.id === id);
          return (
            metric !== undefined &&
            v !== undefined &&
            isAALevel(v.canary?.value ?? null, v.baseline?.value ?? null, lowerIsBetter(metric), toleranceOf(metric))
          );
        })
      );
    }
    const outcome = (evidence as { trigger?: Record<string, unknown> } | null | undefined)?.trigger;
    return outcome !== undefined && outcome !== null && this.isTriggerAALevel(trigger, outcome);
  }
}
