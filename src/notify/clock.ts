import type { NotifyClock } from './types.js';

/** Epoch milliseconds from a clock whose `now()` returns either a number or a Date. */
export function readNow(clock: NotifyClock): number {
  const now = clock.now();
  return typeof now === 'number' ? now : now.getTime();
}

/** The wall clock, for callers that do not pass one. */
export const systemClock: NotifyClock = { now: () => Date.now() };
