import { describe, expect, it } from 'vitest';

// The ratio verdict's units are asserted with every other metric kind in limit-units.test.ts.
describe('watch scope wording', () => {
  it('says "an immediate rollback", "a progressive rollback"', async () => {
    const { findWatchScope } = await import('../../../src/watch/scope.js');
    const { createInitialState } = await import('../../../src/state/types.js');
    const config = { phases: [{ id: 'P2', rollout: { flag: 'f' } }] } as unknown as Parameters<
      typeof findWatchScope
    >[0];
    for (const [mode, text] of [
      // Its kill switch is not on in the state: not "in progress", it failed (watch finishes it).
      ['immediate', 'an immediate rollback did not complete: the kill switch of f is not in place'],
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
