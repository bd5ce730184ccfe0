import { createFakeClock, type Clock } from '../lifecycle/clock.js';
import { MINUTE_MS } from './traffic-ledger.js';

/**
 * The demo's clock. Time passes in two ways: `sleep` (what `watch` and every other waiting caller
 * uses) lets the simulated application serve traffic for each whole minute that goes by; `jump`
 * skips ahead without traffic, which is how a 7-day bake takes no time: only the hours before each
 * decision are simulated, and the demo says so.
 */
export interface SimulationClock extends Clock {
  /** Moves time forward with no traffic (the counters have a gap there). */
  jump(ms: number): void;
  /** Moves time forward while the application serves every minute on the way. */
  simulate(ms: number): Promise<void>;
  /** Whole minutes of traffic simulated so far. */
  readonly simulatedMinutes: number;
}

/** `start` is rounded down to a whole minute so that every simulated minute is a counter bucket. */
export function createSimulationClock(start: Date, serveMinute: (endMs: number) => Promise<void>): SimulationClock {
  const fake = createFakeClock(new Date(Math.floor(start.getTime() / MINUTE_MS) * MINUTE_MS));
  let servedUntil = fake.now().getTime();
  let minutes = 0;
  const catchUp = async () => {
    const now = fake.now().getTime();
    while (servedUntil + MINUTE_MS <= now) {
      servedUntil += MINUTE_MS;
      minutes += 1;
      await serveMinute(servedUntil);
    }
  };
  const sleep = async (ms: number) => {
    fake.advance(Math.max(0, ms));
    await catchUp();
  };
  return {
    now: () => fake.now(),
    sleep,
    simulate: sleep,
    jump(ms) {
      fake.advance(Math.max(0, ms));
      servedUntil = Math.floor(fake.now().getTime() / MINUTE_MS) * MINUTE_MS;
    },
    get simulatedMinutes() {
      return minutes;
    },
  };
}
