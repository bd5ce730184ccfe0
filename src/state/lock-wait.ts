import { LockBusyError } from './errors.js';
import type { LockHandle, StateStore } from './store.js';

/** How `acquireLockWithin` waits for a busy lock. */
export interface LockWaitOptions {
  /** Give up after this long; 0 (the default, as in Terraform's `-lock-timeout`) fails at once. */
  timeoutMs?: number;
  /** Waits go through here so tests can run a 30 s timeout instantly (ctx.clock-driven sleeps). */
  sleep?: (ms: number) => Promise<void>;
  /** Milliseconds elapsed so far; defaults to wall time. */
  elapsedMs?: () => number;
}

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
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const started = Date.now();
  const elapsed = options.elapsedMs ?? (() => Date.now() - started);
  for (let delay = FIRST_DELAY_MS; ; delay = Math.min(delay * 2, MAX_DELAY_MS)) {
    try {
      return await store.acquireLock(info);
    } catch (error) {
      const remaining = timeoutMs - elapsed();
      if (!(error instanceof LockBusyError) || remaining <= 0) throw error;
      await sleep(Math.min(delay, remaining));
    }
  }
}
