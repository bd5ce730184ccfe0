import type { RawConfig } from '../config/schema.js';
import type { ReleaseState } from '../state/types.js';
import type { ReleaseEvent } from './events.js';
import { findCanaryEvidence, summarizeEvidence, type CanaryEvidence } from './evidence.js';
import { readPosition, type Position } from './position.js';
import { KeepLast, type KeepLastData } from './bounded.js';
import { DeliveryTally, type DeliveryTallyData } from './delivery.js';

/** A stretch of time the release spent in one phase, or one stage of a phase's rollout. */
export interface Visit {
  phase: string;
  stage: string | null;
  percent?: number;
  enteredAt: string;
  leftAt: string | null;
  outcome: 'advanced' | 'rolled-back' | 'completed' | 'current';
  /** 1 for the first attempt, 2 after the first retry, … */
  run: number;
}

/** One rollback, from its start to its completion (absent while running or when it failed). */
export interface RollbackRecord {
  startedAt: string;
  completedAt: string | null;
  failed: boolean;
  mode?: string;
  reason?: string;
  actor: string;
  phase: string | null;
  stage: string | null;
  run: number;
}

/** A recorded decision and the evidence it was based on. */
export interface Decision {
  at: string;
  op: string;
  actor: string;
  reason?: string;
  phase: string | null;
  stage: string | null;
  run: number;
  verdict?: string;
  summary?: string;
  canary: CanaryEvidence[];
}

/** How many of each list a report keeps (the most recent); the delivery figures count everything. */
export interface ReportLimits {
  timeline: number;
  visits: number;
  decisions: number;
  rollbacks: number;
  overrides: number;
}

export const REPORT_LIMITS: ReportLimits = {
  timeline: 1_000,
  visits: 500,
  decisions: 200,
  rollbacks: 200,
  overrides: 200,
};

export interface Walk {
  /** The most recent visits (at most `limits.visits`). */
  visits: Visit[];
  /** The most recent rollbacks (at most `limits.rollbacks`). */
  rollbacks: RollbackRecord[];
  /** The most recent decisions (at most `limits.decisions`). */
  decisions: Decision[];
  /** How many of each list were left out because the history is longer than the limits. */
  omitted: { visits: number; rollbacks: number; decisions: number };
  /** Runs (the first attempt plus one per retry) and how many ended in a rollback. */
  runs: number;
  rolledBackRuns: number;
  /** Delivery figures accumulated over every visit and rollback, shown or not. */
  tally: DeliveryTally;
}

function readRecord(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function pickString(...values: unknown[]): string | undefined {
  return values.find((v): v is string => typeof v === 'string');
}

/** A `Walker` between two events, as plain data (objects shared between its lists stay shared). */
export interface WalkerData {
  visits: KeepLastData<Visit>;
  rollbacks: KeepLastData<RollbackRecord>;
  decisions: KeepLastData<Decision>;
  tally: DeliveryTallyData;
  pending: RollbackRecord[];
  last: { record: RollbackRecord; pending: boolean } | null;
  run: number;
  runs: number;
  rolledBackRuns: number;
  runOutcome: 'rolled-back' | 'completed' | 'in-progress';
  open: Visit | null;
}

/** Replays events (in time order) one at a time; `walkEvents` over an array, or fed from a stream. */
export class Walker {
  private readonly visits: KeepLast<Visit>;
  private readonly rollbacks: KeepLast<RollbackRecord>;
  private readonly decisions: KeepLast<Decision>;
  private readonly tally: DeliveryTally;
  /** Rollbacks not yet completed or failed, oldest first: a completion event applies to the newest. */
  private readonly pending: RollbackRecord[];
  /** The newest rollback: the state may still complete it, so it is counted only once superseded or at the end. */
  private last: { record: RollbackRecord; pending: boolean } | null = null;
  private run = 1;
  private runs = 0;
  private rolledBackRuns = 0;
  private runOutcome: 'rolled-back' | 'completed' | 'in-progress' = 'in-progress';
  private open: Visit | null = null;

  constructor(
    private readonly config: RawConfig,
    now: Date,
    limits: ReportLimits = REPORT_LIMITS,
    saved?: WalkerData,
  ) {
    this.visits = new KeepLast(limits.visits, saved?.visits);
    this.rollbacks = new KeepLast(limits.rollbacks, saved?.rollbacks);
    this.decisions = new KeepLast(limits.decisions, saved?.decisions);
    this.tally = new DeliveryTally(now, saved?.tally);
    this.pending = saved?.pending ?? [];
    if (saved)
      ({
        last: this.last,
        run: this.run,
        runs: this.runs,
        rolledBackRuns: this.rolledBackRuns,
        runOutcome: this.runOutcome,
        open: this.open,
      } = saved);
  }

  /** Everything needed to go on with more events (call before `finish`, which settles what is open). */
  data(): WalkerData {
    const { pending, last, run, runs, rolledBackRuns, runOutcome, open } = this;
    return {
      visits: this.visits.data(),
      rollbacks: this.rollbacks.data(),
      decisions: this.decisions.data(),
      tally: this.tally.data(),
      pending,
      last,
      run,
      runs,
      rolledBackRuns,
      runOutcome,
      open,
    };
  }

  /** The run the next event belongs to (1 before any event). */
  get currentRun(): number {
    return this.run;
  }

  push(e: ReleaseEvent): void {
    if (this.runs === 0) this.startRun();
    const to = readRecord(e.to);
    const summary = summarizeEvidence(e.evidence);
    const canary = findCanaryEvidence(e.evidence);
    // A rollback started by hand records `{ trigger: undefined, … }`: nothing to show as evidence.
    if (summary.verdict || summary.summary || canary.length) {
      const before = readPosition(e.from, this.config);
      const here = this.current();
      this.decisions.push({
        at: e.at,
        op: e.op,
        actor: e.actor,
        ...(e.reason ? { reason: e.reason } : {}),
        phase: before.phase ?? here.phase,
        stage: before.stage !== undefined ? before.stage : here.stage,
        run: this.run,
        ...summary,
        canary,
      });
    }
    switch (e.kind) {
      case 'advanced':
      case 'override':
        // The last step of the plan records `to: { phase: null }`: the release is complete.
        if ('phase' in to && to.phase === null) {
          this.close(e.at, 'completed');
          this.runOutcome = 'completed';
        } else this.enter(e.at, readPosition(e.to, this.config));
        break;
      case 'rollback-started': {
        const startedAt = pickString(to.startedAt, e.data?.startedAt) ?? e.at;
        const mode = pickString(to.mode, e.data?.mode);
        const completedAt = pickString(to.completedAt, e.data?.completedAt) ?? null;
        const record: RollbackRecord = {
          startedAt,
          completedAt,
          failed: false,
          mode,
          reason: e.reason ?? pickString(to.reason),
          actor: e.actor,
          ...this.current(),
          run: this.run,
        };
        this.rollbacks.push(record);
        if (this.last && !this.last.pending) this.tally.addRollback(this.last.record);
        this.last = { record, pending: completedAt === null };
        if (completedAt === null) this.pending.push(record);
        this.close(e.at, 'rolled-back');
        this.runOutcome = 'rolled-back';
        break;
      }
      case 'rollback-completed':
      case 'rollback-failed':
      case 'rollback-step': {
        const last = this.pending.at(-1);
        if (!last || (e.kind === 'rollback-step' && (e.data?.step === undefined || e.data.step !== e.data.of))) break;
        if (e.kind === 'rollback-failed') last.failed = true;
        else last.completedAt = pickString(to.completedAt, e.data?.completedAt) ?? e.at;
        this.pending.pop();
        if (this.last?.record === last) this.last.pending = false;
        else this.tally.addRollback(last);
        break;
      }
      case 'retry':
        this.close(e.at, 'rolled-back');
        this.run += 1;
        this.startRun();
        this.enter(e.at, readPosition(e.to, this.config));
        break;
      case 'completed':
        this.close(e.at, 'completed');
        this.runOutcome = 'completed';
        break;
      default:
        break;
    }
  }

  /** The state knows the latest rollback's completion and whether the release completed, even when the log does not say. */
  finish(state: ReleaseState | null): Walk {
    const last = this.last?.record;
    if (
      last &&
      last.completedAt === null &&
      state?.rollback?.completedAt &&
      Date.parse(state.rollback.completedAt) >= Date.parse(last.startedAt)
    ) {
      last.completedAt = state.rollback.completedAt;
    }
    if (this.last && !this.last.pending) this.tally.addRollback(this.last.record);
    // An immediate rollback is complete once its flag write is recorded (src/lifecycle/rollback.ts sets completedAt = startedAt).
    for (const r of this.pending) {
      if (r.completedAt === null && !r.failed && r.mode === 'immediate') r.completedAt = r.startedAt;
      this.tally.addRollback(r);
    }
    this.pending.length = 0;
    if (this.runs > 0 && state?.status === 'completed') this.runOutcome = 'completed';
    this.endRun();
    if (this.open) this.tally.addVisit(this.open);
    return {
      visits: this.visits.toArray(),
      rollbacks: this.rollbacks.toArray(),
      decisions: this.decisions.toArray(),
      omitted: { visits: this.visits.dropped, rollbacks: this.rollbacks.dropped, decisions: this.decisions.dropped },
      runs: this.runs,
      rolledBackRuns: this.rolledBackRuns,
      tally: this.tally,
    };
  }

  private startRun(): void {
    this.endRun();
    this.runs += 1;
    this.runOutcome = 'in-progress';
  }

  private endRun(): void {
    if (this.runs > 0 && this.runOutcome === 'rolled-back') this.rolledBackRuns += 1;
    this.runOutcome = 'in-progress';
  }

  private close(at: string, outcome: Visit['outcome']): void {
    if (!this.open) return;
    Object.assign(this.open, { leftAt: at, outcome });
    this.tally.addVisit(this.open);
    this.open = null;
  }

  private enter(at: string, pos: Position): void {
    const prev = this.open;
    const phase = pos.phase ?? prev?.phase;
    if (!phase) return;
    const stage =
      pos.stage !== undefined
        ? pos.stage
        : pos.phase !== undefined && pos.phase !== prev?.phase
          ? null
          : (prev?.stage ?? null);
    if (prev && prev.phase === phase && prev.stage === stage) return;
    this.close(at, 'advanced');
    this.open = {
      phase,
      stage,
      ...(pos.percent !== undefined ? { percent: pos.percent } : {}),
      enteredAt: at,
      leftAt: null,
      outcome: 'current',
      run: this.run,
    };
    this.visits.push(this.open);
  }

  private current(): { phase: string | null; stage: string | null } {
    return { phase: this.open?.phase ?? null, stage: this.open?.stage ?? null };
  }
}

/**
 * Replays the events in order, keeping the current position, and cuts time into visits. A rollback
 * ends the current visit (outcome rolled-back) and the run; a retry starts the next run.
 */
export function walkEvents(
  events: ReleaseEvent[],
  config: RawConfig,
  state: ReleaseState | null,
  now: Date,
  limits?: ReportLimits,
): Walk {
  const walker = new Walker(config, now, limits);
  for (const e of events) walker.push(e);
  return walker.finish(state);
}
