import { describe, expect, it } from 'vitest';
import { ENGINES, EngineInputError, computeCurveWeights, normalizeWeights } from '../../../engines/index.js';
import type { PacingInput } from '../../../engines/index.js';

const base: PacingInput = { fundSize: 4_000_000_000, startYear: 2025, startQuarter: 1, investmentPeriodQuarters: 12 };

function fieldOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof EngineInputError) return e.field;
    throw e;
  }
  return undefined;
}

describe('pacing', () => {
  it.each(['v1.0', 'v1.1'] as const)('G-P1 (%s): $40M over 12 quarters in exact cents', (model) => {
    const r = ENGINES.pacing[model](base);
    expect(r.quarters.map((q) => q.investments)).toEqual([
      ...new Array<number>(4).fill(333_333_334),
      ...new Array<number>(8).fill(333_333_333),
    ]);
    expect(r.totalDeployed).toBe(4_000_000_000);
    expect(r.quarters.at(-1)?.cumulative).toBe(4_000_000_000);
  });

  it('G-P3: S-curve weights are symmetric and match the recomputed values', () => {
    const w = normalizeWeights(computeCurveWeights('s-curve', 12, 0.8));
    expect(w[0]).toBeCloseTo(0.009987, 6);
    expect(w[5]).toBeCloseTo(0.193127, 6);
    w.forEach((x, i) => expect(x).toBeCloseTo(w[11 - i] as number, 12));
  });

  it('back-loaded mirrors front-loaded', () => {
    const front = ENGINES.pacing['v1.1']({ ...base, curve: 'front-loaded' }).quarters.map((q) => q.investments);
    const back = ENGINES.pacing['v1.1']({ ...base, curve: 'back-loaded' }).quarters.map((q) => q.investments);
    expect(front[0]).toBeGreaterThan(front[11] as number);
    front.forEach((x, i) => expect(Math.abs(x - (back[11 - i] as number))).toBeLessThanOrEqual(1));
  });

  it('v1.1 splits initial and follow-on capital and lags follow-ons', () => {
    const r = ENGINES.pacing['v1.1']({ ...base, reserveRatio: 0.5, followOnDelayQuarters: 4 });
    expect(r.quarters).toHaveLength(16);
    expect(r.initialTotal).toBe(2_000_000_000);
    expect(r.quarters.slice(0, 4).every((q) => q.followOn === 0)).toBe(true);
    expect(r.quarters[4]?.followOn).toBe(r.quarters[0]?.initial);
    expect(r.totalDeployed).toBe(4_000_000_000);
  });

  it('reports follow-ons past the horizon as undeployed instead of piling them up', () => {
    const r = ENGINES.pacing['v1.1']({ ...base, reserveRatio: 0.5, followOnDelayQuarters: 8, horizonQuarters: 12 });
    expect(r.quarters).toHaveLength(12);
    expect(r.undeployed).toBe(2_000_000_000 - r.followOnTotal);
    expect(r.undeployed).toBeGreaterThan(0);
    expect(r.warnings[0]).toMatch(/past the 12-quarter horizon/);
  });

  it('hands 5 cents over 12 quarters to 5 quarters, and still lays out a zero-size fund', () => {
    expect(ENGINES.pacing['v1.1']({ ...base, fundSize: 5 }).quarters.map((q) => q.investments)).toEqual([
      1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0,
    ]);
    const zero = ENGINES.pacing['v1.0']({ ...base, fundSize: 0 });
    expect(zero.timeline).toHaveLength(12);
    expect(zero.totalDeployed).toBe(0);
  });

  it('deploys only the deployable capital', () => {
    const r = ENGINES.pacing['v1.1']({ ...base, deployable: 3_000_000_000 });
    expect(r.totalDeployed).toBe(3_000_000_000);
  });

  it.each([
    ['fundSize', { ...base, fundSize: -1 }],
    ['fundSize', { ...base, fundSize: Number.NaN }],
    ['investmentPeriodQuarters', { ...base, investmentPeriodQuarters: 0 }],
    ['startQuarter', { ...base, startQuarter: 0 }],
    ['startYear', { ...base, startYear: 99 }],
    ['deployable', { ...base, deployable: 4_000_000_001 }],
    ['reserveRatio', { ...base, reserveRatio: 1.01 }],
    ['curve', { ...base, curve: 'zigzag' as 'linear' }],
    ['curveShape', { ...base, curve: 'front-loaded', curveShape: 1 }],
    ['curveShape', { ...base, curve: 'linear', curveShape: 0.5 }],
    ['horizonQuarters', { ...base, horizonQuarters: 11 }],
  ] as Array<[string, PacingInput]>)('v1.1 names %s', (field, input) => {
    expect(fieldOf(() => ENGINES.pacing['v1.1'](input))).toBe(field);
  });
});
