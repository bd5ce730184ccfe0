/** All waiting goes through the clock, so a 7-day bake or a 5-minute ramp-down runs in milliseconds in tests. */
export interface Clock {
  now(): Date;
  /**
   * The present moment of the outside world, where metrics live. Differs from `now` only under
   * `ROLLOUT_TIME_OFFSET`, which shifts the release's own time (bake, soak, timestamps) but cannot
   * move Prometheus: metrics are still read as they are now.
   */
  wallNow?(): Date;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** setTimeout's largest delay; a longer one (or NaN) fires at once with a TimeoutOverflowWarning. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** A timer delay Node accepts: finite, at least 0, at most MAX_TIMER_MS. */
export function clampTimerMs(ms: number): number {
  if (Number.isNaN(ms)) return 0;
  return Math.min(MAX_TIMER_MS, Math.max(0, ms));
}

export const systemClock: Clock = {
  now: () => new Date(),
  // A long wait (a week's bake through `watch --for`) is slept in chunks under the timer limit.
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const until = Date.now() + (Number.isNaN(ms) ? 0 : Math.max(0, ms));
      let timer = setTimeout(tick, clampTimerMs(until - Date.now()));
      function tick() {
        const left = until - Date.now();
        if (left > 0) timer = setTimeout(tick, clampTimerMs(left));
        else done();
      }
      function done() {
        signal?.removeEventListener('abort', done);
        clearTimeout(timer);
        resolve();
      }
      signal?.addEventListener('abort', done, { once: true });
    }),
};

/** A clock that only moves when asked to; `sleep` advances it instantly. */
export interface FakeClock extends Clock {
  advance(ms: number): void;
  set(time: Date): void;
}

export function createFakeClock(start: Date = new Date('2026-01-01T00:00:00Z')): FakeClock {
  let current = start.getTime();
  return {
    now: () => new Date(current),
    async sleep(ms) {
      current += Math.max(0, ms);
    },
    advance(ms) {
      current += ms;
    },
    set(time) {
      current = time.getTime();
    },
  };
}

/**
 * `ROLLOUT_TIME_OFFSET` (a duration in ms, may be negative) shifts the system clock. It exists for
 * rehearsals and end-to-end tests of bake times with a real process; `status` shows when it is set.
 */
export function clockFromEnv(env: NodeJS.ProcessEnv): Clock {
  const raw = env.ROLLOUT_TIME_OFFSET;
  const offset = raw === undefined || raw === '' ? 0 : Number(raw);
  if (!Number.isFinite(offset) || offset === 0) return systemClock;
  return { now: () => new Date(Date.now() + offset), wallNow: () => new Date(), sleep: systemClock.sleep };
}
