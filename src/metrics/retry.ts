import type { QueryOutcome } from './types.js';
import { isTransient } from './outcome.js';

/** How many times and how patiently a query is retried within its deadline. */
export interface RetryPolicy {
  /** Extra attempts after the first (default 2, so at most 3 requests). */
  retries: number;
  /** First backoff in ms, doubled each time (default 200). */
  baseDelayMs: number;
  /** Cap on one backoff (default 2000; reliability.md §7.3 wants ≤ 5 s). */
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { retries: 2, baseDelayMs: 200, maxDelayMs: 2000 };

/** An attempt that is not worth starting with less time than this left before the deadline. */
const MIN_ATTEMPT_MS = 50;

export interface RetryContext {
  deadline: number;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  random?: () => number;
}

/**
 * Runs `attempt` until it gives a final outcome, the retries are spent or the next attempt could not
 * finish before the deadline. Returns the last outcome and how many attempts were made.
 */
export async function runWithRetries(
  attempt: (deadline: number) => Promise<QueryOutcome>,
  policy: RetryPolicy,
  ctx: RetryContext,
): Promise<{ outcome: QueryOutcome; attempts: number }> {
  const random = ctx.random ?? Math.random;
  for (let attempts = 1; ; attempts++) {
    const outcome = await attempt(ctx.deadline);
    if (!isTransient(outcome) || attempts > policy.retries) return { outcome, attempts };
    const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempts - 1));
    // Half fixed, half jitter: concurrent queries hitting the same sick server do not retry in step.
    const delay = ceiling / 2 + random() * (ceiling / 2);
    if (ctx.now() + delay + MIN_ATTEMPT_MS > ctx.deadline) return { outcome, attempts };
    await ctx.sleep(delay);
  }
}
