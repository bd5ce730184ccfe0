import type { LoadedConfig } from '../config/load.js';
import type { Ctx } from '../context.js';
import { openState } from '../state/open-state.js';
import { redactDeep } from '../output/redact.js';
import { backfillAudit } from '../state/audit-backfill.js';
import { crashPoint, type CrashPointName } from '../state/crash-points.js';
import { acquireLockWithin } from '../state/lock-wait.js';
import type { AuditInput, LockHandle, StateStore } from '../state/store.js';
import { createInitialState, type HistoryEntry, type ReleaseState } from '../state/types.js';

/**
 * The one transaction every command that changes a release goes through (advance, rollback in all
 * modes, the ramp-down, retry, signoff, preflight/analyze records, watch):
 *
 *   lock → read → backfill missing audit entries → decide → [side effects] → write (CAS on the serial)
 *   → audit → unlock
 *
 * The state is the commit point. Once it is written the step HAS been taken: an audit append that
 * fails afterwards is reported as "audit entry pending" and the next command backfills it from the
 * state history (`state:unaudited` when the history has no entry for the serial). It is never
 * reported as "the step was not taken". See src/lifecycle/README.md for the state machine.
 */

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
  /** Wait this long for a busy lock (1 s → 16 s backoff) before failing with the holder's name. */
  lockWaitMs?: number;
  /** A named crash point between the state write (the commit point) and the audit append. */
  crashAfterState?: CrashPointName;
}

export interface TransactionOutcome<T> {
  result: T;
  state: ReleaseState;
  written: boolean;
  /** Set when the state was written but its audit entry was not: the next command backfills it. */
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

/** Appends the audit entry of a state that is already written; returns the error instead of throwing. */
export async function auditCommitted(
  ctx: Ctx,
  store: StateStore,
  audit: Omit<AuditInput, 'actor' | 'stateSerial'>,
  serial: number,
): Promise<string | undefined> {
  try {
    await store.appendAudit(redactDeep({ ...audit, actor: ctx.actor, stateSerial: serial }, ctx.redact));
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/**
 * Runs `body` holding the release lock, with the state read and any missing audit entries backfilled
 * first (a failed backfill never blocks the body: it is retried by the next command). The lock is
 * always released, also when `body` throws.
 */
export async function withReleaseLock<T>(
  ctx: Ctx,
  loaded: LoadedConfig,
  options: { operation: string; lockWaitMs?: number; store?: StateStore },
  body: (
    state: ReleaseState,
    current: ReleaseState | null,
    helpers: { store: StateStore; lock: LockHandle },
  ) => Promise<T>,
): Promise<T> {
  const store = options.store ?? openState(ctx, loaded);
  const info = { actor: ctx.actor, operation: options.operation };
  // The wait sleeps and measures on ctx.clock: under a test clock a 10 s wait takes no wall time.
  const lock = options.lockWaitMs
    ? await acquireLockWithin(store, info, { timeoutMs: options.lockWaitMs, clock: ctx.clock })
    : await store.acquireLock(info);
  try {
    const current = await store.read();
    if (current) await backfillAudit(store, current, ctx.actor).catch(() => []);
    return await body(current ?? initialStateFor(loaded, ctx.clock.now()), current, { store, lock });
  } finally {
    await store.releaseLock(lock).catch(() => false);
  }
}

/**
 * Lock → read → decide → write (compare-and-set on the serial) → audit → unlock. `decide` may
 * return `{ unchanged }` to change nothing.
 */
export async function changeRelease<T>(
  ctx: Ctx,
  loaded: LoadedConfig,
  options: TransactionOptions & { store?: StateStore },
  decide: (
    state: ReleaseState,
    helpers: { store: StateStore; lock: LockHandle | null },
  ) => Promise<Change<T> | { unchanged: T }>,
): Promise<TransactionOutcome<T>> {
  const store = options.store ?? openState(ctx, loaded);
  if (options.dryRun) {
    const state = await readOrInitial(store, loaded, ctx.clock.now());
    const change = await decide(state, { store, lock: null });
    if ('unchanged' in change) return { result: change.unchanged, state, written: false };
    return { result: change.result, state: change.next, written: false };
  }
  return withReleaseLock(ctx, loaded, { ...options, store }, async (state, _current, { lock }) => {
    const change = await decide(state, { store, lock });
    if ('unchanged' in change) return { result: change.unchanged, state, written: false };
    const serial = state.serial + 1;
    const next: ReleaseState = {
      ...change.next,
      history: change.history
        ? [...change.next.history, { ...change.history, at: ctx.clock.now().toISOString(), actor: ctx.actor, serial }]
        : change.next.history,
    };
    const saved = await store.write(next, { expectSerial: state.serial, lock });
    if (options.crashAfterState) crashPoint(options.crashAfterState);
    const auditError = await auditCommitted(ctx, store, change.audit, saved.serial);
    return { result: change.result, state: saved, written: true, ...(auditError ? { auditError } : {}) };
  });
}

/** The line every command prints when its step was taken but the audit entry is pending. */
export function auditPendingNote(auditError: string | undefined): string | null {
  return auditError ? `step taken, audit entry pending (the next command backfills it): ${auditError}` : null;
}
