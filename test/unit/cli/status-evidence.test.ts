import { describe, expect, it } from 'vitest';
import { summarizeEvidence } from '../../../src/commands/status.js';
import { createInitialState, type ReleaseState } from '../../../src/state/types.js';

function stateWith(
  status: ReleaseState['status'],
  history: Array<{ at: string; action: string }>,
  adhocAt: string,
): ReleaseState {
  const base = createInitialState('v1', 'h', new Date('2026-01-01T00:00:00Z'));
  return {
    ...base,
    status,
    history: history.map((h, i) => ({ ...h, actor: 'ana', serial: i + 1 })),
    evidence: {
      'canary:adhoc': { verdict: 'fail', summary: 'ad hoc', at: adhocAt },
      'canary:s1': { verdict: 'pass', summary: 'stage', at: '2026-01-01T01:00:00Z' },
    },
  };
}

describe('status evidence', () => {
  const history = [
    { at: '2026-01-01T00:00:00Z', action: 'create' },
    { at: '2026-01-01T02:00:00Z', action: 'advance' },
    { at: '2026-01-01T03:00:00Z', action: 'rollback' },
  ];

  it('drops an ad-hoc verdict recorded before the rollback or the completing advance', () => {
    expect(summarizeEvidence(stateWith('rolled-back', history, '2026-01-01T02:30:00Z')).map((e) => e.key)).toEqual([
      'canary:s1',
    ]);
    expect(
      summarizeEvidence(stateWith('completed', history.slice(0, 2), '2026-01-01T01:30:00Z')).map((e) => e.key),
    ).toEqual(['canary:s1']);
  });

  it('keeps it while the release runs, and when it was recorded after the end', () => {
    expect(
      summarizeEvidence(stateWith('in-progress', history.slice(0, 2), '2026-01-01T02:30:00Z')).map((e) => e.key),
    ).toEqual(['canary:adhoc', 'canary:s1']);
    expect(summarizeEvidence(stateWith('rolled-back', history, '2026-01-01T04:00:00Z')).map((e) => e.key)).toEqual([
      'canary:adhoc',
      'canary:s1',
    ]);
  });
});
