import { describe, expect, it } from 'vitest';
import { judgeMetric } from '../../../src/canary/judge.js';
import { renderCanary } from '../../../src/canary/render.js';
import { formatInUnit, metricUnit } from '../../../src/canary/units.js';
import type { CanaryConfig, MetricConfig } from '../../../src/config/schema.js';
import type { QueryOutcome } from '../../../src/metrics/types.js';
import { describeMetric } from '../../../src/output/describe-gate.js';
import { plainStyle } from '../../../src/output/style.js';
import type { TriggerSpec } from '../../../src/watch/specs.js';
import {
  evaluateAccuracyTrigger,
  evaluateRatioTrigger,
  evaluateThresholdTrigger,
} from '../../../src/watch/triggers.js';
import { createTriggerProgress } from '../../../src/watch/types.js';

const scalar = (v: number): QueryOutcome => ({
  query: 'q',
  url: 'http://127.0.0.1:9090',
  durationMs: 1,
  attempts: 1,
  kind: 'ok',
  resultType: 'vector',
  series: [{ labels: {}, values: [{ t: 0, v }] }],
});
const canaryPolicy = { alpha: 0.05, minSamples: 100, power: 0.9, multipleComparisons: 'none', metrics: [] };
const ctx = { canary: canaryPolicy as unknown as CanaryConfig, budget: null };
const common = { critical: true, action: 'rollback' } as const;
const threshold = (unit: string | undefined, limits: { max?: number; min?: number }) =>
  ({
    id: 'm',
    kind: 'threshold',
    query: 'q',
    source: 'prometheus',
    ...limits,
    ...(unit !== undefined ? { unit } : {}),
    ...common,
  }) as unknown as Extract<MetricConfig, { kind: 'threshold' }>;

/** Every number in a message with the unit that follows it (none when a word or the end follows). */
function quantities(text: string): Array<[string, string]> {
  return [...text.matchAll(/(-?\d+(?:\.\d+)?(?:e[-+]?\d+)?)(?: (%|ms|s|req\/s))?(?![\d.])/g)].map((m) => [
    m[1]!,
    m[2] ?? '',
  ]);
}

describe('metric units: a value and its limit are always in the same unit', () => {
  const cases: Array<{ name: string; metric: MetricConfig; unit: string }> = [
    {
      name: 'ratio',
      metric: {
        id: 'm',
        kind: 'ratio',
        events: 'e',
        total: 't',
        direction: 'lower-is-better',
        maxRelativeChange: 10,
        maxAbsolute: 0.02,
        ...common,
      } as unknown as MetricConfig,
      unit: '%',
    },
    // A unit written on a rate is ignored: its values are fractions of requests.
    {
      name: 'ratio with a stray unit',
      metric: { kind: 'ratio', unit: 'ms' } as unknown as MetricConfig,
      unit: '%',
    },
    {
      name: 'histogram scaled s → ms',
      metric: { kind: 'distribution', method: 'histogram', scale: 1000 } as unknown as MetricConfig,
      unit: 'ms',
    },
    {
      name: 'points distribution',
      metric: { kind: 'distribution', method: 'points' } as unknown as MetricConfig,
      unit: '',
    },
    { name: 'threshold latency', metric: threshold('ms', { max: 400 }), unit: 'ms' },
    { name: 'threshold throughput', metric: threshold('req/s', { min: 100 }), unit: 'req/s' },
    { name: 'threshold count', metric: threshold(undefined, { max: 10 }), unit: '' },
    { name: 'threshold fraction', metric: threshold('%', { max: 0.02 }), unit: '%' },
  ];
  it.each(cases)('$name → "$unit"', ({ metric, unit }) => {
    expect(metricUnit(metric)).toBe(unit);
  });

  it.each([
    [0.029, '%', '2.90 %'],
    [0.3, '%', '30.0 %'],
    [0.00012, '%', '0.012 %'],
    [0, '%', '0.00 %'],
    [512.25, 'ms', '512.3 ms'],
    [400, 'ms', '400 ms'],
    [87.5, 'req/s', '87.5 req/s'],
    [12, '', '12'],
    [-0.0712, '', '-0.0712'],
    [0.000123, 's', '0.000123 s'],
  ])('formats %d in "%s" as %s', (value, unit, text) => {
    expect(formatInUnit(value, unit)).toBe(text);
  });

  const judged: Array<{ name: string; metric: MetricConfig; canary: number; baseline: number; reason: string }> = [
    {
      name: 'latency above its max',
      metric: threshold('ms', { max: 400 }),
      canary: 512.25,
      baseline: 300,
      reason: 'canary 512.3 ms is above 400 ms',
    },
    {
      name: 'throughput below its min',
      metric: threshold('req/s', { min: 100 }),
      canary: 80,
      baseline: 120,
      reason: 'canary 80 req/s is below 100 req/s',
    },
    {
      name: 'a count',
      metric: threshold(undefined, { max: 10 }),
      canary: 12,
      baseline: 3,
      reason: 'canary 12 is above 10',
    },
    {
      name: 'a fraction shown as %',
      metric: threshold('%', { max: 0.02 }),
      canary: 0.029,
      baseline: 0.01,
      reason: 'canary 2.90 % is above 2.00 %',
    },
  ];
  it.each(judged)('analyze / advance: $name', ({ metric, canary, baseline, reason }) => {
    const v = judgeMetric(
      metric,
      { kind: 'threshold', canary: scalar(canary), baseline: scalar(baseline), queries: [] },
      ctx,
    );
    expect(v.verdict).toBe('fail');
    expect(v.reason).toBe(reason);
    const table = renderCanary(
      {
        verdict: 'fail',
        summary: 's',
        alerts: [],
        metrics: [v],
        window: '30m',
        at: 'now',
        multipleComparisons: 'none',
        alpha: 0.05,
      } as never,
      plainStyle,
    );
    // The table's baseline and canary columns carry the same unit as the reason.
    const unit = metricUnit(metric);
    expect(table).toContain(formatInUnit(canary, unit));
    expect(table).toContain(formatInUnit(baseline, unit));
  });

  it('analyze: a ratio breaking its absolute limit says both in %', () => {
    const v = judgeMetric(
      cases[0]!.metric,
      {
        kind: 'ratio',
        baseline: { events: scalar(29), total: scalar(1000) },
        canary: { events: scalar(29), total: scalar(1000) },
        queries: [],
      },
      ctx,
    );
    expect(v.reason).toBe('canary 2.90 % breaks the absolute limit (≤ 2.00 %)');
    expect(v.threshold).toBe('canary ≤ 1000 % higher than baseline, ≤ 2.00 %');
    expect(v.unit).toBe('%');
  });

  it('plan: the rule of each metric states its limits in the metric unit', () => {
    expect(describeMetric(cases[0]!.metric)).toContain('fails on a 1000 % change, at most 2.00 %');
    expect(describeMetric(threshold('ms', { max: 400 }))).toMatch(/^threshold ≤ 400 ms/);
    expect(describeMetric(threshold('req/s', { min: 100 }))).toMatch(/^threshold ≥ 100 req\/s/);
    expect(describeMetric({ ...threshold('ms', {}), max: 'budget.p95Max' })).toMatch(/^threshold ≤ budget\.p95Max/);
  });

  const watched: Array<{ name: string; run: () => string; units: string }> = [
    {
      name: 'threshold ms, absolute',
      run: () =>
        evaluateThresholdTrigger(
          {
            id: 't',
            action: 'rollback',
            kind: 'threshold',
            metric: threshold('ms', { max: 400 }),
            comparison: 'above',
            limit: { absolute: 400 },
            window: '5m',
          },
          createTriggerProgress(),
          { canary: { ok: true, value: 512.25 }, baseline: null },
        ).outcome.detail,
      units: 'ms',
    },
    {
      name: 'threshold req/s, relative',
      run: () =>
        evaluateThresholdTrigger(
          {
            id: 't',
            action: 'rollback',
            kind: 'threshold',
            metric: threshold('req/s', {}),
            comparison: 'below',
            limit: { factor: 0.8 },
            window: '5m',
          },
          createTriggerProgress(),
          { canary: { ok: true, value: 70 }, baseline: { ok: true, value: 100 } },
        ).outcome.detail,
      units: 'req/s',
    },
    {
      name: 'threshold count',
      run: () =>
        evaluateThresholdTrigger(
          {
            id: 't',
            action: 'alert',
            kind: 'threshold',
            metric: threshold(undefined, {}),
            comparison: 'above',
            limit: { absolute: 10 },
            window: '5m',
          },
          createTriggerProgress(),
          { canary: { ok: true, value: 12 }, baseline: null },
        ).outcome.detail,
      units: '',
    },
    {
      name: 'ratio, absolute limit',
      run: () => {
        const spec: Extract<TriggerSpec, { kind: 'ratio' }> = {
          id: 'e',
          action: 'rollback',
          kind: 'ratio',
          metric: cases[0]!.metric as Extract<MetricConfig, { kind: 'ratio' }>,
          comparison: 'above',
          limit: { absolute: 0.02 },
          window: '10m',
        };
        const ok = (value: number) => ({ ok: true as const, value });
        return evaluateRatioTrigger(
          spec,
          createTriggerProgress(),
          {
            window: { canaryEvents: ok(29), canaryTotal: ok(1000), baselineEvents: ok(10), baselineTotal: ok(1000) },
            increment: null,
            at: '2026-01-01T00:10:00.000Z',
          },
          { alpha: 0.01 },
        ).outcome.detail;
      },
      units: '%',
    },
    {
      name: 'accuracy delta (no unit)',
      run: () =>
        evaluateAccuracyTrigger(
          {
            id: 'a',
            action: 'alert',
            kind: 'accuracy',
            metric: { ...threshold(undefined, {}), source: 'verify' },
            comparison: 'below',
            limit: -0.05,
          },
          createTriggerProgress(),
          -0.0712,
        ).outcome.detail,
      units: '',
    },
  ];
  it.each(watched)('watch: $name', ({ run, units }) => {
    const detail = run();
    const found = quantities(detail.replace(/over \d+m/, ''));
    // canary value, limit (and the baseline of a relative limit, then its factor, which has no unit)
    expect(found.length, detail).toBeGreaterThanOrEqual(2);
    expect(found[0]![1], detail).toBe(units);
    expect(found[1]![1], detail).toBe(units);
  });
});
