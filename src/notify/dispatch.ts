import { readNow, systemClock } from './clock.js';
import { createOutboxEntry } from './outbox.js';
import { scrubSecrets } from './redact.js';
import type { DeliveryResult, Notifier, NotifyClock, Outbox, OutboxEntry, ReleaseEvent } from './types.js';

/** Exponential backoff of outbox retries: `baseMs · 2^(attempts-1)`, capped at `maxMs`. */
export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 10_000, maxMs: 30 * 60_000 };
/** Deadline of one delivery attempt on a release step or rollback. */
export const DEFAULT_DISPATCH_DEADLINE_MS = 2000;
/** Deadline of a whole `notify --flush` (room for the client's own retries on one attempt). */
export const DEFAULT_FLUSH_DEADLINE_MS = 20_000;

export interface DispatchOptions {
  notifiers: readonly Notifier[];
  outbox: Outbox;
  clock?: NotifyClock;
  /** Per-notifier deadline; default {@link DEFAULT_DISPATCH_DEADLINE_MS}. Also bounds each outbox write. */
  deadlineMs?: number;
  /**
   * Rollback path: return as soon as the outbox entries are written; delivery continues in the
   * background (see `settled`) and removes each entry once delivered.
   */
  fireAndForget?: boolean;
  backoff?: BackoffOptions;
}

/** What happened to one event. Never thrown: problems are listed in `errors`. */
export interface DispatchReport {
  /** Notifiers that delivered the event. */
  delivered: string[];
  /** Notifiers whose entry is waiting in the outbox (failed, timed out, or still in flight). */
  queued: string[];
  /** Redacted problems, e.g. an outbox that could not be written (the notification may then be lost). */
  errors: string[];
}

export interface DispatchResult extends DispatchReport {
  /** Settles (never rejects) when every delivery attempt has finished; equal to the result itself unless fireAndForget. */
  settled: Promise<DispatchReport>;
}

/** Milliseconds to wait before retry number `attempts` (1-based). */
export function computeBackoffMs(attempts: number, backoff: BackoffOptions = DEFAULT_BACKOFF): number {
  return Math.min(backoff.maxMs, backoff.baseMs * 2 ** Math.max(0, attempts - 1));
}

/** Run `task` but give up after `ms`: the signal is aborted and `onTimeout()` is returned. Timers are unref'd. */
export async function runWithDeadline<T>(
  ms: number,
  task: (signal: AbortSignal) => Promise<T>,
  onTimeout: () => T,
): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<T>((resolve) => {
    timer = setTimeout(() => {
      controller.abort();
      resolve(onTimeout());
    }, ms);
    timer.unref();
  });
  try {
    return await Promise.race([task(controller.signal), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** One delivery attempt bounded by `deadlineMs`; a throwing notifier counts as a retryable failure. */
export function attemptDelivery(notifier: Notifier, event: ReleaseEvent, deadlineMs: number): Promise<DeliveryResult> {
  return runWithDeadline<DeliveryResult>(
    deadlineMs,
    (signal) =>
      notifier
        .send(event, { signal })
        .catch((error: unknown) => ({ status: 'failed', retryable: true, error: describeError(error) })),
    () => ({ status: 'failed', retryable: true, error: `${notifier.name}: no answer within ${deadlineMs} ms` }),
  );
}

/** The entry after a failed attempt: one more attempt, the error, and when to try again. */
export function recordFailure(
  entry: OutboxEntry,
  result: Extract<DeliveryResult, { status: 'failed' }>,
  now: number,
  backoff: BackoffOptions,
): OutboxEntry {
  const attempts = entry.attempts + 1;
  const wait = Math.max(computeBackoffMs(attempts, backoff), result.retryAfterMs ?? 0);
  return { ...entry, attempts, lastError: result.error, nextAttemptAt: now + wait };
}

function describeError(error: unknown): string {
  return scrubSecrets(error instanceof Error ? error.message : String(error), []);
}

/**
 * Announce one event on every notifier that accepts it, never throwing and never waiting longer
 * than about two deadlines. Each entry is written to the outbox BEFORE delivery is attempted and
 * removed after it succeeds, so a crash at any point leaves the notification in the outbox.
 */
export async function dispatchEvent(event: ReleaseEvent, options: DispatchOptions): Promise<DispatchResult> {
  const clock = options.clock ?? systemClock;
  const deadlineMs = options.deadlineMs ?? DEFAULT_DISPATCH_DEADLINE_MS;
  const backoff = options.backoff ?? DEFAULT_BACKOFF;
  const targets = options.notifiers.filter((n) => n.accepts?.(event) ?? true);
  const errors: string[] = [];
  const guard = async (what: string, op: () => Promise<void>): Promise<boolean> => {
    const outcome = await runWithDeadline(
      deadlineMs,
      () =>
        op().then(
          () => 'ok',
          (e: unknown) => describeError(e),
        ),
      () => 'timed out',
    );
    if (outcome !== 'ok') errors.push(`outbox ${what}: ${outcome}`);
    return outcome === 'ok';
  };

  const entries = targets.map((n) => createOutboxEntry(n.name, event, readNow(clock)));
  const appended = await Promise.all(
    entries.map((entry) => guard(`append (${entry.target})`, () => options.outbox.append(entry))),
  );

  const deliverOne = async (notifier: Notifier, index: number): Promise<boolean> => {
    const entry = entries[index] as OutboxEntry;
    const result = await attemptDelivery(notifier, event, deadlineMs);
    if (result.status === 'delivered') {
      await guard(`remove (${entry.target})`, () => options.outbox.remove(entry.id));
      return true;
    }
    const failed = recordFailure(entry, result, readNow(clock), backoff);
    // If the first append failed, try once more now: it is the only copy left.
    await guard(`record failure (${entry.target})`, () =>
      appended[index] === true ? options.outbox.update(failed) : options.outbox.append(failed),
    );
    return false;
  };
  const settled = Promise.all(targets.map(deliverOne)).then((ok) => ({
    delivered: targets.filter((_, i) => ok[i]).map((n) => n.name),
    queued: targets.filter((_, i) => !ok[i]).map((n) => n.name),
    errors,
  }));
  if (options.fireAndForget === true) {
    return { delivered: [], queued: targets.map((n) => n.name), errors: [...errors], settled };
  }
  const report = await settled;
  return { ...report, errors: [...report.errors], settled };
}

export interface FlushOptions {
  notifiers: readonly Notifier[];
  outbox: Outbox;
  clock?: NotifyClock;
  /**
   * Deadline of the whole flush, every target and entry included; default {@link DEFAULT_FLUSH_DEADLINE_MS}.
   * Each attempt gets what is left of it; entries not reached in time stay in the outbox.
   */
  deadlineMs?: number;
  backoff?: BackoffOptions;
  /** Also try entries whose `nextAttemptAt` is still in the future (`notify --flush --force`). */
  force?: boolean;
}

/** Counts after a flush. `remaining` is everything still in the outbox, due or not. */
export interface FlushResult {
  delivered: number;
  failed: number;
  remaining: number;
  /** Redacted problems reading or writing the outbox. */
  errors: string[];
}

/**
 * Deliver the due outbox entries, oldest event first. After a failure the rest of that target's
 * entries wait for the next flush, so a dead Slack costs one deadline, not one per entry.
 * Entries for notifiers that are not configured now stay untouched.
 */
export async function flushOutbox(options: FlushOptions): Promise<FlushResult> {
  const clock = options.clock ?? systemClock;
  const deadlineMs = options.deadlineMs ?? DEFAULT_FLUSH_DEADLINE_MS;
  const backoff = options.backoff ?? DEFAULT_BACKOFF;
  const byName = new Map(options.notifiers.map((n) => [n.name, n]));
  const result: FlushResult = { delivered: 0, failed: 0, remaining: 0, errors: [] };
  const unavailable = new Set<string>();
  let entries: OutboxEntry[];
  try {
    entries = await options.outbox.list();
  } catch (error) {
    result.errors.push(`outbox list: ${describeError(error)}`);
    return result;
  }
  const ordered = [...entries].sort((a, b) => (a.event.at < b.event.at ? -1 : a.event.at > b.event.at ? 1 : 0));
  // Measured on the real clock: the deadline is a promise to the operator waiting at the terminal.
  const endAt = Date.now() + deadlineMs;
  let skipped = 0;
  for (const entry of ordered) {
    const notifier = byName.get(entry.target);
    if (notifier === undefined || unavailable.has(entry.target)) continue;
    if (options.force !== true && entry.nextAttemptAt > readNow(clock)) continue;
    const left = endAt - Date.now();
    if (left <= 0) {
      skipped += 1;
      continue;
    }
    const outcome = await attemptDelivery(notifier, entry.event, left);
    try {
      if (outcome.status === 'delivered') {
        await options.outbox.remove(entry.id);
        result.delivered += 1;
      } else {
        await options.outbox.update(recordFailure(entry, outcome, readNow(clock), backoff));
        result.failed += 1;
        if (outcome.retryable) unavailable.add(entry.target);
      }
    } catch (error) {
      result.errors.push(`outbox write: ${describeError(error)}`);
    }
  }
  if (skipped > 0)
    result.errors.push(
      `flush deadline of ${deadlineMs} ms reached: ${skipped} notification(s) not attempted, still in the outbox`,
    );
  result.remaining = await options.outbox.list().then(
    (left) => left.length,
    () => entries.length - result.delivered,
  );
  return result;
}
