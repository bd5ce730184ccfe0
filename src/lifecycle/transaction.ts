import type { LoadedConfig } from '../config/load.js';
import type { Ctx } from '../context.js';
import { openState } from '../commands/open-state.js';
import { redactDeep } from '../output/redact.js';
import { backfillAudit } from '../state/audit-backfill.js';
import type { AuditInput, LockHandle, StateStore } from '../state/store.js';
import { createInitialState, type HistoryEntry, type ReleaseState } from '../state/types.js';

/** What a change to the release produces: the next state, its history entry, and its audit entry. */
export interface Change<T> {
  next: ReleaseState;
  /** Appended to `next.history` with the new serial; omit for changes that are not transitions. */
  history?: Omit<HistoryEntry, 'serial' | 'at' | 'actor'>;
  audit: Omit<AuditInput, 'actor' | 'stateSerial'>;
  result: T;
}

export interface TransactionOptions {
  operation: string;
  /** Show what would change, change nothing (enforced here, not by every caller). */
  dryRun?: boolean;
  /**
   * Rollbacks must not be blocked by the audit sink: they act first and report an audit failure
   * instead of throwing. Everything else fails closed.
   */
  auditFailOpen?: boolean;
}

export interface TransactionOutcome<T> {
  result: T;
  state: ReleaseState;
  written: boolean;
  auditError?: string;
}

/** A fresh state for this plan: the release sits in its first phase, which begins now. */
export function initialStateFor(loaded: LoadedConfig, now: Date): ReleaseState {
  const state = createInitialState(loaded.config.release, loaded.hash, now);
  return { ...state, phase: loaded.config.phases[0]?.id ?? null, phaseStartedAt: now.toISOString() };
}

/** The state as it is, or a fresh one for this plan (not written until a change is). */
export async function readOrInitial(store: StateStore, loaded: LoadedConfig, now: Date): Promise<ReleaseState> {
  return (await store.read()) ?? initialStateFor(loaded, now);
}

/**
 * Lock → read → decide → write (compare-and-set on the serial) → audit → unlock. `decide` may
 * return null to change nothing. The lock is always released, also when `decide` throws.
 */
export async function changeRelease<T>(
  ctx: Ctx,
  loaded: LoadedConfig,
  options: TransactionOptions,
  decide: (state: ReleaseState, helpers: { store: StateStore; lock: LockHandle | null }) => Promise<Change<T> | { unchanged: T }>,
): Promise<TransactionOutcome<T>> {
  const store = openState(ctx, loaded);
  if (options.dryRun) {
    const state = await readOrInitial(store, loaded, ctx.clock.now());
    const change = await decide(state, { store, lock: null });
    if ('unchanged' in change) return { result: change.unchanged, state, written: false };
    return { result: change.result, state: change.next, written: false };
  }
  const lock = await store.acquireLock({ actor: ctx.actor, operation: options.operation });
  try {
    const current = await store.read();
    if (current) await backfillAudit(store, current, ctx.actor);
    const state = current ?? initialStateFor(loaded, ctx.clock.now());
    const change = await decide(state, { store, lock });
    if ('unchanged' in change) return { result: change.unchanged, state, written: false };
    const serial = state.serial + 1;
    // The plan hash changes only with a transition that accepts the plan (advance); a sign-off or a
    // recorded preflight must not hide that rollout.yaml changed mid-rollout.
    const next: ReleaseState = {
      ...change.next,
      history: change.history
        ? [...change.next.history, { ...change.history, at: ctx.clock.now().toISOString(), actor: ctx.actor, serial }]
        : change.next.history,
    };
    const saved = await store.write(next, { expectSerial: state.serial, lock });
    try {
      await store.appendAudit(redactDeep({ ...change.audit, actor: ctx.actor, stateSerial: saved.serial }, ctx.redact));
    } catch (error) {
      if (!options.auditFailOpen) throw error;
      // The next command's backfill writes the missing entry from the state history.
      return { result: change.result, state: saved, written: true, auditError: (error as Error).message };
    }
    return { result: change.result, state: saved, written: true };
  } finally {
    await store.releaseLock(lock).catch(() => false);
  }
}
