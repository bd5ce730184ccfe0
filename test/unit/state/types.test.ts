import { describe, expect, it } from 'vitest';
import { createInitialState } from '../../../src/state/types.js';
import { crashPoint } from '../../../src/state/crash-points.js';

describe('createInitialState', () => {
  it('starts a never-written release at serial 0 with a fresh lineage', () => {
    const now = new Date('2026-03-01T10:00:00.000Z');
    const a = createInitialState('v2.1.0', 'sha256:abc', now);
    const b = createInitialState('v2.1.0', 'sha256:abc', now);
    expect(a).toMatchObject({
      schemaVersion: 1,
      release: 'v2.1.0',
      serial: 0,
      configHash: 'sha256:abc',
      status: 'not-started',
      phase: null,
      intent: null,
    });
    expect(a.lineage).toMatch(/^[0-9a-f-]{36}$/);
    expect(a.lineage).not.toBe(b.lineage);
    expect(a.history).toEqual([
      { at: '2026-03-01T10:00:00.000Z', actor: 'rollout', action: 'create', to: { release: 'v2.1.0' }, serial: 1 },
    ]);
  });
});

describe('crashPoint', () => {
  it('does nothing when ROLLOUT_CRASH_AT is unset', () => {
    expect(process.env.ROLLOUT_CRASH_AT).toBeUndefined();
    crashPoint('state:after-rename');
    expect(process.pid).toBeGreaterThan(0);
  });
});
