import { describe, expect, it } from 'vitest';
import { simulateCanaryPolicy } from '../../../src/simulate/index.js';
import { drawLook, EMPTY_COUNTS } from '../../../src/simulate/traffic.js';
import { estimateDispersion, estimateLag1Autocorrelation, createPrng } from '../../../src/stats/index.js';
import { evaluateRatioTrigger } from '../../../src/watch/triggers.js';
import { createTriggerProgress } from '../../../src/watch/types.js';
import { canaryPolicy, plan, ratioMetric, relativeTrigger } from './fixtures.js';

const errors = ratioMetric('error_rate');
const trigger = relativeTrigger(errors, 1.5);

/** Per-look increments of one arm from `looks` draws of simulated traffic. */
function increments(
  noise: { overdispersion: number; autocorrelation: number },
  looks = 600,
): Array<{ events: number; total: number }> {
  const random = createPrng(5);
  const current = { baseline: null, canary: null };
  let previous = EMPTY_COUNTS;
  const out: Array<{ events: number; total: number }> = [];
  for (let i = 0; i < looks; i += 1) {
    const next = drawLook(
      previous,
      { baseline: 0.02, canary: 0.02 },
      { baseline: 200, canary: 200 },
      random,
      noise,
      current,
    );
    out.push({ events: next.baselineEvents - previous.baselineEvents, total: 200 });
    previous = next;
  }
  return out;
}

describe('simulated clustered traffic', () => {
  it('--overdispersion φ gives per-look counts φ times as variable as binomial; --autocorrelation ρ correlates their rates', () => {
    for (const phi of [1, 2, 4]) {
      const estimate = estimateDispersion([increments({ overdispersion: phi, autocorrelation: 0 })]).estimate as number;
      expect(estimate).toBeGreaterThan(phi * 0.8);
      expect(estimate).toBeLessThan(phi * 1.25);
    }
    const sticky = increments({ overdispersion: 8, autocorrelation: 0.8 }).map((c) => c.events);
    expect(estimateLag1Autocorrelation(sticky)).toBeGreaterThan(0.3);
    expect(
      estimateLag1Autocorrelation(increments({ overdispersion: 8, autocorrelation: 0 }).map((c) => c.events)),
    ).toBeLessThan(0.15);
  });

  it('A/A at φ = 4: the binomial tests fail far more than alpha, the estimated correction holds the level', () => {
    const run = (overdispersion: 'estimate' | 'off') =>
      simulateCanaryPolicy({
        ...plan(canaryPolicy([errors], { overdispersion }), [trigger], {
          stages: 400,
          looks: 30,
          requestsPerLook: 400,
          baselineRate: 0.05,
          seed: 9,
          overdispersion: 4,
        }),
      });
    const before = run('off');
    const after = run('estimate');
    expect(before.noise).toEqual({ overdispersion: 4, autocorrelation: 0 });
    expect(before.overall.stageEnd.failRate).toBeGreaterThan(before.level!.limit);
    expect(after.overall.stageEnd.failRate).toBeLessThanOrEqual(after.level!.limit);
    expect(after.overall.watch.rollback.rate).toBeLessThanOrEqual(after.level!.limit);
    expect(after.level!.ok).toBe(true);
  });
});

describe('watch ratio trigger with clustered baseline counts', () => {
  const at = '2026-01-01T00:00:00.000Z';
  const scalars = (ce: number, ct: number, be: number, bt: number) => ({
    canaryEvents: { ok: true as const, value: ce },
    canaryTotal: { ok: true as const, value: ct },
    baselineEvents: { ok: true as const, value: be },
    baselineTotal: { ok: true as const, value: bt },
  });

  function follow(baselineEvents: number[], overdispersion?: 'estimate' | 'off') {
    let progress = createTriggerProgress();
    let outcome;
    for (const [i, be] of baselineEvents.entries()) {
      const inc = scalars(8, 400, be, 400);
      const r = evaluateRatioTrigger(
        trigger,
        progress,
        {
          window: scalars(
            8 * Math.min(i + 1, 10),
            400 * Math.min(i + 1, 10),
            4 * Math.min(i + 1, 10),
            400 * Math.min(i + 1, 10),
          ),
          increment: inc,
          at,
        },
        { alpha: 0.01, ...(overdispersion ? { overdispersion } : {}) },
      );
      progress = r.progress;
      outcome = r.outcome;
    }
    return { progress, outcome };
  }

  it('steady baseline counts keep the binomial tests exactly; clustered ones raise the p-values', () => {
    const steady = follow(Array.from({ length: 12 }, () => 4));
    const off = follow(
      Array.from({ length: 12 }, () => 4),
      'off',
    );
    expect(steady.outcome?.pValue).toBe(off.outcome?.pValue);
    const bursty = follow([16, 0, 0, 0, 16, 0, 0, 0, 16, 0, 0, 0]);
    const burstyOff = follow([16, 0, 0, 0, 16, 0, 0, 0, 16, 0, 0, 0], 'off');
    expect(bursty.outcome?.detail ?? '').not.toContain('NaN');
    expect(bursty.outcome?.pValue as number).toBeGreaterThan(burstyOff.outcome?.pValue as number);
    expect(bursty.progress.dispersion?.baseline.intervals).toBe(12);
  });
});
