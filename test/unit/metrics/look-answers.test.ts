import { describe, expect, it } from 'vitest';
import type { Scalar } from '../../../src/canary/evidence.js';
import type { TriggerSpec } from '../../../src/watch/specs.js';
import { evaluateRatioTrigger, readCounts, type RatioScalars } from '../../../src/watch/triggers.js';
import { createTriggerProgress } from '../../../src/watch/types.js';

/**
 * What one watch look makes of odd answers (found by test/integration/metrics/fuzz-answers.test.ts):
 * none of them may say `ok`, fire, or throw inside the trigger.
 */
const ok = (value: number): Scalar => ({ ok: true, value });
const nan: Scalar = { ok: false, reason: 'nan', detail: 'the query returned NaN' };
const empty: Scalar = { ok: false, reason: 'no-data', detail: 'the query returned no series' };
const impossible: Scalar = { ok: false, reason: 'impossible-value', detail: 'impossible value -5' };
const scalars = (ce: Scalar, ct: Scalar, be: Scalar, bt: Scalar): RatioScalars => ({
  canaryEvents: ce,
  canaryTotal: ct,
  baselineEvents: be,
  baselineTotal: bt,
});

const metric = {
  id: 'error_rate',
  kind: 'ratio',
  events: 'e',
  total: 't',
  direction: 'lower-is-better',
  maxRelativeChange: 0.1,
  critical: true,
  action: 'rollback',
} as const;
const relative: Extract<TriggerSpec, { kind: 'ratio' }> = {
  id: 'error-rate',
  action: 'rollback',
  kind: 'ratio',
  metric,
  comparison: 'above',
  limit: { factor: 1.5 },
  window: '10m',
};
const absolute: Extract<TriggerSpec, { kind: 'ratio' }> = { ...relative, id: 'abs', limit: { absolute: 0.02 } };

const lookAt = (spec: Extract<TriggerSpec, { kind: 'ratio' }>, s: RatioScalars) =>
  evaluateRatioTrigger(
    spec,
    createTriggerProgress(),
    { window: s, increment: s, at: '2026-01-01T00:10:00.000Z' },
    { alpha: 0.01 },
  ).outcome;

describe('a watch look on odd answers', () => {
  it('NaN events are no data, not 0 events (only a missing events series is 0 events)', () => {
    expect(readCounts(scalars(nan, ok(12000), ok(60), ok(12000)))).toMatchObject({ ok: false, status: 'no-data' });
    expect(readCounts(scalars(empty, ok(12000), ok(60), ok(12000)))).toMatchObject({ ok: true, canary: { events: 0 } });
    expect(lookAt(absolute, scalars(nan, ok(12000), ok(60), ok(12000))).status).toBe('no-data');
  });

  it('an impossible count is a source error', () => {
    expect(readCounts(scalars(ok(1), impossible, ok(60), ok(12000)))).toMatchObject({ ok: false, status: 'error' });
  });

  it('a total of 3e-323 requests (an extrapolated empty window) is no traffic, and the sequential test is not started on it', () => {
    const outcome = lookAt(relative, scalars(ok(50), ok(48510), ok(12000), ok(3e-323)));
    expect(outcome.status).toBe('no-data');
    expect(outcome.detail).toContain('no traffic on the baseline arm');
    expect(lookAt(absolute, scalars(ok(0), ok(5e-324), ok(0), ok(1000))).status).toBe('no-data');
  });

  it('more events than requests is an error, never a fire or an ok', () => {
    const outcome = lookAt(absolute, scalars(ok(120), ok(100), ok(1), ok(1000)));
    expect(outcome.status).toBe('error');
    expect(outcome.detail).toContain('the events query counts more than the total query on the canary arm');
    expect(lookAt(relative, scalars(ok(1), ok(1000), ok(5000), ok(1000))).status).toBe('error');
  });
});
