import type { AuditEntry } from './store.js';
import { createInitialState, type FlagState, type HistoryEntry, type ReleaseState } from './types.js';

/** The parts of the plan a rebuild needs: phase order, and each rollout's flag and stages. */
export interface RebuildPlan {
  release: string;
  phases: Array<{
    id: string;
    rollout?: { flag: string; stages: Array<{ id: string; percent: number; groups?: string[] }> };
  }>;
}

/** A rebuilt state and what the operator should know about it. */
export interface RebuildResult {
  state: ReleaseState;
  /** The audit entries the position was taken from (op and sequence number). */
  usedEntries: Array<{ seq: number; op: string; ts: string }>;
  /** What could not be known from the log, for the operator to check. */
  notes: string[];
}

interface Position {
  phase: string | null;
  stage: string | null;
  percent: number | null;
}

function positionOf(value: unknown): Position | null {
  if (value === null || typeof value !== 'object') return null;
  const v = value as Record<string, unknown>;
  if (typeof v.phase !== 'string' && v.phase !== null) return null;
  return {
    phase: nonEmpty(v.phase),
    stage: nonEmpty(v.stage),
    percent: typeof v.percent === 'number' && Number.isFinite(v.percent) ? v.percent : null,
  };
}

function nonEmpty(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

/** The state serial an entry documents, when it is a usable one. */
function serialOf(entry: AuditEntry): number | null {
  const n = entry.stateSerial;
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 ? n : null;
}

function data(entry: AuditEntry): Record<string, unknown> {
  const d = (entry as { data?: unknown }).data;
  return d !== null && typeof d === 'object' ? (d as Record<string, unknown>) : {};
}

/**
 * Rebuild the release position from the audit log: the last `advance` (or `retry`) says where the release
 * stands, a later `rollback` that no `retry` followed says it is rolled back, `signoff` entries are the
 * sign-offs. Pure: the entries and the plan in, a state that passes the schema out. Evidence and the
 * plan's hash are not in the log: `configHash` is left empty, so the next `advance` asks the operator
 * to confirm the plan (`--accept-config-change`).
 */
export function rebuildStateFromAudit(entries: readonly AuditEntry[], plan: RebuildPlan): RebuildResult {
  const notes: string[] = [];
  const usedEntries: RebuildResult['usedEntries'] = [];
  const first = entries[0];
  // The same empty document a new release starts from, with the log's highest serial and no history of its own.
  const state: ReleaseState = {
    ...createInitialState(plan.release, '', new Date(0)),
    serial: entries.reduce((max, e) => Math.max(max, serialOf(e) ?? 0), 0),
    history: [],
  };
  const use = (entry: AuditEntry) => usedEntries.push({ seq: entry.seq, op: entry.op, ts: entry.ts });
  const record = (entry: AuditEntry, action: string, to?: unknown) => {
    const h: HistoryEntry = {
      at: entry.ts,
      actor: String(entry.actor ?? 'unknown'),
      action,
      serial: serialOf(entry) ?? state.serial,
    };
    if (to !== undefined) h.to = to;
    if (typeof entry.reason === 'string') h.reason = entry.reason;
    state.history.push(h);
  };
  const moveTo = (entry: AuditEntry, to: Position) => {
    if (to.phase !== state.phase) {
      state.phase = to.phase;
      state.phaseStartedAt = entry.ts;
    }
    state.status = 'in-progress';
    const phase = plan.phases.find((p) => p.id === to.phase);
    if (phase === undefined && to.phase !== null)
      notes.push(`entry ${entry.seq}: phase ${String(to.phase)} is not in the plan`);
    const rollout = phase?.rollout;
    if (to.stage === null || rollout === undefined) {
      state.stage = null;
      return;
    }
    const index = rollout.stages.findIndex((s) => s.id === to.stage);
    if (index < 0) notes.push(`entry ${entry.seq}: stage ${to.stage} is not in phase ${String(to.phase)} of the plan`);
    if (state.stage?.id !== to.stage) state.stage = { index: Math.max(index, 0), id: to.stage, startedAt: entry.ts };
    const stage = rollout.stages[index];
    const percent = to.percent ?? stage?.percent ?? 0;
    if (percent < 0 || percent > 100) notes.push(`entry ${entry.seq}: percent ${percent} is outside 0–100; clamped`);
    const flag: FlagState = {
      percent: Math.min(100, Math.max(0, percent)),
      groups: stage?.groups ?? [],
      killSwitch: false,
      updatedAt: entry.ts,
    };
    state.flags[rollout.flag] = flag;
  };

  for (const entry of entries) {
    const d = data(entry);
    if (entry.op === 'advance') {
      const to = positionOf(d.to);
      if (!to) continue;
      use(entry);
      moveTo(entry, to);
      record(entry, 'advance', to);
      // moving past the last phase leaves no current phase: the release is complete
      if (to.phase === null) state.status = 'completed';
    } else if (entry.op === 'rollback') {
      use(entry);
      state.status = 'rolled-back';
      for (const flag of Object.values(state.flags)) {
        flag.killSwitch = true;
        flag.updatedAt = entry.ts;
      }
      state.rollback = {
        id: nonEmpty(d.rollbackId) ?? `rebuilt-${entry.seq}`,
        mode: nonEmpty(d.mode) ?? 'immediate',
        startedAt: entry.ts,
        reason: typeof entry.reason === 'string' ? entry.reason : '',
        completedAt: entry.ts,
      };
      record(entry, 'rollback');
    } else if (entry.op === 'retry') {
      use(entry);
      state.status = 'in-progress';
      const stage = nonEmpty(d.stage) ?? state.stage?.id ?? null;
      moveTo(entry, {
        phase: state.phase,
        stage,
        percent: typeof d.percent === 'number' && Number.isFinite(d.percent) ? d.percent : null,
      });
      record(entry, 'retry', { stage });
    } else if (entry.op === 'signoff' && nonEmpty(d.item) !== null) {
      use(entry);
      state.signoffs.push({
        item: d.item as string,
        phase: typeof d.phase === 'string' ? d.phase : (state.phase ?? ''),
        actor: String(entry.actor ?? 'unknown'),
        at: entry.ts,
        reason: typeof entry.reason === 'string' ? entry.reason : '',
      });
    }
  }
  if (usedEntries.length === 0)
    notes.push('the audit log records no transition: the rebuilt state is a release that has not started');
  if (state.rollback?.mode === 'progressive')
    notes.push(
      'a progressive ramp-down is recorded as finished: check what the flag file serves (`rollout flags show`)',
    );
  notes.push(
    'evidence and the plan hash are not in the audit log: the next `advance` asks you to confirm the plan with --accept-config-change',
  );
  if (first === undefined) notes.push('the audit log is empty');
  return { state, usedEntries, notes };
}
