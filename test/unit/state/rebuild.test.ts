import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { rebuildStateFromAudit, type RebuildPlan } from '../../../src/state/rebuild.js';
import { checkStateDocument } from '../../../src/state/state-schema.js';
import type { AuditEntry } from '../../../src/state/store.js';

const PLAN: RebuildPlan = {
  release: 'v9.9.9',
  phases: [
    { id: 'P0' },
    { id: 'P1' },
    {
      id: 'P2',
      rollout: {
        flag: 'f',
        stages: [
          { id: 's1', percent: 10, groups: ['internal'] },
          { id: 's2', percent: 50 },
        ],
      },
    },
  ],
};

function entry(seq: number, op: string, data: unknown, stateSerial?: number): AuditEntry {
  return {
    v: 1,
    seq,
    ts: new Date(Date.UTC(2026, 0, 1, 0, seq)).toISOString(),
    prev: '',
    hash: '',
    actor: 'ci',
    op,
    data,
    ...(stateSerial === undefined ? {} : { stateSerial }),
  };
}

describe('rebuildStateFromAudit', () => {
  it('follows advances, a rollback and a retry to the position they leave', () => {
    const entries = [
      entry(1, 'advance', { to: { phase: 'P1', stage: null, percent: null } }, 2),
      entry(2, 'advance', { to: { phase: 'P2', stage: null, percent: null } }, 4),
      entry(3, 'advance', { to: { phase: 'P2', stage: 's1', percent: 10 } }, 6),
      entry(4, 'signoff', { item: 'qa', phase: 'P2' }),
      entry(5, 'rollback', { mode: 'immediate', rollbackId: 'rb-1' }, 7),
    ];
    const rolledBack = rebuildStateFromAudit(entries, PLAN);
    expect(rolledBack.state).toMatchObject({
      serial: 7,
      status: 'rolled-back',
      phase: 'P2',
      stage: { index: 0, id: 's1' },
      flags: { f: { percent: 10, groups: ['internal'], killSwitch: true } },
      rollback: { id: 'rb-1', mode: 'immediate' },
    });
    expect(rolledBack.state.signoffs).toHaveLength(1);
    const retried = rebuildStateFromAudit([...entries, entry(6, 'retry', { stage: 's1', percent: 10 }, 8)], PLAN);
    expect(retried.state).toMatchObject({ serial: 8, status: 'in-progress', flags: { f: { killSwitch: false } } });
    expect(checkStateDocument(rolledBack.state)).toEqual([]);
  });

  it('always produces a document the state schema accepts, whatever the entries say', () => {
    const position = fc.record({
      phase: fc.constantFrom('P0', 'P1', 'P2', 'PX', null),
      stage: fc.constantFrom('s1', 's2', 'sX', null),
      percent: fc.oneof(fc.constantFrom(0, 10, 50, 100, 1000, -5), fc.constant(null), fc.double()),
    });
    const anEntry = fc.oneof(
      fc.record({ op: fc.constant('advance'), data: fc.oneof(fc.record({ to: position }), fc.jsonValue()) }),
      fc.record({
        op: fc.constant('rollback'),
        data: fc.oneof(
          fc.record({ mode: fc.constantFrom('immediate', 'progressive'), rollbackId: fc.string() }),
          fc.jsonValue(),
        ),
      }),
      fc.record({
        op: fc.constant('retry'),
        data: fc.oneof(
          fc.record({
            stage: fc.constantFrom('s1', 's2', ''),
            percent: fc.oneof(fc.constantFrom(10, 50, 1000), fc.double()),
          }),
          fc.jsonValue(),
        ),
      }),
      fc.record({ op: fc.constantFrom('signoff', 'lock:takeover', 'watch:look'), data: fc.jsonValue() }),
    );
    const serial = fc.oneof(fc.nat(40), fc.constantFrom(-1, 1.5, 1e308));
    fc.assert(
      fc.property(
        fc.array(anEntry, { maxLength: 12 }),
        fc.array(serial, { maxLength: 12 }),
        fc.array(fc.oneof(fc.string(), fc.constant(undefined)), { maxLength: 12 }),
        (ops, serials, reasons) => {
          const entries = ops.map((o, i) => ({
            ...entry(i + 1, o.op, o.data, serials[i]),
            ...(reasons[i] === undefined ? {} : { reason: reasons[i] }),
          }));
          const { state } = rebuildStateFromAudit(entries, PLAN);
          expect(checkStateDocument(state)).toEqual([]);
        },
      ),
      { numRuns: 500 },
    );
  });
});
