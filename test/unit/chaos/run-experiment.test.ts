import { describe, expect, it } from 'vitest';
import type { FaultDriver } from '../../../src/chaos/fault-driver.js';
import type { ProbeOutcome } from '../../../src/chaos/probe.js';
import { judgeRecovery, runExperiment } from '../../../src/chaos/run-experiment.js';
import type { ChaosExperiment } from '../../../src/chaos/types.js';
import { chaosExperiment } from '../../../src/config/schema.js';
import { createFakeClock, type FakeClock } from '../../../src/lifecycle/clock.js';

const experiment = (over: Record<string, unknown> = {}): ChaosExperiment =>
  chaosExperiment.parse({
    id: 'db-drop',
    title: 'DB drop',
    fault: { type: 'unavailable', listen: '127.0.0.1:1', target: '127.0.0.1:2' },
    duration: '5s',
    probe: { id: 'p', kind: 'http', url: 'http://127.0.0.1:1/health' },
    recoveryObjective: '30s',
    ...over,
  });

/** A driver that records calls and tells the probe whether the fault is active. */
function fakeDriver() {
  const calls: string[] = [];
  let active = false;
  const driver: FaultDriver = {
    describe: () => 'fake fault',
    prepare: async () => void calls.push('prepare'),
    inject: async () => {
      calls.push('inject');
      active = true;
    },
    remove: async () => {
      calls.push('remove');
      active = false;
    },
    close: async () => void calls.push('close'),
  };
  return { driver, calls, isActive: () => active };
}

/**
 * A probe whose answer depends on the fake clock: failing while the fault is active and for
 * `recoverAfterMs` after its removal; each probe takes `probeMs` of clock time.
 */
function clockProbe(clock: FakeClock, isActive: () => boolean, recoverAfterMs: number, probeMs = 20) {
  let removedAt: number | null = null;
  return async (): Promise<ProbeOutcome> => {
    const now = clock.now().getTime();
    clock.advance(probeMs);
    if (isActive()) {
      removedAt = null;
      return { status: 'fail', reason: 'HTTP 503', durationMs: probeMs };
    }
    if (removedAt === null) removedAt = now;
    return now - removedAt >= recoverAfterMs
      ? { status: 'pass', reason: 'HTTP 200', durationMs: probeMs }
      : { status: 'fail', reason: 'HTTP 503', durationMs: probeMs };
  };
}

describe('runExperiment', () => {
  it('passes when the probe holds a streak within the objective, and measures recovery from the fault end to the streak start', async () => {
    const clock = createFakeClock();
    const { driver, calls, isActive } = fakeDriver();
    // steady before: removedAt starts at the first probe, recoverAfter 0 → passes at once
    let recovering = false;
    const base = clockProbe(clock, isActive, 0);
    const slow = clockProbe(clock, isActive, 2_000);
    const probe = async () => (recovering || isActive() ? ((recovering = true), slow()) : base());
    const result = await runExperiment({ experiment: experiment(), driver, probe, clock, intervalMs: 250 });
    expect(result.verdict).toBe('pass');
    expect(calls).toEqual(['prepare', 'inject', 'remove', 'close']);
    expect(result.steady).toMatchObject({ passes: 3, fails: 0 });
    expect(result.recoveryMs).not.toBeNull();
    expect(result.recoveryMs as number).toBeGreaterThanOrEqual(2_000);
    expect(result.recoveryMs as number).toBeLessThan(2_600);
    expect(result.after.passes).toBe(3);
    expect(result.timeline.map((e) => e.event)).toEqual(expect.arrayContaining(['inject', 'remove', 'recovered']));
    expect(result.faultStartedAt).not.toBeNull();
    expect(
      Date.parse(result.faultEndedAt as string) - Date.parse(result.faultStartedAt as string),
    ).toBeGreaterThanOrEqual(5_000);
  });

  it('fails when the probe never passes a streak within the objective after the fault', async () => {
    const clock = createFakeClock();
    const { driver, calls, isActive } = fakeDriver();
    let injected = false;
    const probe = async (): Promise<ProbeOutcome> => {
      clock.advance(20);
      if (isActive()) injected = true;
      return injected
        ? { status: 'fail', reason: 'connection lost for good', durationMs: 20 }
        : { status: 'pass', reason: 'ok', durationMs: 20 };
    };
    const result = await runExperiment({ experiment: experiment({ recoveryObjective: '10s' }), driver, probe, clock });
    expect(result.verdict).toBe('fail');
    expect(result.recoveryMs).toBeNull();
    expect(result.reason).toMatch(/not recovered/);
    expect(calls.at(-2)).toBe('remove');
    expect(result.after.probes).toBeGreaterThan(10);
    expect(result.timeline.at(-1)?.event).toBe('objective-missed');
  });

  it('does not inject anything when the steady state does not hold first', async () => {
    const clock = createFakeClock();
    const { driver, calls } = fakeDriver();
    const probe = async (): Promise<ProbeOutcome> => {
      clock.advance(100);
      return { status: 'fail', reason: 'ECONNREFUSED', durationMs: 100 };
    };
    const result = await runExperiment({ experiment: experiment(), driver, probe, clock, steadyTimeoutMs: 2_000 });
    expect(result.verdict).toBe('not-steady');
    expect(result.reason).toMatch(/ECONNREFUSED/);
    expect(calls).toEqual(['prepare', 'close']);
    expect(result.faultStartedAt).toBeNull();
  });

  it('a flapping probe must pass `streak` times in a row: one pass between failures does not count', async () => {
    const clock = createFakeClock();
    const { driver, isActive } = fakeDriver();
    let afterFault = false;
    let n = 0;
    const pattern = ['pass', 'fail', 'pass', 'pass', 'fail', 'pass', 'pass', 'pass'] as const;
    const probe = async (): Promise<ProbeOutcome> => {
      clock.advance(10);
      if (isActive()) afterFault = true;
      if (!afterFault || isActive()) return { status: isActive() ? 'fail' : 'pass', reason: '', durationMs: 10 };
      return { status: pattern[Math.min(n++, pattern.length - 1)] as 'pass' | 'fail', reason: '', durationMs: 10 };
    };
    const result = await runExperiment({ experiment: experiment(), driver, probe, clock, intervalMs: 250 });
    expect(result.verdict).toBe('pass');
    // the streak starts at the 6th recovery probe: 5 probes of 10 ms + 5 intervals of 250 ms after the first
    expect(result.recoveryMs as number).toBeGreaterThanOrEqual(5 * 260);
  });

  it('removes the fault and closes the driver even when the probe throws', async () => {
    const clock = createFakeClock();
    const { driver, calls, isActive } = fakeDriver();
    const probe = async (): Promise<ProbeOutcome> => {
      clock.advance(10);
      if (isActive()) throw new Error('probe crashed');
      return { status: 'pass', reason: '', durationMs: 10 };
    };
    await expect(runExperiment({ experiment: experiment(), driver, probe, clock })).rejects.toThrow('probe crashed');
    expect(calls).toEqual(['prepare', 'inject', 'remove', 'close']);
  });

  it('an abort during the fault removes it at once and gives no verdict', async () => {
    const { driver, calls, isActive } = fakeDriver();
    const abort = new AbortController();
    const realClock = {
      now: () => new Date(),
      sleep: (ms: number, signal?: AbortSignal) =>
        new Promise<void>((r) => {
          const t = setTimeout(r, ms);
          signal?.addEventListener('abort', () => (clearTimeout(t), r()), { once: true });
        }),
    };
    const probe = async (): Promise<ProbeOutcome> => {
      if (isActive()) setTimeout(() => abort.abort(), 20);
      return { status: isActive() ? 'fail' : 'pass', reason: '', durationMs: 1 };
    };
    const result = await runExperiment({
      experiment: experiment({ duration: '1h' }),
      driver,
      probe,
      clock: realClock,
      signal: abort.signal,
      intervalMs: 10,
    });
    expect(result.verdict).toBe('aborted');
    expect(calls).toEqual(['prepare', 'inject', 'remove', 'close']);
    // The fault was removed on the abort, not at the end of its hour (the experiment's own timeline).
    expect(Date.parse(result.faultEndedAt as string) - Date.parse(result.faultStartedAt as string)).toBeLessThan(
      3_600_000,
    );
  });
});

describe('judgeRecovery', () => {
  it('passes at the objective, fails past it or without recovery, and gives no verdict when aborted', () => {
    expect(judgeRecovery(30_000, 30_000, 3, false).verdict).toBe('pass');
    expect(judgeRecovery(30_001, 30_000, 3, false).verdict).toBe('fail');
    expect(judgeRecovery(null, 30_000, 3, false).verdict).toBe('fail');
    expect(judgeRecovery(1, 30_000, 3, true).verdict).toBe('aborted');
  });
});
