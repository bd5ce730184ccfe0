import { describe, expect, it } from 'vitest';
import { judgeMetric } from '../../../src/canary/judge.js';
import type { CanaryConfig, MetricConfig } from '../../../src/config/schema.js';
import type { QueryOutcome } from '../../../src/metrics/types.js';

const count = (v: number): QueryOutcome => ({
  query: 'q',
  url: 'http://127.0.0.1:9090',
  durationMs: 1,
  attempts: 1,
  kind: 'ok',
  resultType: 'vector',
  series: [{ labels: {}, values: [{ t: 0, v }] }],
});

describe('ratio verdict wording', () => {
  it('states the absolute limit in the same unit as the canary value (percent)', () => {
    const metric = {
      id: 'err',
      kind: 'ratio',
      events: 'e',
      total: 't',
      direction: 'lower-is-better',
      maxRelativeChange: 10,
      maxAbsolute: 0.02,
      critical: true,
      action: 'rollback',
    } as unknown as MetricConfig;
    const canary = { alpha: 0.05, minSamples: 100 } as unknown as CanaryConfig;
    const v = judgeMetric(
      metric,
      {
        kind: 'ratio',
        baseline: { events: count(29), total: count(1000) },
        canary: { events: count(29), total: count(1000) },
        queries: [],
      },
      { canary, budget: null },
    );
    expect(v.verdict).toBe('fail');
    expect(v.reason).toBe('canary 2.90 % breaks the absolute limit (≤ 2.00 %)');
    expect(v.threshold).toBe('canary ≤ 1000 % higher than baseline, ≤ 2.00 %');
  });
});

describe('watch scope wording', () => {
  it('says "an immediate rollback", "a progressive rollback"', async () => {
    const { findWatchScope } = await import('../../../src/watch/scope.js');
    const { createInitialState } = await import('../../../src/state/types.js');
    const config = { phases: [{ id: 'P2', rollout: { flag: 'f' } }] } as unknown as Parameters<
      typeof findWatchScope
    >[0];
    for (const [mode, text] of [
      ['immediate', 'an immediate rollback is in progress'],
      ['progressive', 'a progressive rollback is in progress'],
    ]) {
      const state = {
        ...createInitialState('v1', 'h', new Date()),
        status: 'in-progress',
        phase: 'P2',
        stage: { index: 0, id: 's1', startedAt: 'x' },
        flags: { f: { percent: 5, groups: [], killSwitch: false, updatedAt: 'x' } },
        rollback: { id: 'r', mode, startedAt: 'x', reason: 'y' },
      } as unknown as Parameters<typeof findWatchScope>[1];
      expect(findWatchScope(config, state)).toEqual({ active: false, reason: text });
    }
  });
});
