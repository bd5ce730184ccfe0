import { randomUUID } from 'node:crypto';
import type { LoadedConfig } from '../config/load.js';
import type { Ctx } from '../context.js';
import { openState } from '../commands/open-state.js';
import { redactDeep } from '../output/redact.js';
import { acquireLockWithin } from '../state/lock-wait.js';
import { crashPoint } from '../state/crash-points.js';
import type { AuditInput, LockHandle, StateStore } from '../state/store.js';
import type { ReleaseState, RollbackStep } from '../state/types.js';
import { announce, type AnnounceResult } from './announce.js';
import { engageKillSwitch, type KillSwitchResult } from './kill-switch.js';
import { initialStateFor } from './transaction.js';

export type RollbackMode = 'immediate' | 'progressive' | 'full';

export interface RollbackOptions {
  mode: RollbackMode;
  reason: string;
  trigger?: string;
  evidence?: unknown;
  dryRun?: boolean;
  /** The kill switch the command already wrote on its fast path. */
  killSwitch?: KillSwitchResult;
  /** Continue an interrupted progressive rollback instead of starting one. */
  resume?: boolean;
  /** Progressive only: asked before each step; a trigger id here turns the ramp into an immediate rollback. */
  checkTriggers?: () => Promise<string | null>;
  /** How long to wait for the release lock before reporting that the state could not be recorded. */
  lockWaitMs?: number;
}

export interface RollbackOutcome {
  ok: boolean;
  mode: RollbackMode;
  rollbackId: string;
  flagWrittenAtMs: number | null;
  steps: RollbackStep[];
  healthy?: boolean;
  recorded: boolean;
  escalated?: string;
  problems: string[];
  notifications?: AnnounceResult;
}

type Mutate = (state: ReleaseState) => { next: ReleaseState; audit: Omit<AuditInput, 'actor' | 'stateSerial'> } | null;

/**
 * One locked read-modify-write that never throws on the audit sink (a rollback is never blocked by
 * it): returns the problem instead. The lock wait is bounded; the flag was already switched.
 */
async function record(ctx: Ctx, loaded: LoadedConfig, store: StateStore, mutate: Mutate, waitMs: number): Promise<{ state: ReleaseState | null; problem?: string }> {
  let lock: LockHandle;
  try {
    lock = await acquireLockWithin(store, { actor: ctx.actor, operation: 'rollback' }, { timeoutMs: waitMs, sleep: (ms) => ctx.clock.sleep(ms) });
  } catch (error) {
    return { state: null, problem: `state not recorded: ${(error as Error).message}` };
  }
  try {
    const state = (await store.read()) ?? initialStateFor(loaded, ctx.clock.now());
    const change = mutate(state);
    if (!change) return { state };
    const saved = await store.write(change.next, { expectSerial: state.serial, lock });
    try {
      await store.appendAudit(redactDeep({ ...change.audit, actor: ctx.actor, stateSerial: saved.serial }, ctx.redact));
    } catch (error) {
      return { state: saved, problem: `audit entry not written (the next command backfills it): ${(error as Error).message}` };
    }
    return { state: saved };
  } catch (error) {
    return { state: null, problem: `state not recorded: ${(error as Error).message}` };
  } finally {
    await store.releaseLock(lock).catch(() => false);
  }
}

function killAll(state: ReleaseState, at: string): ReleaseState['flags'] {
  return Object.fromEntries(Object.entries(state.flags).map(([k, f]) => [k, { ...f, killSwitch: true, updatedAt: at }]));
}

/** Percentages from `from` down to the kill switch in `steps` absolute steps, `over` apart in total. */
export function planRampDown(from: number, steps: number, overMs: number, start: Date): RollbackStep[] {
  return Array.from({ length: steps }, (_, i) => {
    const k = i + 1;
    return { percent: Math.round(((from * (steps - k)) / steps) * 1000) / 1000, notBefore: new Date(start.getTime() + (overMs * k) / steps).toISOString(), done: false };
  });
}

/** Kill switch / ramp-down / full rollback with health verification. Notifications never delay it. */
export async function performRollback(ctx: Ctx, loaded: LoadedConfig, opts: RollbackOptions): Promise<RollbackOutcome> {
  const store = openState(ctx, loaded);
  const waitMs = opts.lockWaitMs ?? 10_000;
  if (opts.mode === 'progressive') {
    const { runRampDown } = await import('./ramp-down.js');
    return runRampDown(ctx, loaded, store, opts, { record: (m) => record(ctx, loaded, store, m, waitMs), killAll });
  }
  const problems: string[] = [];
  const targets = loaded.config.flags.map((f) => ({ key: f.key, file: f.file }));
  const kill = opts.killSwitch ?? (await engageKillSwitch(loaded.dir, targets, { dryRun: Boolean(opts.dryRun) }));
  const rollbackId = randomUUID();
  if (opts.dryRun) return { ok: true, mode: opts.mode, rollbackId, flagWrittenAtMs: null, steps: [], recorded: false, problems };
  crashPoint('rollback:after-flags');
  const at = ctx.clock.now().toISOString();
  const recorded = await record(
    ctx,
    loaded,
    store,
    (state) => {
      const rollback = { id: rollbackId, mode: opts.mode, startedAt: at, reason: opts.reason, ...(opts.mode === 'immediate' ? { completedAt: at } : {}) };
      const entry = { at, actor: ctx.actor, action: 'rollback', from: { phase: state.phase, stage: state.stage?.id ?? null }, to: { mode: opts.mode, killSwitch: true }, reason: opts.reason, evidence: { trigger: opts.trigger, evidence: opts.evidence }, serial: state.serial + 1 };
      return {
        next: { ...state, flags: killAll(state, at), intent: null, rollback, status: opts.mode === 'immediate' ? 'rolled-back' : state.status, history: [...state.history, entry] },
        audit: { op: 'rollback', reason: opts.reason, data: { mode: opts.mode, rollbackId, trigger: opts.trigger, evidence: opts.evidence, flagWrittenAtMs: Math.round(kill.flagWrittenAtMs), files: kill.files } },
      };
    },
    waitMs,
  );
  if (recorded.problem) problems.push(recorded.problem);
  // An advance that raced us may have rewritten a flag before it saw the abort: assert the kill switch again.
  if (recorded.state) await engageKillSwitch(loaded.dir, targets).catch((e: Error) => problems.push(`kill switch re-check: ${e.message}`));
  const event = { type: 'rollback' as const, release: loaded.config.release, at, rollbackId, flag: targets.map((t) => t.key).join(','), mode: opts.mode, reason: opts.reason, actor: ctx.actor, ...(opts.trigger ? { trigger: opts.trigger } : {}), ...(opts.evidence ? { evidence: JSON.stringify(opts.evidence).slice(0, 500) } : {}) };
  const notifications = await announce(ctx, loaded, [event], { deadlineMs: 2000 });
  let healthy: boolean | undefined;
  if (opts.mode === 'full') {
    const { verifyHealth } = await import('./health-verify.js');
    const verdict = await verifyHealth(ctx, loaded, recorded.state);
    healthy = verdict.healthy;
    const done = await record(ctx, loaded, store, (state) => {
      if (state.rollback?.id !== rollbackId) return null;
      const now = ctx.clock.now().toISOString();
      return {
        next: healthy ? { ...state, status: 'rolled-back', rollback: { ...state.rollback, completedAt: now } } : state,
        audit: { op: healthy ? 'rollback:verified' : 'rollback:unhealthy', reason: verdict.summary, data: { rollbackId, checks: verdict.checks } },
      };
    }, waitMs);
    if (done.problem) problems.push(done.problem);
    if (!healthy) {
      problems.push(`health verification failed: ${verdict.summary}`);
      await announce(ctx, loaded, [{ type: 'rollback-failed', release: loaded.config.release, at: ctx.clock.now().toISOString(), rollbackId, flag: event.flag, mode: 'full', error: verdict.summary, step: 'health verification', actor: ctx.actor }]);
    }
  }
  const ok = recorded.state !== null && (opts.mode !== 'full' || healthy === true);
  return { ok, mode: opts.mode, rollbackId, flagWrittenAtMs: kill.flagWrittenAtMs, steps: [], ...(healthy !== undefined ? { healthy } : {}), recorded: recorded.state !== null, problems, notifications };
}
