import { randomUUID } from 'node:crypto';
import type { LoadedConfig } from '../config/load.js';
import type { Ctx } from '../context.js';
import { RolloutError } from '../errors/rollout-error.js';
import { redactDeep } from '../output/redact.js';
import { openState } from '../commands/open-state.js';
import { backfillAudit } from '../state/audit-backfill.js';
import { crashPoint } from '../state/crash-points.js';
import type { FlagState, HistoryEntry, ReleaseState } from '../state/types.js';
import { isKillSwitchOn, syncFlagFiles, type FlagWrite } from './flag-sync.js';
import type { NextStep } from './planner.js';
import { initialStateFor } from './transaction.js';

/** The position a step moves the release to; stored as the intent's target before any side effect. */
export interface StepTarget {
  action: 'advance' | 'override';
  step: NextStep['kind'];
  phase: string | null;
  phaseStartedAt: string | null;
  stage: ReleaseState['stage'];
  status: ReleaseState['status'];
  flags: Record<string, FlagState>;
  from: { phase: string | null; stage: string | null; percent: number | null };
  to: { phase: string | null; stage: string | null; percent: number | null };
  reason?: string;
  evidence?: unknown;
}

/** Pure: where `step` takes the release. */
export function computeTarget(loaded: LoadedConfig, state: ReleaseState, step: NextStep, now: Date, extra: { override: boolean; reason?: string; evidence?: unknown }): StepTarget {
  const at = now.toISOString();
  const flags = { ...state.flags };
  const base = {
    action: extra.override ? ('override' as const) : ('advance' as const),
    step: step.kind,
    ...(extra.reason ? { reason: extra.reason } : {}),
    ...(extra.evidence !== undefined ? { evidence: extra.evidence } : {}),
  };
  const fromPercent = (flag: string) => state.flags[flag]?.percent ?? null;
  switch (step.kind) {
    case 'complete-phase':
    case 'finish-rollout': {
      const flag = step.kind === 'finish-rollout' ? step.flag : null;
      const from = { phase: step.phase, stage: state.stage?.id ?? null, percent: flag ? fromPercent(flag) : null };
      if (step.nextPhase === null) {
        return { ...base, phase: step.phase, phaseStartedAt: state.phaseStartedAt, stage: null, status: 'completed', flags, from, to: { phase: null, stage: null, percent: from.percent } };
      }
      return { ...base, phase: step.nextPhase, phaseStartedAt: at, stage: null, status: 'in-progress', flags, from, to: { phase: step.nextPhase, stage: null, percent: from.percent } };
    }
    case 'start-rollout':
    case 'next-stage': {
      flags[step.flag] = { percent: step.to.percent, groups: step.to.groups, killSwitch: false, updatedAt: at };
      const from = { phase: step.phase, stage: step.kind === 'next-stage' ? step.from.id : null, percent: fromPercent(step.flag) };
      return {
        ...base,
        phase: step.phase,
        phaseStartedAt: state.phase === step.phase ? state.phaseStartedAt : at,
        stage: { index: step.to.index, id: step.to.id, startedAt: at },
        status: 'in-progress',
        flags,
        from,
        to: { phase: step.phase, stage: step.to.id, percent: step.to.percent },
      };
    }
    default:
      throw new RolloutError('E_RELEASE_BLOCKED', step.kind === 'done' ? 'the release is complete; there is no next step' : step.detail);
  }
}

export interface ApplyResult {
  state: ReleaseState;
  flagWrites: FlagWrite[];
  resumed: boolean;
}

function finalState(state: ReleaseState, target: StepTarget, serial: number, ctx: Ctx, configHash: string): ReleaseState {
  const entry: HistoryEntry = {
    at: ctx.clock.now().toISOString(),
    actor: ctx.actor,
    action: target.action,
    from: target.from,
    to: target.to,
    ...(target.reason ? { reason: target.reason } : {}),
    ...(target.evidence !== undefined ? { evidence: target.evidence } : {}),
    serial,
  };
  return {
    ...state,
    configHash,
    phase: target.phase,
    phaseStartedAt: target.phaseStartedAt,
    stage: target.stage,
    status: target.status,
    flags: target.flags,
    intent: null,
    history: [...state.history, entry],
  };
}

/**
 * Lock → re-read → intent → flag files → state → audit. The intent is written before the first side
 * effect, so a crash at any point leaves the old or the new step, and `resume` completes the same
 * step without taking a second one. Each side effect is preceded by a check for a rollback.
 */
export async function applyStep(
  ctx: Ctx,
  loaded: LoadedConfig,
  opts: { expectSerial: number; target: StepTarget | null },
): Promise<ApplyResult> {
  const store = openState(ctx, loaded);
  const lock = await store.acquireLock({ actor: ctx.actor, operation: 'advance' });
  try {
    const current = await store.read();
    if (current) await backfillAudit(store, current, ctx.actor);
    let state = current ?? initialStateFor(loaded, ctx.clock.now());
    const pending = state.intent?.kind === 'advance' ? (state.intent.target as StepTarget) : null;
    const resumed = pending !== null;
    const target = pending ?? opts.target;
    if (!target && state.serial !== opts.expectSerial) {
      // The caller saw an interrupted step, but another advance finished it before this one got the lock.
      throw new RolloutError('E_STATE_STALE', `another advance finished the interrupted step while this one waited (serial ${opts.expectSerial} → ${state.serial}); nothing was changed`);
    }
    if (!target) throw new RolloutError('E_INTERNAL', 'advance: nothing to apply');
    if (!resumed && state.serial !== opts.expectSerial) {
      throw new RolloutError('E_STATE_STALE', `the release changed while the evidence was gathered (serial ${opts.expectSerial} → ${state.serial}); nothing was changed`);
    }
    assertNotRollingBack(state);
    if (!resumed) {
      const intent = { id: randomUUID(), kind: 'advance', target, startedAt: ctx.clock.now().toISOString(), actor: ctx.actor };
      state = await store.write({ ...state, configHash: loaded.hash, intent }, { expectSerial: state.serial, lock });
      crashPoint('advance:after-intent');
    }
    const changedFlags = Object.keys(target.flags).filter((k) => JSON.stringify(target.flags[k]) !== JSON.stringify(state.flags[k]));
    for (const key of changedFlags) {
      if (await isKillSwitchOn(loaded.config, loaded.dir, key)) {
        await store.write({ ...state, intent: null }, { expectSerial: state.serial, lock });
        throw new RolloutError('E_RELEASE_BLOCKED', `the kill switch of ${key} is on (a rollback is under way); advance stopped before changing the flag`);
      }
    }
    const flagWrites = await syncFlagFiles(loaded.config, loaded.dir, target.flags, false);
    crashPoint('advance:after-flags');
    const next = finalState(state, target, state.serial + 1, ctx, loaded.hash);
    const saved = await store.write(next, { expectSerial: state.serial, lock });
    crashPoint('advance:after-state');
    await store.appendAudit(
      redactDeep({ actor: ctx.actor, op: target.action, reason: target.reason, data: { from: target.from, to: target.to, step: target.step, flags: changedFlags, resumed, evidence: target.evidence }, stateSerial: saved.serial }, ctx.redact),
    );
    return { state: saved, flagWrites, resumed };
  } finally {
    await store.releaseLock(lock).catch(() => false);
  }
}

function assertNotRollingBack(state: ReleaseState): void {
  if (state.status === 'rolled-back') throw new RolloutError('E_RELEASE_BLOCKED', 'the release was rolled back; `rollout retry` re-opens it');
  if (state.rollback && !state.rollback.completedAt) throw new RolloutError('E_RELEASE_BLOCKED', 'a rollback is in progress; advance stopped before changing anything');
}
