import { rm } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

interface DemoDoc {
  ok: boolean;
  exitCode: number;
  result: {
    simulated: boolean;
    seed: number;
    dir: string;
    stagesReached: string[];
    steps: Array<{ at: string; step: string; outcome: string; exitCode: number; detail: string }>;
    regression: { stage: string; percent: number; variant: string } | null;
    detection: {
      detected: boolean;
      trigger: string | null;
      minutes: number | null;
      requestsSinceInjection: Record<string, number>;
    };
    watch: { exitCode: number; stop: string } | null;
    rollback: { ok: boolean; mode: string } | null;
    afterRollback: { requests: Record<string, number> } | null;
    finalFlag: {
      allFallback: boolean;
      usersOnNewVariant: number;
      users: Array<{ variant: string | null; reason: string }>;
    };
    audit: { verified: boolean; ops: string[] };
    traffic: { requests: Record<string, number> };
  };
}

/** What must not change between two runs with the same seed (times of day, counts, verdicts). */
function decisions(doc: DemoDoc) {
  const r = doc.result;
  return {
    steps: r.steps.map(({ at, step, outcome, exitCode, detail }) => ({
      at,
      step,
      outcome,
      exitCode,
      detail: detail.replace(/rollback [0-9a-f-]{36}/, 'rollback <id>'),
    })),
    detection: r.detection,
    traffic: r.traffic,
    stages: r.stagesReached,
  };
}

describe('rollout demo', () => {
  it('runs a simulated release: the regression at 25 % is caught by the error-rate trigger and rolled back; same seed, same run', async () => {
    const first = await runCli(['demo', '--seed', '7', '--json'], { timeoutMs: 150_000 });
    expect(first.code, first.stderr.slice(-2000)).toBe(0);
    const doc = first.json<DemoDoc>();
    const r = doc.result;
    expect(doc).toMatchObject({ ok: true, exitCode: 0 });
    expect(r.simulated).toBe(true);
    expect(r.seed).toBe(7);
    expect(r.stagesReached).toEqual(['week-1', 'week-2', 'week-3']);
    expect(r.steps.find((s) => s.step === 'preflight P0')).toMatchObject({ outcome: 'pass', exitCode: 0 });
    expect(r.steps.filter((s) => s.step === 'advance').map((s) => s.outcome)).toEqual(Array(5).fill('advanced')); // P0 → P1 → P2 → 1 % → 5 % → 25 %;
    expect(r.regression).toMatchObject({ stage: 'week-3', percent: 25, variant: 'reserves_v1.1' });
    expect(r.detection).toMatchObject({ detected: true, trigger: 'error-rate' });
    expect(r.detection.minutes).toBeGreaterThan(0);
    expect(r.detection.requestsSinceInjection['reserves_v1.1']).toBeGreaterThan(0);
    expect(r.watch).toMatchObject({ exitCode: 4, stop: 'rollback' });
    expect(r.rollback).toMatchObject({ ok: true, mode: 'immediate' });
    expect(r.afterRollback?.requests['reserves_v1.1']).toBe(0);
    expect(r.finalFlag.allFallback).toBe(true);
    expect(r.finalFlag.usersOnNewVariant).toBe(0);
    expect(r.finalFlag.users.every((u) => u.variant === 'reserves_v1.0' && u.reason === 'kill-switch')).toBe(true);
    expect(r.audit.verified).toBe(true);
    expect(r.audit.ops).toEqual(expect.arrayContaining(['preflight', 'signoff', 'advance', 'rollback']));
    expect(first.stderr).toContain('REGRESSION INJECTED');

    const second = await runCli(['demo', '--seed', '7', '--json'], { timeoutMs: 150_000 });
    expect(second.code).toBe(0);
    expect(decisions(second.json<DemoDoc>())).toEqual(decisions(doc));
  }, 320_000);

  it('the human output says it is simulated and tells the story; --keep leaves a project the CLI can inspect', async () => {
    const run = await runCli(['demo', '--seed', '7', '--keep'], { timeoutMs: 150_000 });
    expect(run.code, run.stderr.slice(-2000)).toBe(0);
    expect(run.stdout).toMatch(/SIMULATED release/);
    expect(run.stdout).toMatch(/Detected by trigger error-rate after \d+ simulated minutes/);
    expect(run.stdout).toContain('audit log verifies');
    expect(run.stderr).toMatch(/\(simulated\) rollout advance → advanced/);
    expect(run.stderr).toContain('[notify]');
    const dir = /Project: (\S+) \(kept\)/.exec(run.stdout)?.[1];
    expect(dir).toBeDefined();
    try {
      const status = await runCli(['status', '--json'], { cwd: dir as string });
      expect(status.json<{ result: { status: string } }>().result.status).toBe('rolled-back');
      expect((await runCli(['log', '--verify'], { cwd: dir as string })).code).toBe(0);
      const evalRun = await runCli(
        ['flags', 'eval', 'reserves_v1.1', '--key', 'user-00001', '--group', 'internal', '--json'],
        { cwd: dir as string },
      );
      expect(evalRun.json<{ result: { variant: string; reason: string } }>().result).toMatchObject({
        variant: 'reserves_v1.0',
        reason: 'kill-switch',
      });
    } finally {
      await rm(dir as string, { recursive: true, force: true });
    }
  }, 200_000);

  it('refuses a seed that is not a whole number (usage error)', async () => {
    const run = await runCli(['demo', '--seed', 'abc']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--seed');
  });
});
