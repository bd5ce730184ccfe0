/**
 * The verdict rules around the recovery measurement: traffic through the fault (NOT-EXERCISED),
 * the dependency being there at all, and the X-1 checks. Fake driver, probe and checks on a fake
 * clock; the real proxy, Redis and app are in test/integration/chaos/exercised.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { CheckRunner } from '../../../src/chaos/checks.js';
import { judgeExercise } from '../../../src/chaos/exercise.js';
import type { FaultDriver } from '../../../src/chaos/fault-driver.js';
import { runExperiment } from '../../../src/chaos/run-experiment.js';
import type { CheckResult, TrafficCounts } from '../../../src/chaos/types.js';
import { chaosExperiment } from '../../../src/config/schema.js';
import { createFakeClock } from '../../../src/lifecycle/clock.js';

const experiment = chaosExperiment.parse({
  id: 'redis-unavailable',
  title: 'Redis unavailability',
  fault: { type: 'unavailable', listen: '127.0.0.1:16379', target: '127.0.0.1:6379' },
  duration: '2s',
  probe: { id: 'p', kind: 'http', url: 'http://127.0.0.1:1/health' },
});

/** A driver whose proxy counts what `sendDuringFault` says the application sends while the fault is on. */
function countingDriver(options: { sendDuringFault: boolean; targetProblem?: string }) {
  const counts: TrafficCounts = { connections: 0, bytesFromClients: 0, bytesFromTarget: 0 };
  let active = false;
  const calls: string[] = [];
  const driver: FaultDriver = {
    describe: () => 'fake unavailable',
    prepare: async () => void calls.push('prepare'),
    inject: async () => {
      calls.push('inject');
      active = true;
    },
    remove: async () => {
      active = false;
    },
    close: async () => undefined,
    checkTarget: async () => options.targetProblem ?? null,
    traffic: () => ({ ...counts }),
  };
  // every probe is one request of the application through the proxy (or past it)
  const probe = async () => {
    if (!active || options.sendDuringFault) {
      counts.connections += 1;
      counts.bytesFromClients += 10;
    }
    return { status: 'pass' as const, reason: 'HTTP 200', durationMs: 5 };
  };
  return { driver, probe, calls, counts };
}

function fakeCheck(
  id: string,
  outcome: { before?: string; verdict?: CheckResult['verdict'] } = {},
): CheckRunner & {
  phases: string[];
} {
  const phases: string[] = [];
  return {
    id,
    phases,
    before: async () => (phases.push('before'), outcome.before ?? null),
    during: async () => void phases.push('during'),
    after: async () => void phases.push('after'),
    result: () => ({
      id,
      kind: 'write-read',
      verdict: outcome.verdict ?? 'pass',
      reason: outcome.verdict === 'fail' ? 'acknowledged write k1 is gone (HTTP 404)' : 'ok',
      counts: {},
    }),
  };
}

const run = (driver: FaultDriver, probe: () => Promise<never> | Promise<unknown>, checks: CheckRunner[] = []) =>
  runExperiment({
    experiment,
    driver,
    probe: probe as never,
    clock: createFakeClock(),
    intervalMs: 250,
    checks,
  });

describe('exercised faults and X-1 checks', () => {
  it('traffic through the proxy during the fault: PASS, with the counts per phase', async () => {
    const { driver, probe } = countingDriver({ sendDuringFault: true });
    const result = await run(driver, probe);
    expect(result.verdict).toBe('pass');
    expect(result.traffic?.steady.connections).toBe(3);
    expect(result.traffic?.during.connections).toBe(result.during.probes);
    expect(result.traffic?.after.connections).toBe(3);
  });

  it('no traffic during the fault: NOT-EXERCISED, never PASS, although every probe passed', async () => {
    const { driver, probe } = countingDriver({ sendDuringFault: false });
    const result = await run(driver, probe);
    expect(result.during.fails).toBe(0);
    expect(result.verdict).toBe('not-exercised');
    expect(result.reason).toMatch(/sent nothing through the fault proxy during the fault/);
    expect(result.timeline.map((e) => e.event)).toContain('not-exercised');
  });

  it('nothing listening on the target: NOT-EXERCISED before anything is injected', async () => {
    const { driver, probe, calls } = countingDriver({ sendDuringFault: true, targetProblem: 'nothing on 6379' });
    const result = await run(driver, probe);
    expect(result.verdict).toBe('not-exercised');
    expect(calls).toEqual(['prepare']);
    expect(result.faultStartedAt).toBeNull();
    expect(result.reason).toContain('nothing on 6379');
  });

  it('a check failing before the fault: NOT-STEADY, nothing injected, the later checks not even started', async () => {
    const { driver, probe, calls } = countingDriver({ sendDuringFault: true });
    const first = fakeCheck('draft', { before: 'check draft: the write before the fault was not acknowledged' });
    const second = fakeCheck('journey');
    const result = await run(driver, probe, [first, second]);
    expect(result.verdict).toBe('not-steady');
    expect(result.reason).toContain('the write before the fault was not acknowledged');
    expect(calls).toEqual(['prepare']);
    expect(second.phases).toEqual([]);
  });

  it('checks run before, during (once per probe) and after; a failed check fails a recovered run', async () => {
    const { driver, probe } = countingDriver({ sendDuringFault: true });
    const check = fakeCheck('draft', { verdict: 'fail' });
    const result = await run(driver, probe, [check]);
    expect(check.phases[0]).toBe('before');
    expect(check.phases.filter((p) => p === 'during')).toHaveLength(result.during.probes);
    expect(check.phases.at(-1)).toBe('after');
    expect(result.recoveryMs).not.toBeNull();
    expect(result.verdict).toBe('fail');
    expect(result.reason).toBe('check draft: acknowledged write k1 is gone (HTTP 404)');
    expect(result.checks).toEqual([expect.objectContaining({ id: 'draft', verdict: 'fail' })]);
  });

  it('judgeExercise: an idle fault keeps a FAIL a FAIL (with a note) and leaves other verdicts alone', () => {
    const zero = { connections: 0, bytesFromClients: 0, bytesFromTarget: 0 };
    const idle = { steady: { ...zero, connections: 2 }, during: zero, after: zero };
    const failed = judgeExercise({ verdict: 'fail', reason: 'not recovered' }, [], idle, '127.0.0.1:1');
    expect(failed.verdict).toBe('fail');
    expect(failed.reason).toMatch(/^not recovered \(note: .*made no request while it was on\)$/);
    expect(judgeExercise({ verdict: 'not-steady', reason: 'x' }, [], idle, undefined).verdict).toBe('not-steady');
    // no proxy (memory pressure): nothing to count, the probe's verdict stands
    expect(judgeExercise({ verdict: 'pass', reason: 'ok' }, [], null, undefined).verdict).toBe('pass');
    // bytes on a connection opened before the fault count as exercise
    const busy = { steady: zero, during: { ...zero, bytesFromClients: 1 }, after: zero };
    expect(judgeExercise({ verdict: 'pass', reason: 'ok' }, [], busy, undefined).verdict).toBe('pass');
  });
});
