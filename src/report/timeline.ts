import type { RawConfig } from '../config/schema.js';
import type { ReleaseState } from '../state/types.js';
import type { ReleaseEvent } from './events.js';
import { findCanaryEvidence, summarizeEvidence, type CanaryEvidence } from './evidence.js';
import { readPosition, type Position } from './position.js';

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

export interface Walk {
  visits: Visit[];
  rollbacks: RollbackRecord[];
  decisions: Decision[];
  runs: Array<{ run: number; startedAt: string; outcome: 'rolled-back' | 'completed' | 'in-progress' }>;
}

function readRecord(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function pickString(...values: unknown[]): string | undefined {
  return values.find((v): v is string => typeof v === 'string');
}

/**
 * Replays the events in order, keeping the current position, and cuts time into visits. A rollback
 * ends the current visit (outcome rolled-back) and the run; a retry starts the next run.
 */
export function walkEvents(events: ReleaseEvent[], config: RawConfig, state: ReleaseState | null): Walk {
  const walk: Walk = { visits: [], rollbacks: [], decisions: [], runs: [] };
  let run = 1;
  let open: Visit | null = null;
  const startRun = (at: string) => walk.runs.push({ run, startedAt: at, outcome: 'in-progress' });
  const close = (at: string, outcome: Visit['outcome']) => {
    if (open) Object.assign(open, { leftAt: at, outcome });
    open = null;
  };
  const enter = (at: string, pos: Position) => {
    const prev: Visit | null = open;
    const phase = pos.phase ?? prev?.phase;
    if (!phase) return;
    const stage = pos.stage !== undefined ? pos.stage : pos.phase !== undefined && pos.phase !== prev?.phase ? null : (prev?.stage ?? null);
    if (prev && prev.phase === phase && prev.stage === stage) return;
    close(at, 'advanced');
    open = { phase, stage, ...(pos.percent !== undefined ? { percent: pos.percent } : {}), enteredAt: at, leftAt: null, outcome: 'current', run };
    walk.visits.push(open);
  };
  const current = (): { phase: string | null; stage: string | null } => {
    const v: Visit | null = open;
    return { phase: v?.phase ?? null, stage: v?.stage ?? null };
  };
  for (const e of events) {
    if (walk.runs.length === 0) startRun(e.at);
    const to = readRecord(e.to);
    const summary = summarizeEvidence(e.evidence);
    const canary = findCanaryEvidence(e.evidence);
    // A rollback started by hand records `{ trigger: undefined, … }`: nothing to show as evidence.
    if (summary.verdict || summary.summary || canary.length) {
      const before = readPosition(e.from, config);
      const here = current();
      walk.decisions.push({
        at: e.at, op: e.op, actor: e.actor, ...(e.reason ? { reason: e.reason } : {}),
        phase: before.phase ?? here.phase, stage: before.stage !== undefined ? before.stage : here.stage, run,
        ...summary, canary,
      });
    }
    switch (e.kind) {
      case 'advanced':
      case 'override':
        // The last step of the plan records `to: { phase: null }`: the release is complete.
        if ('phase' in to && to.phase === null) {
          close(e.at, 'completed');
          walk.runs[walk.runs.length - 1]!.outcome = 'completed';
        } else enter(e.at, readPosition(e.to, config));
        break;
      case 'rollback-started': {
        const here = current();
        const startedAt = pickString(to.startedAt, e.data?.startedAt) ?? e.at;
        const mode = pickString(to.mode, e.data?.mode);
        const completedAt = pickString(to.completedAt, e.data?.completedAt) ?? null;
        walk.rollbacks.push({ startedAt, completedAt, failed: false, mode, reason: e.reason ?? pickString(to.reason), actor: e.actor, ...here, run });
        close(e.at, 'rolled-back');
        walk.runs[walk.runs.length - 1]!.outcome = 'rolled-back';
        break;
      }
      case 'rollback-completed':
      case 'rollback-failed':
      case 'rollback-step': {
        const last = walk.rollbacks.findLast((r) => r.completedAt === null && !r.failed);
        if (!last || (e.kind === 'rollback-step' && (e.data?.step === undefined || e.data.step !== e.data.of))) break;
        if (e.kind === 'rollback-failed') last.failed = true;
        else last.completedAt = pickString(to.completedAt, e.data?.completedAt) ?? e.at;
        break;
      }
      case 'retry':
        close(e.at, 'rolled-back');
        run += 1;
        startRun(e.at);
        enter(e.at, readPosition(e.to, config));
        break;
      case 'completed':
        close(e.at, 'completed');
        walk.runs[walk.runs.length - 1]!.outcome = 'completed';
        break;
      default:
        break;
    }
  }
  completeFromState(walk, state);
  return walk;
}

/** The state knows the latest rollback's completion and whether the release completed, even when the log does not say. */
function completeFromState(walk: Walk, state: ReleaseState | null): void {
  const last = walk.rollbacks.at(-1);
  if (last && last.completedAt === null && state?.rollback?.completedAt && Date.parse(state.rollback.completedAt) >= Date.parse(last.startedAt)) {
    last.completedAt = state.rollback.completedAt;
  }
  // An immediate rollback is complete once its flag write is recorded (src/lifecycle/rollback.ts sets completedAt = startedAt).
  for (const r of walk.rollbacks) if (r.completedAt === null && !r.failed && r.mode === 'immediate') r.completedAt = r.startedAt;
  const lastRun = walk.runs.at(-1);
  if (lastRun && state?.status === 'completed') lastRun.outcome = 'completed';
}
