import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import type { GateConfig } from '../../../src/config/schema.js';
import { judgeVerifyReport } from '../../../src/gates/property-gate.js';
import { plantEngines } from '../../helpers/planted-engines.js';
import type { PlantedBug, PlantedEngines } from '../../helpers/planted-engines.js';

type PropertyGate = Extract<GateConfig, { kind: 'property' }>;

/** Bugs as they would arrive in a commit: one edit of the engines' source each. */
const BUGS: Record<string, PlantedBug[]> = {
  'Series B round size typed 2.1M instead of 21M (v1.1 graduation table)': [
    {
      file: 'reserves/common.ts',
      find: "'series-b': { probability: 0.4, roundSize: 2_100_000_000 }",
      replace: "'series-b': { probability: 0.4, roundSize: 210_000_000 }",
    },
  ],
  'pacing quarter off by one (shared date arithmetic: both models)': [
    {
      file: 'dates.ts',
      find: 'const abs = startYear * 4 + (startQuarter - 1) + offset;',
      replace: 'const abs = startYear * 4 + startQuarter + offset;',
    },
  ],
  'v1.1 reports the follow-on pool instead of what its quarters deploy': [
    { file: 'pacing/v1-1.ts', find: '    followOnTotal,\n', replace: '    followOnTotal: followOnPool,\n' },
  ],
  'v1.1 cohort IRR on a 360-day year': [
    { file: 'cohorts/xirr.ts', find: 'const DAYS_PER_YEAR = 365;', replace: 'const DAYS_PER_YEAR = 360;' },
  ],
};

let gates: { invariants: PropertyGate; properties: PropertyGate; accuracy: PropertyGate };

beforeAll(async () => {
  const { config } = await loadConfig({ file: 'rollout.yaml', cwd: path.resolve(import.meta.dirname, '../../..') });
  const find = (phase: string, id: string): PropertyGate => {
    const gate = config.phases.find((p) => p.id === phase)?.gates.find((g) => g.id === id);
    if (gate?.kind !== 'property') throw new Error(`rollout.yaml: ${phase}/${id} is not a property gate`);
    return gate;
  };
  gates = {
    invariants: find('P0', 'engine-invariants'),
    properties: find('P2', 'properties-v1.1'),
    accuracy: find('P2', 'accuracy'),
  };
});

describe('realistic bugs planted in a copy of the engines', () => {
  const planted: PlantedEngines[] = [];
  afterAll(async () => {
    await Promise.all(planted.map((p) => p.remove()));
  });

  it("the unmodified copy verifies and passes the plan's P0 and C-1 gates (the harness adds no failure of its own)", async () => {
    const copy = await plantEngines([]);
    planted.push(copy);
    const report = await copy.runVerify({ runs: 15, seed: 1 });
    expect(report.ok).toBe(true);
    for (const gate of Object.values(gates)) expect(judgeVerifyReport(gate, report).verdict).toBe('pass');
  });

  it.each(Object.entries(BUGS))('%s: verify fails and so do the P0 invariants and C-1 gates', async (_name, bugs) => {
    const copy = await plantEngines(bugs);
    planted.push(copy);
    const report = await copy.runVerify({ runs: 15, seed: 1 });
    expect(report.ok).toBe(false);
    expect(report.failed + report.goldenFailures.length).toBeGreaterThan(0);
    expect(judgeVerifyReport(gates.invariants, report).verdict).toBe('fail');
    const c1 = await copy.runVerify({ model: 'v1.1', runs: 15, seed: 1 });
    expect(judgeVerifyReport(gates.properties, c1).verdict).toBe('fail');
    expect(judgeVerifyReport(gates.accuracy, report).verdict).toBe('fail');
  });

  it('the Series B typo: two golden reserve cases fail in v1.1 and the measured error says by how much', async () => {
    const copy = await plantEngines(
      BUGS['Series B round size typed 2.1M instead of 21M (v1.1 graduation table)'] ?? [],
    );
    planted.push(copy);
    const report = await copy.runVerify({ engine: 'reserves', runs: 10, seed: 3 });
    expect(report.goldenFailures.map((g) => g.id).sort()).toEqual(['G-R1', 'G-R1b']);
    const reserves = report.accuracy?.perEngine.reserves;
    expect(reserves?.['v1.1'].passed).toBe(5);
    // G-R1: 61,380,000 cents expected; the typo leaves 0.1 × (0.3·9.3M + 0.3·0.4·2.1M + 0.3·0.4·0.3·23M) = $387,000: 37 % off.
    expect(report.goldenFailures.find((g) => g.id === 'G-R1')?.relativeError).toBeCloseTo(
      (61_380_000 - 38_700_000) / 61_380_000,
      9,
    );
    expect(reserves?.['v1.1'].accuracy).toBeLessThan(1);
  });

  it('the quarter off by one: the same golden calendar case fails in both models, and the calendar property names the quarter', async () => {
    const copy = await plantEngines(BUGS['pacing quarter off by one (shared date arithmetic: both models)'] ?? []);
    planted.push(copy);
    const report = await copy.runVerify({ engine: 'pacing', runs: 10, seed: 3 });
    const p5 = report.accuracy?.cases.find((c) => c.id === 'G-P5');
    expect(p5?.results['v1.0'].passed).toBe(false);
    expect(p5?.results['v1.1'].passed).toBe(false);
    // The pass-share delta cannot see a bug both models share; the golden failure of v1.1 and the property can.
    expect(report.accuracy?.delta).toBeCloseTo(0.5, 12);
    const calendar = report.properties.filter((p) => p.id === 'pacing.quarters-match-calendar');
    expect(calendar.map((p) => p.status)).toEqual(['fail', 'fail']);
    expect(calendar[0]?.failure?.error).toMatch(/the calendar says/);
  });
});
