import { describe, expect, it } from 'vitest';
import type { GateResult } from '../../../src/gates/types.js';
import {
  escapeData,
  escapeProperty,
  formatProgressLine,
  renderAnnotations,
  renderPreflight,
  type PreflightResult,
} from '../../../src/output/preflight-render.js';
import { plainStyle } from '../../../src/output/style.js';

const gate = (id: string, verdict: GateResult['verdict'], extra: Partial<GateResult> = {}): GateResult => ({
  id,
  kind: 'prometheus',
  verdict,
  reason: verdict === 'pass' ? 'ok' : 'threshold',
  summary: `${id} summary`,
  evidence: {},
  durationMs: 1500,
  ...extra,
});

const result: PreflightResult = {
  release: 'v2.1.0',
  phase: 'P0',
  phaseTitle: 'Pre-flight validation',
  verdict: 'fail',
  counts: { pass: 1, fail: 1, inconclusive: 1, total: 3 },
  at: '2026-03-01T12:00:00Z',
  durationMs: 4200,
  recorded: true,
  exitCode: 1,
  gates: [
    gate('tests', 'pass'),
    gate('error-rate', 'fail', {
      summary: '0.0101 is not < 0.01',
      evidence: { expected: '< 0.01', observed: 0.0101, source: 'sum(rate(…))' },
    }),
    gate('guardian', 'inconclusive', {
      summary: '100%: a, b\nsecond line',
      hint: 'set ROLLOUT_PROMETHEUS_URL to your Prometheus',
    }),
  ],
};

describe('preflight rendering', () => {
  it('lists gates in plan order in a table, details what did not pass, and ends with the verdict and exit code', () => {
    const text = renderPreflight(result, plainStyle);
    const rows = text.split('\n').filter((l) => /^(pass|fail|inconclusive)\s+\S+\s+prometheus\s/.test(l));
    expect(rows.map((r) => r.split(/\s+/)[1])).toEqual(['tests', 'error-rate', 'guardian']);
    expect(text).toContain('expected: < 0.01; seen: 0.0101');
    expect(text).toContain('hint: set ROLLOUT_PROMETHEUS_URL to your Prometheus');
    expect(text.trim().split('\n').at(-1)).toBe(
      'P0 fail: 1 passed, 1 failed, 1 inconclusive of 3 gate(s) in 4s (exit 1)',
    );
    expect(text).not.toContain('::error');
  });

  it('adds GitHub annotations, escaped as workflow commands, when asked', () => {
    const lines = renderAnnotations(result);
    expect(lines).toEqual([
      '::error title=rollout preflight P0 / error-rate::0.0101 is not < 0.01',
      '::warning title=rollout preflight P0 / guardian (inconclusive)::100%25: a, b%0Asecond line%0Ahint: set ROLLOUT_PROMETHEUS_URL to your Prometheus',
    ]);
    expect(renderPreflight(result, plainStyle, { annotations: true })).toContain(lines[0]);
    expect(escapeProperty('a:b,c%')).toBe('a%3Ab%2Cc%25');
    expect(escapeData('x\r\ny')).toBe('x%0D%0Ay');
  });

  it('prints plain progress lines in CI and marks on a terminal', () => {
    expect(formatProgressLine(result.gates[1] as GateResult, plainStyle, false)).toBe(
      '[fail] error-rate (prometheus, 1s): 0.0101 is not < 0.01',
    );
    expect(formatProgressLine(result.gates[0] as GateResult, plainStyle, true)).toBe('✓ tests 1s tests summary');
  });
});
