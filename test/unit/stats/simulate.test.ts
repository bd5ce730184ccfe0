import { describe, expect, it } from 'vitest';
import { createPrng, normalQuantile, normalSf, sampleBinomial, simulatePolicy } from '../../../src/stats/index.js';

describe('createPrng / sampleBinomial', () => {
  it('is deterministic per seed and uniform-looking', () => {
    const a = createPrng(42);
    const b = createPrng(42);
    const c = createPrng(43);
    const first = Array.from({ length: 5 }, () => a());
    expect(Array.from({ length: 5 }, () => b())).toEqual(first);
    expect(Array.from({ length: 5 }, () => c())).not.toEqual(first);
    const random = createPrng(1);
    let sum = 0;
    for (let i = 0; i < 100_000; i += 1) sum += random();
    expect(Math.abs(sum / 100_000 - 0.5)).toBeLessThan(0.005);
  });

  it.each([
    [200, 0.02],
    [10_000, 0.3],
    [1_000_000, 0.001],
    [50, 0.9],
  ])('Binomial(%i, %f) has the right mean and variance', (n, p) => {
    const random = createPrng(n);
    const draws = Array.from({ length: 20_000 }, () => sampleBinomial(random, n, p));
    const mean = draws.reduce((s, v) => s + v, 0) / draws.length;
    const variance = draws.reduce((s, v) => s + (v - mean) ** 2, 0) / (draws.length - 1);
    const sd = Math.sqrt(n * p * (1 - p));
    expect(Math.abs(mean - n * p)).toBeLessThan((5 * sd) / Math.sqrt(draws.length));
    expect(variance / (sd * sd)).toBeGreaterThan(0.95);
    expect(variance / (sd * sd)).toBeLessThan(1.05);
    expect(draws.every((v) => Number.isInteger(v) && v >= 0 && v <= n)).toBe(true);
  });
});

describe('simulatePolicy', () => {
  const threshold = (look: { canary: { events: number; total: number } }) =>
    look.canary.events / look.canary.total > 0.03;
  const run = (canaryRate: number, seed: number) =>
    simulatePolicy({
      scenario: { baselineRate: 0.02, canaryRate, requestsPerLook: { baseline: 1000, canary: 100 }, looks: 10 },
      stages: 200,
      seed,
      initialState: { looks: 0 },
      decide: (look, state) => {
        const looks = state.looks + 1;
        if (threshold(look)) return { verdict: 'fail', state: { looks } };
        return { verdict: looks >= 8 ? 'pass' : 'continue', state: { looks } };
      },
    });

  it('is deterministic, labels A/A versus regression and accounts for every stage', () => {
    const aa = run(0.02, 5);
    expect(run(0.02, 5)).toEqual(aa);
    expect(aa.falseFailRate).toBe(aa.failRate);
    expect(aa.detectionRate).toBeNull();
    expect(aa.failRate + aa.passRate + aa.inconclusiveRate).toBeCloseTo(1, 12);
    expect(aa.cumulativeFailRate).toHaveLength(10);
    expect(aa.cumulativeFailRate.at(-1)).toBeCloseTo(aa.failRate, 12);
    const bad = run(0.06, 5);
    expect(bad.detectionRate).toBeGreaterThan(aa.failRate);
    expect(bad.medianCanarySamplesToFail).toBe((bad.medianLooksToFail as number) * 100);
  });

  it('gives each stage a fresh copy of the initial state', () => {
    const initial = { seen: [] as number[] };
    simulatePolicy({
      scenario: { baselineRate: 0.1, canaryRate: 0.1, requestsPerLook: 10, looks: 3 },
      stages: 4,
      seed: 1,
      initialState: initial,
      decide: (look, state) => {
        expect(state.seen.length).toBe(look.look - 1);
        return { verdict: 'continue', state: { seen: [...state.seen, look.look] } };
      },
    });
    expect(initial.seen).toEqual([]);
  });
});

describe('normal distribution', () => {
  it('matches scipy.stats.norm (SciPy 1.10.1) to 1e-12 relative', () => {
    const sf: [number, number][] = [
      [-3, 0.9986501019683699],
      [0.5, 0.3085375387259869],
      [1.96, 0.024997895148220435],
      [4, 3.167124183311986e-5],
      [8.5, 9.47953482220325e-18],
      [20, 2.7536241186061556e-89],
    ];
    for (const [z, p] of sf) expect(Math.abs(normalSf(z) - p) / p).toBeLessThan(1e-12);
    const ppf: [number, number][] = [
      [1e-12, -7.034483825301131],
      [0.001, -3.090232306167813],
      [0.025, -1.9599639845400545],
      [0.9, 1.2815515655446004],
      [0.999999, 4.753424308817087],
    ];
    for (const [p, z] of ppf) expect(Math.abs(normalQuantile(p) - z) / Math.abs(z)).toBeLessThan(1e-12);
    expect(normalQuantile(0.5)).toBe(0);
  });
});
