import type { RollbackRecord, Visit, Walk } from './timeline.js';

/** Time spent in one phase or stage, over all its visits. */
export interface TimeInStep {
  phase: string;
  stage: string | null;
  percent?: number;
  visits: number;
  totalMs: number;
  /** True while the release is still in this step (the total runs up to `now`). */
  ongoing: boolean;
}

/** The delivery figures of the release. Rates are fractions (0–1); null when there is nothing to divide by. */
export interface DeliveryMetrics {
  /** Stage deployments (flag moved to a stage) that were not rolled back, over those that finished. */
  deploymentSuccessRate: number | null;
  deployments: number;
  failedDeployments: number;
  /** Release attempts (the first run plus one per retry) that ended in a rollback, over all attempts. */
  rollbackRate: number | null;
  runs: number;
  rollbacks: number;
  /** Mean of completedAt − startedAt over completed rollbacks. */
  mttrMs: number | null;
  incompleteRollbacks: number;
  timePerStage: TimeInStep[];
  timePerPhase: TimeInStep[];
}

function durationOf(v: Visit, now: Date): number {
  return Math.max(0, (v.leftAt ? Date.parse(v.leftAt) : now.getTime()) - Date.parse(v.enteredAt));
}

/** A `DeliveryTally` as plain data. */
export interface DeliveryTallyData {
  deployments: number;
  finishedDeployments: number;
  failedDeployments: number;
  rollbacks: number;
  recovered: number;
  recoveryMsTotal: number;
  stages: Map<string, TimeInStep>;
  phases: Map<string, TimeInStep>;
  previous: Visit | null;
}

/**
 * The delivery figures, added up one finished visit and one settled rollback at a time, so that a
 * history of any length costs memory only per phase and stage of the plan.
 */
export class DeliveryTally {
  deployments = 0;
  finishedDeployments = 0;
  failedDeployments = 0;
  rollbacks = 0;
  recovered = 0;
  recoveryMsTotal = 0;
  private readonly stages: Map<string, TimeInStep>;
  private readonly phases: Map<string, TimeInStep>;
  private previous: Visit | null = null;

  /** `now` only measures the visit still open when the report ends; `saved` continues an earlier tally. */
  constructor(
    private readonly now: Date,
    saved?: DeliveryTallyData,
  ) {
    this.stages = saved?.stages ?? new Map();
    this.phases = saved?.phases ?? new Map();
    if (saved) {
      ({
        deployments: this.deployments,
        finishedDeployments: this.finishedDeployments,
        failedDeployments: this.failedDeployments,
      } = saved);
      ({
        rollbacks: this.rollbacks,
        recovered: this.recovered,
        recoveryMsTotal: this.recoveryMsTotal,
        previous: this.previous,
      } = saved);
    }
  }

  /** The tally as plain data (everything but `now`), for a report checkpoint. */
  data(): DeliveryTallyData {
    const {
      deployments,
      finishedDeployments,
      failedDeployments,
      rollbacks,
      recovered,
      recoveryMsTotal,
      stages,
      phases,
      previous,
    } = this;
    return {
      deployments,
      finishedDeployments,
      failedDeployments,
      rollbacks,
      recovered,
      recoveryMsTotal,
      stages,
      phases,
      previous,
    };
  }

  /** Count a visit once it will not change any more (left, or the current one at the end). */
  addVisit(v: Visit): void {
    if (v.stage !== null) {
      this.deployments += 1;
      if (v.outcome !== 'current') this.finishedDeployments += 1;
      if (v.outcome === 'rolled-back') this.failedDeployments += 1;
      this.addTime(this.stages, `${v.phase}\u0000${v.stage}`, v, v.stage);
    }
    // A phase is visited once per entry, however many of its stages the entry went through.
    const phase = this.addTime(this.phases, v.phase, v, null);
    const prev = this.previous;
    phase.visits += !prev || prev.phase !== v.phase || prev.run !== v.run ? 1 : 0;
    this.previous = v;
  }

  /** Count a rollback once it is settled (completed, failed, or left incomplete at the end). */
  addRollback(r: RollbackRecord): void {
    this.rollbacks += 1;
    if (r.completedAt === null) return;
    this.recovered += 1;
    this.recoveryMsTotal += Date.parse(r.completedAt) - Date.parse(r.startedAt);
  }

  timePerStage(): TimeInStep[] {
    return [...this.stages.values()];
  }

  timePerPhase(): TimeInStep[] {
    return [...this.phases.values()];
  }

  private addTime(map: Map<string, TimeInStep>, key: string, v: Visit, stage: string | null): TimeInStep {
    let entry = map.get(key);
    if (!entry) {
      // Phase rows count entries into the phase (addVisit); stage rows count visits.
      entry = {
        phase: v.phase,
        stage,
        ...(v.percent !== undefined ? { percent: v.percent } : {}),
        visits: 0,
        totalMs: 0,
        ongoing: false,
      };
      map.set(key, entry);
    }
    if (stage !== null) entry.visits += 1;
    entry.totalMs += durationOf(v, this.now);
    entry.ongoing ||= v.leftAt === null;
    return entry;
  }
}

export function computeDelivery(walk: Walk): DeliveryMetrics {
  const t = walk.tally;
  return {
    deploymentSuccessRate: t.finishedDeployments
      ? (t.finishedDeployments - t.failedDeployments) / t.finishedDeployments
      : null,
    deployments: t.deployments,
    failedDeployments: t.failedDeployments,
    rollbackRate: walk.runs ? walk.rolledBackRuns / walk.runs : null,
    runs: walk.runs,
    rollbacks: t.rollbacks,
    mttrMs: t.recovered ? t.recoveryMsTotal / t.recovered : null,
    incompleteRollbacks: t.rollbacks - t.recovered,
    timePerStage: t.timePerStage(),
    timePerPhase: t.timePerPhase(),
  };
}
