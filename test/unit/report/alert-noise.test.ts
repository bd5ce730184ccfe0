import { describe, expect, it } from 'vitest';
import { configSchema } from './outcome-fixture.js';
import { AlertNoiseTally, isAALevel } from '../../../src/report/alert-noise.js';
import type { AuditEntry } from '../../../src/state/store.js';

/** Audit events as the report builder sees them; the plan is the repository plan's canary and triggers. */
const config = configSchema();
const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const source = (commit: string | null, planHash = 'plan-1') => ({ planHash, commit });

/** An audit entry as the log holds it (what the tally reads). */
function audit(op: string, data: Record<string, unknown> = {}): AuditEntry {
  return { v: 1, seq: 0, ts: '2026-05-01T00:00:00.000Z', actor: 'ci', op, data, prev: '', hash: '' };
}
const advance = (commit: string | null, planHash?: string) => audit('advance', { source: source(commit, planHash) });
const retry = (commit: string | null, planHash?: string) => audit('retry', { source: source(commit, planHash) });
/** A watch rollback on the error-rate trigger with the canary and baseline rates it saw. */
const watchRollback = (canary: number, baseline: number) =>
  audit('rollback', {
    trigger: 'error-rate',
    evidence: { trigger: { id: 'error-rate', value: canary, baseline, comparison: 'above', kind: 'ratio' } },
  });
const alert = (value: number | null, baseline: number | null) =>
  audit('watch:alert', { triggers: [{ id: 'fund-setup', value, baseline, comparison: 'below', kind: 'ratio' }] });

function run(events: AuditEntry[]) {
  const tally = new AlertNoiseTally(config);
  for (const e of events) tally.push(e);
  return tally.finish();
}

describe('alert noise: alerts and automatic rollbacks later judged false', () => {
  it.each([
    {
      name: 'no alert at all: rate null, nothing to judge',
      events: [advance(A), advance(A)],
      expected: { total: 0, rate: null, upper: null },
    },
    {
      name: 'a rollback retried without a fix (same plan hash and commit) is false',
      events: [advance(A), watchRollback(0.05, 0.01), retry(A)],
      expected: { rollbacks: 1, falseWithoutFix: 1, rate: 1 },
    },
    {
      name: 'a rollback retried after a fix (new commit) stands',
      events: [advance(A), watchRollback(0.05, 0.01), retry(B)],
      expected: { rollbacks: 1, falseWithoutFix: 0, rate: 0 },
    },
    {
      name: 'a rollback retried with an edited plan (same commit) stands: the plan was the fix',
      events: [advance(A, 'plan-1'), watchRollback(0.05, 0.01), retry(A, 'plan-2')],
      expected: { falseWithoutFix: 0, rate: 0 },
    },
    {
      name: 'commit unknown on either side: undetermined, and the upper bound says how bad it could be',
      events: [advance(null), watchRollback(0.05, 0.01), retry(null)],
      expected: { undetermined: 1, rate: 0, upper: 1 },
    },
    {
      name: 'a rollback never retried stays a real one',
      events: [advance(A), watchRollback(0.05, 0.01)],
      expected: { rollbacks: 1, rate: 0, upper: 0 },
    },
    {
      name: 'an A/A-level rollback (canary within the 10 % tolerance of the baseline) is false at once',
      events: [advance(A), watchRollback(0.0105, 0.01)],
      expected: { falseByLevel: 1, rate: 1 },
    },
    {
      name: 'a rollback an operator started (no trigger) is not an alert',
      events: [advance(A), audit('rollback', { mode: 'immediate' }), retry(A)],
      expected: { total: 0, rate: null },
    },
    {
      name: 'an alert followed by an advance without a fix is false; one 20 % worse than baseline then fixed stands',
      events: [advance(A), alert(0.8, 0.97), advance(A), alert(0.8, 0.97), advance(B)],
      expected: { alerts: 2, falseWithoutFix: 1, rate: 0.5 },
    },
    {
      name: 'an alert whose canary is as good as the baseline is A/A-level',
      events: [advance(A), alert(0.96, 0.97)],
      expected: { alerts: 1, falseByLevel: 1, rate: 1 },
    },
    {
      name: 'NaN values are never A/A-level: judged by what follows',
      events: [advance(A), alert(Number.NaN, 0.97), advance(B)],
      expected: { alerts: 1, falseByLevel: 0, rate: 0 },
    },
    {
      name: '19 real rollbacks and one false: 5 %',
      events: [
        ...Array.from({ length: 19 }, (_, i) => [
          advance(A),
          watchRollback(0.05, 0.01),
          retry(String(i).padStart(40, 'c')),
        ]).flat(),
        advance(A),
        watchRollback(0.05, 0.01),
        retry(A),
      ],
      expected: { rollbacks: 20, falseWithoutFix: 1, rate: 0.05 },
    },
  ])('$name', ({ events, expected }) => {
    expect(run(events)).toMatchObject(expected);
  });

  it('a stage-end rollback is A/A-level only when every metric that rolled back was', () => {
    const stageEnd = (canary: number) =>
      audit('rollback', {
        trigger: 'stage-end:error_rate',
        evidence: {
          verdict: 'fail',
          metrics: [{ id: 'error_rate', verdict: 'fail', canary: { value: canary }, baseline: { value: 0.025 } }],
        },
      });
    // Both arms above the 2 % absolute limit, the canary no worse: the baseline is just as bad.
    expect(run([advance(A), stageEnd(0.026)])).toMatchObject({ falseByLevel: 1 });
    expect(run([advance(A), stageEnd(0.04)])).toMatchObject({ falseByLevel: 0, rollbacks: 1 });
  });

  it('a checkpoint (data) continues where it stopped, with the same result', () => {
    const events = [advance(A), watchRollback(0.05, 0.01), retry(A), alert(0.8, 0.97), advance(A)];
    const first = new AlertNoiseTally(config);
    events.slice(0, 2).forEach((e) => first.push(e));
    const resumed = new AlertNoiseTally(config, structuredClone(first.data()));
    events.slice(2).forEach((e) => resumed.push(e));
    expect(resumed.finish()).toEqual(run(events));
  });

  it.each([
    [0.011, 0.01, true, 0.1, true],
    [0.0111, 0.01, true, 0.1, false],
    [0.9, 1, false, 0.1, true],
    [0.89, 1, false, 0.1, false],
    [Number.NaN, 0.01, true, 0.1, false],
    [0.01, Number.POSITIVE_INFINITY, true, 0.1, false],
    [null, 0.01, true, 0.1, false],
  ])('isAALevel(%s, %s, lower %s, tol %s) = %s', (canary, baseline, lower, tol, expected) => {
    expect(isAALevel(canary, baseline, lower, tol)).toBe(expected);
  });
});
