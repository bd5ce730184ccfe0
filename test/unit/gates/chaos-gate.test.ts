/**
 * The `chaos` gate reads the runs `rollout chaos run` recorded: fresh passes count; a missing,
 * stale, failed, not-exercised, hand-edited, damaged or out-of-date record fails the gate with the
 * reason. Records are written by the real `recordResult` into a temporary directory.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { recordResult, resultFile } from '../../../src/chaos/results.js';
import type { ChaosExperiment, ExperimentResult } from '../../../src/chaos/types.js';
import { chaosExperiment, type GateConfig } from '../../../src/config/schema.js';
import { runGate } from '../../../src/gates/run-gate.js';
import type { GateContext } from '../../../src/gates/types.js';
import { createFakeClock } from '../../../src/lifecycle/clock.js';

const HOUR = 3600_000;
const experiment = (id: string, duration = '5s'): ChaosExperiment =>
  chaosExperiment.parse({
    id,
    title: id,
    fault: { type: 'unavailable', listen: '127.0.0.1:16379', target: '127.0.0.1:6379' },
    duration,
    probe: { id: 'p', kind: 'http', urlEnv: 'APP_BASE_URL', path: '/health' },
  });

function result(id: string, verdict: ExperimentResult['verdict'], at: Date): ExperimentResult {
  const summary = { probes: 3, passes: 3, fails: 0, inconclusive: 0, maxProbeMs: 4 };
  return {
    id,
    title: id,
    fault: 'unavailable',
    verdict,
    reason: verdict === 'pass' ? 'recovered in 1.2s (objective 30s)' : 'not exercised: the application sent nothing',
    durationMs: 5000,
    recoveryObjectiveMs: 30_000,
    streak: 3,
    intervalMs: 250,
    startedAt: at.toISOString(),
    faultStartedAt: at.toISOString(),
    faultEndedAt: new Date(at.getTime() + 5000).toISOString(),
    recoveryMs: verdict === 'pass' ? 1200 : null,
    steady: summary,
    during: summary,
    after: summary,
    traffic: null,
    checks: [],
    timeline: [],
  };
}

async function setup() {
  const dir = await mkdtemp(path.join(tmpdir(), 'rollout-chaos-gate-'));
  const clock = createFakeClock(new Date('2026-03-01T12:00:00Z'));
  const experiments = [experiment('db-drop'), experiment('redis-down')];
  const ctx = { clock, redact: (s: string) => s, chaos: { dir, experiments } } as unknown as GateContext;
  const gate = (ids = ['db-drop', 'redis-down'], maxAge = '7d'): GateConfig => ({
    id: 'chaos-passed',
    kind: 'chaos',
    experiments: ids,
    maxAge,
  });
  const record = (x: ChaosExperiment, verdict: ExperimentResult['verdict'] = 'pass') =>
    recordResult(dir, x, result(x.id, verdict, clock.now()), clock.now());
  return { dir, clock, experiments, ctx, gate, record };
}

describe('chaos gate', () => {
  it('passes on fresh passing runs of every experiment, naming when each ran', async () => {
    const { ctx, gate, record, experiments, clock } = await setup();
    for (const x of experiments) await record(x);
    clock.advance(HOUR);
    const r = await runGate(gate(), ctx);
    expect(r.verdict, r.summary).toBe('pass');
    expect(r.summary).toContain('2 chaos experiments passed: db-drop (2026-03-01T12:00:00.000Z)');
    expect(r.evidence.observed).toBe('2/2 passing');
  });

  it('fails when an experiment never ran here, naming the command to run', async () => {
    const { ctx, gate, record, experiments } = await setup();
    await record(experiments[0] as ChaosExperiment);
    const r = await runGate(gate(), ctx);
    expect(r).toMatchObject({ verdict: 'fail', reason: 'chaos-missing' });
    expect(r.summary).toBe('redis-down: never run here');
    expect(r.hint).toContain('rollout chaos run redis-down');
  });

  it('fails on a run older than maxAge (stale), and passes again inside it', async () => {
    const { ctx, gate, record, experiments, clock } = await setup();
    for (const x of experiments) await record(x);
    clock.advance(7 * 24 * HOUR + 1000);
    const r = await runGate(gate(), ctx);
    expect(r).toMatchObject({ verdict: 'fail', reason: 'chaos-stale' });
    expect(r.summary).toMatch(/db-drop: last run 7d.* ago \(2026-03-01T12:00:00\.000Z\), older than 7d/);
    expect((await runGate(gate(undefined, '30d'), ctx)).verdict).toBe('pass');
  });

  it('fails on a FAIL or NOT-EXERCISED latest run, with its reason', async () => {
    const { ctx, gate, record, experiments } = await setup();
    await record(experiments[0] as ChaosExperiment, 'fail');
    await record(experiments[1] as ChaosExperiment, 'not-exercised');
    const r = await runGate(gate(), ctx);
    expect(r).toMatchObject({ verdict: 'fail', reason: 'chaos-failed' });
    expect(r.summary).toContain('db-drop: FAIL');
    expect(r.summary).toContain('redis-down: NOT-EXERCISED — not exercised: the application sent nothing');
    const only = await runGate(gate(['redis-down']), ctx);
    expect(only.reason).toBe('chaos-not-exercised');
  });

  it('fails when the experiment changed in the plan after its run (a run of the old definition)', async () => {
    const { gate, record, experiments, dir, clock } = await setup();
    for (const x of experiments) await record(x);
    const changed = {
      clock,
      redact: (s: string) => s,
      chaos: { dir, experiments: [experiment('db-drop', '1s'), experiments[1]] },
    };
    const r = await runGate(gate(), changed as unknown as GateContext);
    expect(r).toMatchObject({ verdict: 'fail', reason: 'chaos-changed' });
    expect(r.summary).toContain('db-drop: the experiment changed in the plan after its last run');
  });

  it('a hand-edited record (FAIL turned into PASS) fails the gate as corrupt, not as a pass', async () => {
    const { ctx, gate, record, experiments, dir } = await setup();
    await record(experiments[0] as ChaosExperiment, 'fail');
    await record(experiments[1] as ChaosExperiment);
    const file = resultFile(dir, 'db-drop');
    await writeFile(file, (await readFile(file, 'utf8')).replace('"verdict": "fail"', '"verdict": "pass"'));
    const r = await runGate(gate(), ctx);
    expect(r).toMatchObject({ verdict: 'fail', reason: 'chaos-corrupt' });
    expect(r.summary).toContain(`db-drop: the recorded result ${file} does not match its digest`);
  });

  it.each([
    ['cut short', (t: string) => t.slice(0, t.length / 2), /is not valid JSON/],
    ['not a record', () => '[1, 2]', /is not a chaos result record/],
    ['a NaN-like verdict', (t: string) => t.replace('"verdict": "pass"', '"verdict": null'), /result\.verdict/],
    ['empty', () => '', /is not valid JSON/],
    [
      'a record of another experiment',
      (t: string) => t.replaceAll('"redis-down"', '"db-drop"'),
      /does not match its digest|records experiment/,
    ],
  ])('a damaged record (%s) fails the gate with the file named', async (_, damage, message) => {
    const { ctx, gate, record, experiments, dir } = await setup();
    for (const x of experiments) await record(x);
    const file = resultFile(dir, 'redis-down');
    await writeFile(file, damage(await readFile(file, 'utf8')));
    const r = await runGate(gate(), ctx);
    expect(r).toMatchObject({ verdict: 'fail', reason: 'chaos-corrupt' });
    expect(r.summary).toMatch(message);
    expect(r.summary).toContain(file);
  });

  it('a record dated in the future does not count', async () => {
    const { ctx, gate, record, experiments, clock } = await setup();
    for (const x of experiments) await record(x);
    clock.advance(-2 * HOUR);
    const r = await runGate(gate(), ctx);
    expect(r).toMatchObject({ verdict: 'fail', reason: 'chaos-corrupt' });
    expect(r.summary).toContain("in the future: check this machine's clock");
  });
});
