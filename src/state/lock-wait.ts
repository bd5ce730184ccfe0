import { LockBusyError } from './errors.js';
import type { LockHandle, StateStore } from './store.js';

/** How `acquireLockWithin` waits for a busy lock. */
export interface LockWaitOptions {
  /** Give up after this long; 0 (the default, as in Terraform's `-lock-timeout`) fails at once. */
  timeoutMs?: number;
  /**
   * The clock the wait both sleeps on and measures with (ctx.clock), so that under a test's clock a
   * 30 s timeout passes instantly and a busy lock never spins on wall time; defaults to real time.
   */
  clock?: WaitClock;
}

/** The part of the command clock a lock wait needs. */
export interface WaitClock {
  now(): Date;
  sleep(ms: number): Promise<void>;
}

const realClock: WaitClock = { now: () => new Date(), sleep: (ms) => new Promise<void>((r) => setTimeout(r, ms)) };

const FIRST_DELAY_MS = 1_000;
const MAX_DELAY_MS = 16_000;

/**
 * Take the release lock, retrying while it is busy with 1 s → 2 s → … → 16 s backoff until
 * `timeoutMs` has passed; then the last `LockBusyError` (naming the holder) is thrown.
 */
export async function acquireLockWithin(
  store: StateStore,
  info: { actor: string; operation: string; host?: string },
  options: LockWaitOptions = {},
): Promise<LockHandle> {
  const timeoutMs = options.timeoutMs ?? 0;
  const clock = options.clock ?? realClock;
  const started = clock.now().getTime();
  const elapsed = () => clock.now().getTime() - started;
  for (let delay = FIRST_DELAY_MS; ; delay = Math.min(delay * 2, MAX_DELAY_MS)) {
    try {
      return await store.acquireLock(info);
    } catch (error) {
      const remaining = timeoutMs - elapsed();
      if (!(error instanceof LockBusyError) || remaining <= 0) throw error;
      await clock.sleep(Math.min(delay, remaining));
    }
  }
}
