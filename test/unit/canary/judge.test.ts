import fc from 'fast-check';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import type { Collected } from '../../../src/canary/collect.js';
import { judgeMetric, type JudgeContext } from '../../../src/canary/judge.js';
import { config as configSchema, type MetricConfig } from '../../../src/config/schema.js';
import type { QueryOutcome } from '../../../src/metrics/types.js';
import { miniPlan } from '../../helpers/mini-plan.js';

/** judgeMetric on plain data: the canary section of the mini plan, counts given as query answers. */
const config = configSchema.parse(parse(miniPlan()));
const canary = config.canary as NonNullable<typeof config.canary>;
const errorRate = canary.metrics.find((m) => m.id === 'error_rate') as Extract<MetricConfig, { kind: 'ratio' }>;
const ctx: JudgeContext = { canary: { ...canary, minSamples: 1000 }, budget: null };

const answer = (v: number): QueryOutcome => ({
  query: 'q',
  url: 'memory:',
  durationMs: 0,
  attempts: 1,
  kind: 'ok',
  resultType: 'vector',
  series: [{ labels: {}, values: [{ t: 0, v }] }],
});
const ratio = (eb: number, tb: number, ec: number, tc: number): Collected => ({
  kind: 'ratio',
  baseline: { events: answer(eb), total: answer(tb) },
  canary: { events: answer(ec), total: answer(tc) },
  queries: ['be', 'bt', 'ce', 'ct'],
});

describe('judgeMetric: ratio metrics, table', () => {
  it.each([
    ['too few samples', ratio(10, 500, 10, 500), { verdict: 'inconclusive', inconclusive: 'too-few-samples' }],
    ['no traffic on the canary', ratio(10, 5000, 0, 0), { verdict: 'inconclusive', inconclusive: 'no-data' }],
    [
      'more events than requests',
      ratio(10, 5000, 6000, 5000),
      { verdict: 'inconclusive', inconclusive: 'query-error' },
    ],
    ['a negative count', ratio(10, 5000, -1, 5000), { verdict: 'inconclusive', inconclusive: 'impossible-value' }],
    [
      'an infinite count',
      ratio(10, 5000, Infinity, 5000),
      { verdict: 'inconclusive', inconclusive: 'impossible-value' },
    ],
    ['equal arms', ratio(50, 5000, 50, 5000), { verdict: 'pass', relativeChange: 0 }],
  ])('%s', (_name, collected, expected) => {
    expect(judgeMetric(errorRate, collected, ctx)).toMatchObject(expected);
  });

  it('NaN and an empty answer are inconclusive with their own reasons, never a pass', () => {
    const nan: QueryOutcome = {
      query: 'q',
      url: 'memory:',
      durationMs: 0,
      attempts: 1,
      kind: 'nan',
      series: [{ labels: {}, values: [{ t: 0, v: Number.NaN }] }],
    };
    const empty: QueryOutcome = { query: 'q', url: 'memory:', durationMs: 0, attempts: 1, kind: 'empty' };
    const c = ratio(10, 5000, 10, 5000) as Extract<Collected, { kind: 'ratio' }>;
    expect(judgeMetric(errorRate, { ...c, canary: { ...c.canary, events: nan } }, ctx)).toMatchObject({
      verdict: 'inconclusive',
      inconclusive: 'nan',
    });
    expect(judgeMetric(errorRate, { ...c, baseline: { ...c.baseline, total: empty } }, ctx)).toMatchObject({
      verdict: 'inconclusive',
      inconclusive: 'no-data',
    });
  });

  it('an absolute limit fails the canary even when the relative change is small', () => {
    const capped = { ...errorRate, maxAbsolute: 0.01 };
    expect(judgeMetric(capped, ratio(100, 5000, 101, 5000), ctx)).toMatchObject({ verdict: 'fail' });
    expect(judgeMetric(capped, ratio(10, 5000, 11, 5000), ctx)).toMatchObject({ verdict: 'pass' });
  });
});

describe('judgeMetric: monotone in the effect (properties)', () => {
  const arms = fc.record({
    tb: fc.integer({ min: 1000, max: 200_000 }),
    tc: fc.integer({ min: 1000, max: 200_000 }),
    rate: fc.double({ min: 0.0005, max: 0.2, noNaN: true }),
    extra: fc.integer({ min: 1, max: 500 }),
  });

  /** The metric judged on the same baseline with `start` canary errors, then with `extra` more. */
  const beforeAndWorse = (
    metric: typeof errorRate,
    { tb, tc, rate, extra }: { tb: number; tc: number; rate: number; extra: number },
    start: number,
  ) => {
    const eb = Math.round(tb * rate);
    const ec = Math.min(tc - extra, start);
    return [
      judgeMetric(metric, ratio(eb, tb, ec, tc), ctx),
      judgeMetric(metric, ratio(eb, tb, ec + extra, tc), ctx),
    ] as const;
  };

  it('more canary errors never lower the evidence of a regression: p-value and relative change move one way', () => {
    fc.assert(
      fc.property(arms, fc.nat({ max: 1000 }), (arm, start) => {
        const [a, b] = beforeAndWorse(errorRate, arm, start);
        expect(a.pValue).toBeTypeOf('number');
        expect(b.pValue as number).toBeLessThanOrEqual((a.pValue as number) + 1e-12);
        expect(b.relativeChange as number).toBeGreaterThanOrEqual(a.relativeChange as number);
      }),
      { numRuns: 200 },
    );
  });

  it('with an absolute limit, once the canary fails it keeps failing as it gets worse', () => {
    const capped = { ...errorRate, maxAbsolute: 0.02 };
    fc.assert(
      fc.property(arms, fc.nat({ max: 5000 }), (arm, start) => {
        const [a, b] = beforeAndWorse(capped, arm, start);
        if (a.verdict === 'fail') expect(b.verdict).toBe('fail');
      }),
      { numRuns: 200 },
    );
  });

  it('swapping which direction is better mirrors the judgement of a higher-is-better metric', () => {
    const completion = { ...errorRate, direction: 'higher-is-better' as const };
    fc.assert(
      fc.property(arms, ({ tb, tc, rate, extra }) => {
        const eb = Math.round(tb * rate);
        const ec = Math.max(0, Math.round(tc * rate) - extra);
        // Fewer successes on the canary is the bad direction for a completion rate: a positive change.
        const v = judgeMetric(completion, ratio(eb, tb, ec, tc), ctx);
        if (ec / tc < eb / tb) expect(v.relativeChange as number).toBeGreaterThan(0);
      }),
      { numRuns: 200 },
    );
  });
});
