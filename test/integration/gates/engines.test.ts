import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { scoreAccuracy } from '../../../engines/golden/index.js';
import type { GateConfig } from '../../../src/config/schema.js';
import type { HotPathEvidence } from '../../../src/gates/perf-budget-gate.js';
import { runGate } from '../../../src/gates/run-gate.js';
import { gateContext } from '../../unit/gates/context.js';

describe('property gates run the engines\' suites', () => {
  it('pass when every property holds, with the seed to replay the run', async () => {
    const r = await runGate({ id: 'inv', kind: 'property', engine: 'reserves', runs: 5, seed: 42 }, gateContext());
    expect(r).toMatchObject({ verdict: 'pass', reason: 'ok', evidence: { details: { seed: 42, runs: 5, failed: 0 } } });
    expect(r.evidence.source).toBe('rollout verify --engine reserves --seed 42 --runs 5');
  });

  it('judge the golden accuracy delta against minAccuracyDelta', async () => {
    const { delta } = scoreAccuracy({ engine: 'pacing' });
    const gate = (min: number): GateConfig => ({ id: 'acc', kind: 'property', engine: 'pacing', runs: 2, seed: 1, minAccuracyDelta: min });
    const atDelta = await runGate(gate(delta), gateContext());
    expect(atDelta).toMatchObject({ verdict: 'pass', evidence: { observed: delta } });
    const above = await runGate(gate(delta + 0.01), gateContext());
    expect(above).toMatchObject({ verdict: 'fail', reason: 'accuracy' });
  });
});

describe('perf-budget gates measure the engines\' hot paths', () => {
  let dir: string;
  const budget = (file: string, hotPaths: Record<string, number>) => writeFile(path.join(dir, file), JSON.stringify({ hotPaths }));
  const gate = (file: string): GateConfig => ({ id: 'perf', kind: 'perf-budget', budget: file, runs: 1 });

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'rollout-perf-'));
    await budget('generous.json', { 'reserve-worker.ts': 60_000, 'pacing-worker.ts': 60_000, 'cohort-worker.ts': 60_000, 'unknown-worker.ts': 5 });
    await budget('tiny.json', { 'reserve-worker.ts': 0.000001, 'pacing-worker.ts': 60_000 });
    await budget('empty.json', {});
    await budget('own.json', { 'src/checkout.ts': 50, 'src/search.ts': 20 });
  });

  it('pass within budget, with median, budget and ratio per hot path and model', async () => {
    const r = await runGate(gate('generous.json'), gateContext({ planDir: dir }));
    expect(r.verdict).toBe('pass');
    const rows = r.evidence.details?.hotPaths as HotPathEvidence[];
    expect(rows.map((x) => `${x.hotPath} ${x.model}`)).toEqual([
      'reserve-worker.ts v1.0', 'reserve-worker.ts v1.1', 'pacing-worker.ts v1.0', 'pacing-worker.ts v1.1', 'cohort-worker.ts v1.0', 'cohort-worker.ts v1.1',
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
    expect(r.summary).toMatch(/^over budget: reserve-worker\.ts v1\.0 [\d.]+ms > 0\.000001ms, reserve-worker\.ts v1\.1/);
    expect(r.summary).not.toContain('pacing');
    const cohort = (r.evidence.details?.hotPaths as HotPathEvidence[]).find((x) => x.hotPath === 'cohort-worker.ts');
    expect(cohort).toMatchObject({ budgetMs: null, ratio: null });
  });

  it("a budget naming only the project's own files is inconclusive and says what the gate measures and what to do instead", async () => {
    const r = await runGate(gate('own.json'), gateContext({ planDir: dir }));
    expect(r).toMatchObject({ verdict: 'inconclusive', reason: 'no-budget' });
    expect(r.summary).toMatch(/^no measured hot path has a budget: own\.json names src\/checkout\.ts, src\/search\.ts; this gate measures only rollout's engine hot paths \(reserve-worker\.ts, /);
    expect(r.hint).toContain('`command` gate');
  });

  it('a budget without hot paths is inconclusive; a missing budget file fails', async () => {
    expect(await runGate(gate('empty.json'), gateContext({ planDir: dir }))).toMatchObject({ verdict: 'inconclusive', reason: 'no-budget' });
    expect(await runGate(gate('missing.json'), gateContext({ planDir: dir }))).toMatchObject({ verdict: 'fail', reason: 'config', summary: 'missing.json: no such file' });
  });
});
