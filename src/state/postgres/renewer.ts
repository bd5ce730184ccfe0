import type { LeaseHandle } from './lease.js';

/**
 * Renews held leases in the background. The timers are unref'd so they never keep a finished CLI
 * alive, and a failed renewal is not an error here: a renewal that cannot reach the database leaves
 * the lease to expire, and the fencing check in the next write reports the loss (`LockLostError`).
 */
export class LeaseRenewer {
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly everyMs: number,
    private readonly renew: (handle: LeaseHandle) => Promise<boolean>,
  ) {}

  start(handle: LeaseHandle): void {
    this.stop(handle.token);
    let running = false;
    const timer = setInterval(() => {
      if (running) return; // a slow renewal must not pile up behind itself
      running = true;
      this.renew(handle)
        .then((held) => {
          if (!held) this.stop(handle.token);
        })
        .catch(() => undefined)
        .finally(() => (running = false));
    }, this.everyMs);
    timer.unref();
    this.timers.set(handle.token, timer);
  }

  stop(token: string): void {
    clearInterval(this.timers.get(token));
    this.timers.delete(token);
  }

  stopAll(): void {
    for (const token of [...this.timers.keys()]) this.stop(token);
  }
}
