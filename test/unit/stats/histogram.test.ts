import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareHistograms, createPrng, mannWhitney, valueAtRank } from '../../../src/stats/index.js';

const relative = (actual: number, expected: number): number =>
  Math.abs(actual - expected) / Math.max(Math.abs(expected), 1e-300);

const cases = {
  latency: {
    bounds: [0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 2, Infinity],
    x: [3, 40, 180, 220, 150, 60, 30, 10, 4, 1],
    y: [2, 30, 160, 230, 170, 80, 40, 14, 6, 2],
  },
  small: { bounds: [1, 2, 3, Infinity], x: [1, 2, 0, 1], y: [0, 1, 3, 0] },
  shifted: { bounds: [10, 20, 50, 100, Infinity], x: [100, 400, 300, 150, 50], y: [150, 500, 250, 80, 20] },
};

// scipy.stats.mannwhitneyu(np.repeat(bucket, counts_x), np.repeat(bucket, counts_y), method='asymptotic'),
// SciPy 1.17.1 (Debian python3-scipy): every request is one observation, a bucket one tie group.
const reference: Array<[keyof typeof cases, 'two-sided' | 'greater' | 'less', number, number]> = [
  ['latency', 'two-sided', 233952, 0.00345433357716842],
  ['latency', 'greater', 233952, 0.9982735634988836],
  ['latency', 'less', 233952, 0.00172716678858421],
  ['small', 'two-sided', 5, 0.44801933834467556],
  ['small', 'greater', 5, 0.8559297542466605],
  ['small', 'less', 5, 0.22400966917233778],
  ['shifted', 'two-sided', 590500, 9.221837367272476e-14],
  ['shifted', 'greater', 590500, 4.610918683636238e-14],
  ['shifted', 'less', 590500, 0.9999999999999539],
];

const expand = (counts: readonly number[]): number[] => counts.flatMap((c, k) => Array.from({ length: c }, () => k));

describe('compareHistograms: Mann–Whitney on binned requests', () => {
  it.each(reference)('%s %s matches SciPy on the expanded samples', (name, alternative, u, p) => {
    const c = cases[name];
    const r = compareHistograms(c.bounds, { counts: c.x }, { counts: c.y }, { alternative });
    expect(r.statistic).toBe(u);
    expect(relative(r.pValue, p)).toBeLessThan(1e-12);
  });

  it('equals mannWhitney on the expanded requests, for any histogram', () => {
    const counts = fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 6, maxLength: 6 });
    fc.assert(
      fc.property(
        counts,
        counts,
        fc.constantFrom('two-sided' as const, 'greater' as const, 'less' as const),
        (x, y, alternative) => {
          fc.pre(x.reduce((a, b) => a + b, 0) > 0 && y.reduce((a, b) => a + b, 0) > 0);
          const r = compareHistograms([1, 2, 4, 8, 16, Infinity], { counts: x }, { counts: y }, { alternative });
          const m = mannWhitney(expand(x), expand(y), { alternative, method: 'asymptotic' });
          expect(r.statistic).toBe(m.statistic);
          if (m.z !== null && Number.isFinite(m.z)) expect(Math.abs(r.pValue - m.pValue)).toBeLessThan(1e-12);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('matches SciPy on random histograms (spawned python3-scipy)', () => {
    const random = createPrng(15);
    const hists = Array.from({ length: 12 }, () => ({
      x: Array.from({ length: 8 }, () => Math.floor(random() * 300)),
      y: Array.from({ length: 8 }, () => Math.floor(random() * 300)),
    }));
    const script = [
      'import json,sys,numpy as np',
      'from scipy.stats import mannwhitneyu',
      'out=[]',
      'for h in json.load(sys.stdin):',
      '  xs=np.repeat(np.arange(8),h["x"]); ys=np.repeat(np.arange(8),h["y"])',
      '  out.append(float(mannwhitneyu(xs,ys,alternative="greater",method="asymptotic").pvalue))',
      'print(json.dumps(out))',
    ].join('\n');
    const run = spawnSync('python3', ['-c', script], { input: JSON.stringify(hists), encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    const expected = JSON.parse(run.stdout) as number[];
    hists.forEach((h, i) => {
      const r = compareHistograms(
        [1, 2, 3, 4, 5, 6, 7, Infinity],
        { counts: h.x },
        { counts: h.y },
        { alternative: 'greater' },
      );
      expect(relative(r.pValue, expected[i] as number)).toBeLessThan(1e-10);
    });
  });

  it('has no evidence when every request is in one bucket, and refuses bad input', () => {
    expect(
      compareHistograms([1, Infinity], { counts: [10, 0] }, { counts: [20, 0] }, { alternative: 'greater' }).pValue,
    ).toBe(0.5);
    expect(() => compareHistograms([1, Infinity], { counts: [0, 0] }, { counts: [1, 0] })).toThrow(/no requests/);
    expect(() => compareHistograms([2, 1], { counts: [1, 1] }, { counts: [1, 1] })).toThrow(/increase/);
    expect(() => compareHistograms([1, 2], { counts: [1, -1] }, { counts: [1, 1] })).toThrow(/non-negative/);
    expect(() => compareHistograms([1, 2], { counts: [1.5, 1] }, { counts: [1, 1] })).toThrow(/integer/);
    expect(() => compareHistograms([1, 2], { counts: [1] }, { counts: [1, 1] })).toThrow(/2 buckets/);
    expect(() => compareHistograms([Number.NaN, 2], { counts: [1, 1] }, { counts: [1, 1] })).toThrow(/bound/);
  });
});

describe('compareHistograms: effect sizes and the quantile', () => {
  it('interpolates like histogram_quantile and puts +Inf-bucket ranks at Infinity', () => {
    // 100 requests: 50 in (0, 0.1], 40 in (0.1, 0.2], 10 in (0.2, +Inf).
    const bounds = [0.1, 0.2, Infinity];
    expect(valueAtRank(bounds, [50, 40, 10], 25)).toBeCloseTo(0.05, 12);
    expect(valueAtRank(bounds, [50, 40, 10], 70)).toBeCloseTo(0.15, 12);
    expect(valueAtRank(bounds, [50, 40, 10], 95)).toBe(Infinity);
  });

  it('identical arms: ratio 1, probability ½, intervals around them', () => {
    const c = cases.latency;
    const r = compareHistograms(c.bounds, { counts: c.x }, { counts: c.x }, { quantile: 0.95 });
    expect(r.ratio).toBe(1);
    expect(r.probabilityXGreater).toBe(0.5);
    expect(r.ratioInterval[0]).toBeLessThan(1);
    expect(r.ratioInterval[1]).toBeGreaterThan(1);
    expect(r.probabilityInterval[0]).toBeLessThan(0.5);
    expect(r.pValue).toBe(1);
  });

  it('the quantile interval covers the true p95 about 95 % of the time (binned log-normal requests)', () => {
    const random = createPrng(7);
    const bounds = [0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.6, 1, Infinity];
    // log-normal median 0.12 s, sigma 0.5: true p95 = 0.12·e^(1.6449·0.5).
    const truth = 0.12 * Math.exp(1.6448536269514722 * 0.5);
    const draw = () => {
      const counts = new Array<number>(bounds.length).fill(0);
      for (let i = 0; i < 2000; i += 1) {
        const z = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
        const v = 0.12 * Math.exp(0.5 * z);
        const k = bounds.findIndex((b) => v <= b);
        counts[k] = (counts[k] as number) + 1;
      }
      return counts;
    };
    let covered = 0;
    const runs = 200;
    for (let i = 0; i < runs; i += 1) {
      const r = compareHistograms(bounds, { counts: draw() }, { counts: draw() }, { quantile: 0.95 });
      // Interpolation inside a wide bucket is itself an approximation; the order-statistic interval
      // is about ranks, so it covers the interpolated truth: the value at rank Nq of the true CDF.
      if (r.x.lower <= truth * 1.1 && r.x.upper >= truth * 0.9) covered += 1;
    }
    expect(covered / runs).toBeGreaterThan(0.9);
  });

  it('a slower canary: ratio above 1, probability above ½, small one-sided p', () => {
    const c = cases.shifted;
    const r = compareHistograms(c.bounds, { counts: c.x }, { counts: c.y }, { alternative: 'greater', quantile: 0.9 });
    expect(r.ratio).toBeGreaterThan(1);
    expect(r.ratioInterval[0]).toBeGreaterThan(1);
    expect(r.probabilityInterval[0]).toBeGreaterThan(0.5);
    expect(r.pValue).toBeLessThan(1e-10);
  });
});
