import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { scoreAccuracy } from '../../../engines/golden/index.js';
import type { GateConfig } from '../../../src/config/schema.js';
import type { HotPathEvidence } from '../../../src/gates/perf-budget-gate.js';
import { runGate } from '../../../src/gates/run-gate.js';
import { gateContext } from '../../unit/gates/context.js';

describe("property gates run the engines' suites", () => {
  it('pass when every property holds, with the seed to replay the run', async () => {
    const r = await runGate({ id: 'inv', kind: 'property', engine: 'reserves', runs: 5, seed: 42 }, gateContext());
    expect(r).toMatchObject({ verdict: 'pass', reason: 'ok', evidence: { details: { seed: 42, runs: 5, failed: 0 } } });
    expect(r.evidence.source).toBe('rollout verify --engine reserves --seed 42 --runs 5');
  });

  it('judge the golden accuracy delta against minAccuracyDelta', async () => {
    const { delta } = scoreAccuracy({ engine: 'pacing' });
    const gate = (min: number): GateConfig => ({
      id: 'acc',
      kind: 'property',
      engine: 'pacing',
      runs: 2,
      seed: 1,
      minAccuracyDelta: min,
    });
    const atDelta = await runGate(gate(delta), gateContext());
    expect(atDelta).toMatchObject({ verdict: 'pass', evidence: { observed: { delta } } });
    const above = await runGate(gate(delta + 0.01), gateContext());
    expect(above).toMatchObject({ verdict: 'fail', reason: 'accuracy' });
  });

  it('judge the error-based improvement of v1.1 over v1.0 against minAccuracyImprovement', async () => {
    const { improvement } = scoreAccuracy({ engine: 'pacing' });
    expect(improvement).toBeGreaterThan(0.1);
    const gate = (min: number): GateConfig => ({
      id: 'acc',
      kind: 'property',
      engine: 'pacing',
      runs: 2,
      seed: 1,
      minAccuracyImprovement: min,
    });
    const atTarget = await runGate(gate(0.1), gateContext());
    expect(atTarget).toMatchObject({ verdict: 'pass', evidence: { observed: { improvement } } });
    expect(atTarget.summary).toMatch(/accuracy \+44\.1 % over v1\.0/);
    const above = await runGate(gate((improvement ?? 0) + 0.001), gateContext());
    expect(above).toMatchObject({ verdict: 'fail', reason: 'accuracy' });
    expect(above.summary).toMatch(/^accuracy improvement \+44\.1 % < \+44\.2 % over v1\.0/);
  });
});

describe("perf-budget gates measure the engines' hot paths", () => {
  let dir: string;
  const budget = (file: string, hotPaths: Record<string, number>) =>
    writeFile(path.join(dir, file), JSON.stringify({ hotPaths }));
  const gate = (file: string): GateConfig => ({ id: 'perf', kind: 'perf-budget', budget: file, runs: 1 });

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'rollout-perf-'));
    await budget('generous.json', {
      'reserve-worker.ts': 60_000,
      'pacing-worker.ts': 60_000,
      'cohort-worker.ts': 60_000,
      'unknown-worker.ts': 5,
    });
    await budget('tiny.json', { 'reserve-worker.ts': 0.000001, 'pacing-worker.ts': 60_000 });
    await budget('empty.json', {});
    await budget('own.json', { 'src/checkout.ts': 50, 'src/search.ts': 20 });
  });

  it('pass within budget, with median, budget and ratio per hot path and model', async () => {
    const r = await runGate(gate('generous.json'), gateContext({ planDir: dir }));
    expect(r.verdict).toBe('pass');
    const rows = r.evidence.details?.hotPaths as HotPathEvidence[];
    expect(rows.map((x) => `${x.hotPath} ${x.model}`)).toEqual([
      'reserve-worker.ts v1.0',
      'reserve-worker.ts v1.1',
      'pacing-worker.ts v1.0',
      'pacing-worker.ts v1.1',
      'cohort-worker.ts v1.0',
      'cohort-worker.ts v1.1',
    ]);
    for (const row of rows) {
      expect(row.medianMs).toBeGreaterThan(0);
      expect(row.budgetMs).toBe(60_000);
      expect(row.ratio).toBeCloseTo(row.medianMs / 60_000, 3);
    }
    expect(r.evidence.details?.unmeasured).toEqual(['unknown-worker.ts']);
  });

  it('fail over budget, naming the hot path; paths without a budget are shown but not judged', async () => {
    const r = await runGate(gate('tiny.json'), gateContext({ planDir: dir }));
    expect(r).toMatchObject({ verdict: 'fail', reason: 'over-budget' });
    expect(r.summary).toMatch(
      /^over budget: reserve-worker\.ts v1\.0 [\d.]+ms > 0\.000001ms, reserve-worker\.ts v1\.1/,
    );
    expect(r.summary).not.toContain('pacing');
    const cohort = (r.evidence.details?.hotPaths as HotPathEvidence[]).find((x) => x.hotPath === 'cohort-worker.ts');
    expect(cohort).toMatchObject({ budgetMs: null, ratio: null });
  });

  it('regression: the first passing run is accepted; a run slower than the accepted one fails; a corrupt baseline fails naming it', async () => {
    const regression = (minRelativeChange: number): GateConfig => ({
      id: 'perf',
      kind: 'perf-budget',
      budget: 'generous.json',
      runs: 9,
      regression: { baseline: 'accepted.json', alpha: 0.01, minRelativeChange },
    });
    const first = await runGate(regression(0.1), gateContext({ planDir: dir }));
    expect(first).toMatchObject({ verdict: 'pass' });
    expect(first.summary).toContain('first accepted run recorded in accepted.json');
    const accepted = JSON.parse(await readFile(path.join(dir, 'accepted.json'), 'utf8')) as {
      samples: Record<string, number[]>;
    };
    expect(Object.keys(accepted.samples)).toHaveLength(6);
    expect(Object.values(accepted.samples).every((s) => s.length === 9)).toBe(true);

    // An accepted run far slower than today's code: no regression, and this run becomes the accepted one.
    // (Timings on a shared machine vary several-fold between runs, so the test never relies on two runs agreeing.)
    const slow = Object.fromEntries(Object.entries(accepted.samples).map(([k, s]) => [k, s.map((x) => x * 1000)]));
    await writeFile(
      path.join(dir, 'accepted.json'),
      JSON.stringify({ version: 1, acceptedAt: '2026-02-01T00:00:00.000Z', samples: slow }),
    );
    const again = await runGate(regression(0.1), gateContext({ planDir: dir }));
    expect(again.verdict, again.summary).toBe('pass');
    expect(again.summary).toContain('no regression against the run accepted 2026-02-01T00:00:00.000Z');
    expect(JSON.parse(await readFile(path.join(dir, 'accepted.json'), 'utf8'))).not.toMatchObject({
      acceptedAt: '2026-02-01T00:00:00.000Z',
    });

    // An accepted run a thousand times faster than today's code: every hot path is a regression.
    const fast = Object.fromEntries(Object.entries(accepted.samples).map(([k, s]) => [k, s.map((x) => x / 1000)]));
    await writeFile(
      path.join(dir, 'accepted.json'),
      JSON.stringify({ version: 1, acceptedAt: '2026-03-01T00:00:00.000Z', samples: fast }),
    );
    const slower = await runGate(regression(0.1), gateContext({ planDir: dir }));
    expect(slower).toMatchObject({ verdict: 'fail', reason: 'regression' });
    expect(slower.summary).toMatch(
      /^slower than the accepted run: reserve-worker\.ts v1\.0 [\d.]+ms vs [\d.]+ms \(\+\d+ %, p /,
    );
    expect(JSON.parse(await readFile(path.join(dir, 'accepted.json'), 'utf8'))).toMatchObject({
      acceptedAt: '2026-03-01T00:00:00.000Z',
    });

    await writeFile(path.join(dir, 'accepted.json'), 'not json');
    expect(await runGate(regression(0.1), gateContext({ planDir: dir }))).toMatchObject({
      verdict: 'fail',
      reason: 'config',
    });
  });

  it("a budget naming only the project's own files is inconclusive and says what the gate measures and what to do instead", async () => {
    const r = await runGate(gate('own.json'), gateContext({ planDir: dir }));
    expect(r).toMatchObject({ verdict: 'inconclusive', reason: 'no-budget' });
    expect(r.summary).toMatch(
      /^no measured hot path has a budget: own\.json names src\/checkout\.ts, src\/search\.ts; this gate measures only rollout's engine hot paths \(reserve-worker\.ts, /,
    );
    expect(r.hint).toContain('`command` gate');
  });

  it('a budget without hot paths is inconclusive; a missing budget file fails', async () => {
    expect(await runGate(gate('empty.json'), gateContext({ planDir: dir }))).toMatchObject({
      verdict: 'inconclusive',
      reason: 'no-budget',
    });
    expect(await runGate(gate('missing.json'), gateContext({ planDir: dir }))).toMatchObject({
      verdict: 'fail',
      reason: 'config',
      summary: 'missing.json: no such file',
    });
  });
});
