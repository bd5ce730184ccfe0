import { describe, expect, it } from 'vitest';
import { runVerify } from '../../../engines/verify.js';
import type { GateConfig } from '../../../src/config/schema.js';
import { judgeVerifyReport } from '../../../src/gates/property-gate.js';

type PropertyGate = Extract<GateConfig, { kind: 'property' }>;
const gate: PropertyGate = { id: 'accuracy', kind: 'property', engine: 'all', minAccuracyImprovement: 0.1 };
const real = runVerify({ runs: 1, seed: 5 });

describe('the accuracy verdict of a property gate', () => {
  it('passes the real engines at +10 % and names the measured improvement', () => {
    const r = judgeVerifyReport(gate, real);
    expect(r.verdict).toBe('pass');
    expect(r.summary).toMatch(/accuracy \+27\.4 % over v1\.0 \(100\.0 % vs 78\.5 %\)/);
  });

  it('fails when one engine is less accurate in v1.1 than in v1.0, however large the gain overall', () => {
    const report = structuredClone(real);
    const cohorts = report.accuracy?.perEngine.cohorts;
    if (!cohorts) throw new Error('no cohort accuracy');
    cohorts['v1.1'] = { ...cohorts['v1.1'], accuracy: cohorts['v1.0'].accuracy - 0.001 };
    expect(report.accuracy?.improvement).toBeGreaterThan(0.1);
    const r = judgeVerifyReport(gate, report);
    expect(r).toMatchObject({ verdict: 'fail', reason: 'accuracy' });
    expect(r.summary).toMatch(/^cohorts: v1\.1 accuracy 85\.\d % < v1\.0 85\.\d %/);
  });

  it('is inconclusive when v1.0 scores 0 (no ratio exists) and when no case was scored', () => {
    const zero = structuredClone(real);
    if (zero.accuracy) zero.accuracy.improvement = null;
    expect(judgeVerifyReport(gate, zero)).toMatchObject({ verdict: 'inconclusive', reason: 'nan' });
    const none = runVerify({ runs: 1, seed: 5, accuracy: false });
    expect(judgeVerifyReport(gate, none)).toMatchObject({ verdict: 'inconclusive', reason: 'nan' });
  });

  it('a gate without an accuracy target still fails on a golden case the release model misses', () => {
    const report = structuredClone(real);
    report.goldenFailures = [
      {
        id: 'G-R1',
        engine: 'reserves',
        model: 'v1.1',
        title: 't',
        detail: 'total: expected 61380000, got 38700000',
        relativeError: 0.37,
      },
    ];
    const r = judgeVerifyReport({ id: 'inv', kind: 'property', engine: 'all' }, report);
    expect(r).toMatchObject({ verdict: 'fail', reason: 'accuracy' });
    expect(r.summary).toBe(
      '1 golden case(s) wrong in v1.1 (first: reserves G-R1: total: expected 61380000, got 38700000)',
    );
  });
});
