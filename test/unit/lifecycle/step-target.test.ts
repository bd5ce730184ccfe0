import { describe, expect, it } from 'vitest';
import type { StepTarget } from '../../../src/lifecycle/apply-step.js';
import { readPendingStep } from '../../../src/lifecycle/step-target.js';
import type { Intent } from '../../../src/state/types.js';

const target: StepTarget = {
  action: 'advance',
  step: 'next-stage',
  phase: 'P2',
  phaseStartedAt: '2026-05-01T10:00:00.000Z',
  stage: { index: 1, id: 'stage-2', startedAt: '2026-05-02T10:00:00.000Z' },
  status: 'in-progress',
  flags: {
    'reserves_v1.1': {
      percent: 5,
      groups: ['staff'],
      killSwitch: false,
      updatedAt: '2026-05-02T10:00:00.000Z',
      file: 'flags/flags.json',
    },
  },
  from: { phase: 'P2', stage: 'stage-1', percent: 1 },
  to: { phase: 'P2', stage: 'stage-2', percent: 5 },
};
const intent = (t: unknown, kind = 'advance'): { intent: Intent } => ({
  intent: { id: 'i-1', kind, target: t, startedAt: '2026-05-02T10:00:00.000Z', actor: 'ana' },
});

describe('readPendingStep: the interrupted advance is parsed, never cast', () => {
  it('returns the stored target of an advance intent', () => {
    expect(readPendingStep(intent(target))).toEqual(target);
  });

  it('no state, no intent or another kind of intent: nothing pending', () => {
    expect(readPendingStep(null)).toBeNull();
    expect(readPendingStep({ intent: null })).toBeNull();
    expect(readPendingStep(intent({ anything: true }, 'rollback'))).toBeNull();
  });

  it.each([
    [
      'a hand-edited percent',
      { ...target, flags: { 'reserves_v1.1': { ...target.flags['reserves_v1.1'], percent: 1000 } } },
      'flags',
    ],
    ['a missing flags map', { ...target, flags: undefined }, 'flags'],
    ['an unknown step kind', { ...target, step: 'jump-to-100' }, 'step'],
    ['a target that is a string', 'stage-2', 'target'],
    ['a null target', null, 'target'],
    ['a to-position of the wrong shape', { ...target, to: { percent: 'five' } }, 'to'],
  ])('%s is E_STATE_CORRUPT naming the field', (_name, bad, field) => {
    let caught: unknown;
    try {
      readPendingStep(intent(bad));
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({ code: 'E_STATE_CORRUPT' });
    expect((caught as Error).message).toContain('state.intent.target');
    expect((caught as Error).message).toContain(field);
  });
});
