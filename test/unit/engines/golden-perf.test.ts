import { describe, expect, it } from 'vitest';
import { ENGINES } from '../../../engines/index.js';
import type { EngineOverrides } from '../../../engines/index.js';
import { GOLDEN_CASES, scoreAccuracy } from '../../../engines/golden/index.js';
import { measureHotPaths } from '../../../engines/perf.js';
import { buildPerfPortfolio } from '../../../engines/perf-fixture.js';

describe('scoreAccuracy', () => {
  it('scores both models on the same sourced cases; v1.1 matches all of them', () => {
    const report = scoreAccuracy();
    expect(GOLDEN_CASES.every((c) => c.source.length > 10)).toBe(true);
    expect(report.perModel['v1.1']).toEqual({ score: 1, cases: GOLDEN_CASES.length, passed: GOLDEN_CASES.length });
    expect(report.perModel['v1.0'].passed).toBeLessThan(GOLDEN_CASES.length);
    expect(report.delta).toBeCloseTo(report.perModel['v1.1'].score - report.perModel['v1.0'].score, 12);
    const failedByV10 = report.cases.filter((c) => !c.results['v1.0'].passed).map((c) => c.id);
    expect(failedByV10).toEqual(expect.arrayContaining(['G-R1', 'G-C1', 'G-C13']));
  });

  it('turns the delta negative when a regressed v1.1 is scored (the rollback trigger case)', () => {
    const regressed: EngineOverrides = {
      cohorts: { 'v1.1': ENGINES.cohorts['v1.0'] },
      pacing: { 'v1.1': ENGINES.pacing['v1.0'] },
    };
    const report = scoreAccuracy({ impls: regressed });
    expect(report.delta).toBeLessThan(scoreAccuracy().delta);
    expect(report.perModel['v1.1'].score).toBeLessThan(1);
    const broken: EngineOverrides = {
      reserves: {
        'v1.1': () => {
          throw new Error('engine crashed');
        },
      },
    };
    const crashed = scoreAccuracy({ engine: 'reserves', impls: broken });
    expect(crashed.perModel['v1.1'].passed).toBe(0);
    expect(crashed.delta).toBeLessThan(-0.05);
    expect(crashed.cases[0]?.results['v1.1'].error).toBe('engine crashed');
  });

  it('filters by engine', () => {
    expect(scoreAccuracy({ engine: 'pacing' }).cases.every((c) => c.engine === 'pacing')).toBe(true);
  });
});

describe('measureHotPaths', () => {
  it('returns one median per engine and model under the .perf-budget.json keys', async () => {
    const results = await measureHotPaths({ runs: 3, companies: 40, quarters: 8 });
    expect(results.map((r) => `${r.hotPath}/${r.model}`)).toEqual([
      'reserve-worker.ts/v1.0',
      'reserve-worker.ts/v1.1',
      'pacing-worker.ts/v1.0',
      'pacing-worker.ts/v1.1',
      'cohort-worker.ts/v1.0',
      'cohort-worker.ts/v1.1',
    ]);
    expect(results.every((r) => Number.isFinite(r.medianMs) && r.medianMs >= 0 && r.runs === 3)).toBe(true);
  });

  it('benchmarks a deterministic, valid 500-company portfolio', () => {
    const a = buildPerfPortfolio();
    expect(JSON.stringify(buildPerfPortfolio())).toBe(JSON.stringify(a));
    expect(a.reserves.companies).toHaveLength(500);
    expect(ENGINES.reserves['v1.1'](a.reserves).allocations).toHaveLength(500);
    expect(ENGINES.pacing['v1.1'](a.pacing).quarters.length).toBeGreaterThanOrEqual(40);
    const cohorts = ENGINES.cohorts['v1.1'](a.cohorts).cohorts;
    expect(cohorts.reduce((n, c) => n + c.companies.length, 0)).toBe(500);
    expect(cohorts.some((c) => c.metrics.irr.defined)).toBe(true);
  });
});
