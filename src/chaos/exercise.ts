import type { FaultDriver } from './fault-driver.js';
import type { CheckResult, ExperimentResult, TrafficCounts, TrafficSummary } from './types.js';

const ZERO: TrafficCounts = { connections: 0, bytesFromClients: 0, bytesFromTarget: 0 };

function subtract(a: TrafficCounts, b: TrafficCounts): TrafficCounts {
  return {
    connections: a.connections - b.connections,
    bytesFromClients: a.bytesFromClients - b.bytesFromClients,
    bytesFromTarget: a.bytesFromTarget - b.bytesFromTarget,
  };
}

/** Snapshots of the proxy's counters at the phase boundaries; null for a fault without a proxy. */
export function createTrafficMeter(driver: FaultDriver) {
  const marks: TrafficCounts[] = [];
  return {
    mark: () => driver.traffic && marks.push(driver.traffic()),
    summary(): TrafficSummary | null {
      if (!driver.traffic) return null;
      const now = driver.traffic();
      const [injected = now, removed = now] = marks;
      return { steady: subtract(injected, ZERO), during: subtract(removed, injected), after: subtract(now, removed) };
    },
  };
}

/**
 * The verdict after the checks and the traffic are taken into account: a failed check fails a
 * recovered run; a fault nobody ran into (no connection, no byte from the application during the
 * window) cannot pass, whatever the probe said.
 */
export function judgeExercise(
  base: { verdict: ExperimentResult['verdict']; reason: string },
  checks: CheckResult[],
  traffic: TrafficSummary | null,
  listen: string | undefined,
): { verdict: ExperimentResult['verdict']; reason: string } {
  if (base.verdict !== 'pass' && base.verdict !== 'fail') return base;
  const idle = traffic !== null && traffic.during.connections === 0 && traffic.during.bytesFromClients === 0;
  if (idle) {
    const hint =
      traffic.steady.connections === 0
        ? ` nor before it: does the application connect to ${listen ?? 'fault.listen'}?`
        : '; the application may hold no connection open and made no request while it was on';
    const idleReason = `the application sent nothing through the fault proxy during the fault${hint}`;
    if (base.verdict === 'pass') return { verdict: 'not-exercised', reason: `not exercised: ${idleReason}` };
    return { verdict: 'fail', reason: `${base.reason} (note: ${idleReason})` };
  }
  const failed = checks.filter((c) => c.verdict !== 'pass');
  if (base.verdict === 'pass' && failed.length > 0)
    return { verdict: 'fail', reason: failed.map((c) => `check ${c.id}: ${c.reason}`).join('; ') };
  return base;
}
