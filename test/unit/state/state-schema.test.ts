import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkStateDocument, parseStateDocument } from '../../../src/state/state-schema.js';
import { parseStateText } from '../../../src/state/state-document.js';
import { createInitialState, type ReleaseState } from '../../../src/state/types.js';

const NOW = new Date('2026-03-01T10:00:00.000Z');

function walked(): ReleaseState {
  return {
    ...createInitialState('v2.1.0', 'sha256:abc', NOW),
    serial: 7,
    status: 'in-progress',
    phase: 'P2',
    phaseStartedAt: NOW.toISOString(),
    stage: { index: 1, id: 's2', startedAt: NOW.toISOString() },
    flags: { 'reserves_v1.1': { percent: 25, groups: ['internal'], killSwitch: false, updatedAt: NOW.toISOString() } },
    signoffs: [{ item: 'qa', phase: 'P1', actor: 'alice', at: NOW.toISOString(), reason: 'done' }],
    intent: { id: 'i1', kind: 'advance', target: { stage: 's3' }, startedAt: NOW.toISOString(), actor: 'ci' },
    rollback: {
      id: 'rb',
      mode: 'progressive',
      startedAt: NOW.toISOString(),
      reason: 'drill',
      steps: [{ percent: 10, notBefore: NOW.toISOString(), done: true }],
    },
  };
}

describe('the state schema', () => {
  it('accepts what rollout writes, and keeps fields a newer version adds', () => {
    expect(checkStateDocument(createInitialState('v1', '', NOW))).toEqual([]);
    expect(checkStateDocument(walked())).toEqual([]);
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.string({ minLength: 1 }).filter((k) => !(k in walked())),
          fc.jsonValue({ maxDepth: 2 }),
        ),
        (extra) => {
          expect(checkStateDocument({ ...walked(), ...extra })).toEqual([]);
        },
      ),
    );
  });

  it('lists every problem at once, with its JSON path', () => {
    const doc = walked() as unknown as Record<string, unknown>;
    const issues = checkStateDocument({
      ...doc,
      status: 'exploded',
      serial: -1,
      lineage: undefined,
      flags: { 'reserves_v1.1': { percent: 1000, groups: 'internal', killSwitch: 'no', updatedAt: 'yesterday' } },
      history: [{ at: 'noon', actor: 'x', action: 'advance', serial: 1.5 }],
    });
    expect(issues.map((i) => `${i.where}: ${i.message}`)).toEqual(
      expect.arrayContaining([
        'status: string "exploded" is not allowed; expected "not-started" | "in-progress" | "completed" | "rolled-back"',
        'serial: number -1 is too small (at least 0)',
        'lineage: required (string)',
        'flags["reserves_v1.1"].percent: number 1000 is too large (at most 100)',
        'flags["reserves_v1.1"].groups: expected array, got string "internal"',
        'flags["reserves_v1.1"].killSwitch: expected boolean, got string "no"',
        'flags["reserves_v1.1"].updatedAt: string "yesterday" is not an ISO timestamp',
        'history[0].at: string "noon" is not an ISO timestamp',
        'history[0].serial: expected int, got number 1.5',
      ]),
    );
    expect(issues).toHaveLength(9);
  });

  it('checks the rollback fields status and retry steer by (who ran it, where it came from, its runner)', () => {
    const base = walked();
    const rollback = {
      ...base.rollback!,
      actor: 'carol',
      from: { phase: 'P2', stage: 's2', percent: 25, groups: ['internal'] },
      runner: {
        actor: 'carol',
        pid: 4242,
        host: 'ops-1',
        startedAt: NOW.toISOString(),
        heartbeatAt: NOW.toISOString(),
      },
    };
    expect(checkStateDocument({ ...base, rollback })).toEqual([]);
    const issues = checkStateDocument({
      ...base,
      rollback: {
        ...rollback,
        actor: 7,
        from: { ...rollback.from, percent: 250, groups: 'internal' },
        runner: { ...rollback.runner, pid: -1, heartbeatAt: 'soon' },
      },
      history: [{ ...base.history[0], reason: 3 }],
    });
    expect(issues.map((i) => `${i.where}: ${i.message}`)).toEqual([
      'rollback.actor: expected string, got number 7',
      'rollback.from.percent: number 250 is too large (at most 100)',
      'rollback.from.groups: expected array, got string "internal"',
      'rollback.runner.pid: number -1 is too small (more than 0)',
      'rollback.runner.heartbeatAt: string "soon" is not an ISO timestamp',
      'history[0].reason: expected string, got number 3',
    ]);
  });

  it('parseStateDocument hands back the parsed document (unknown fields kept), or the issues', () => {
    const doc = { ...walked(), addedLater: { x: 1 } };
    expect(parseStateDocument(doc)).toEqual({ ok: true, state: doc });
    const bad = parseStateDocument({ ...doc, serial: 'seven' });
    expect(bad.ok).toBe(false);
    expect(bad.ok ? [] : bad.issues.map((i) => i.where)).toEqual(['serial']);
  });

  it('never throws, whatever the JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(Array.isArray(checkStateDocument(value))).toBe(true);
      }),
    );
  });
});

describe('parseStateText', () => {
  it('returns the document when it is a release state', async () => {
    const doc = walked();
    await expect(parseStateText(JSON.stringify(doc, null, 2), 'state.json')).resolves.toEqual(doc);
  });

  it('points at the line and column of each problem and of a syntax error', async () => {
    const text = JSON.stringify({ ...walked(), status: 'exploded' }, null, 2);
    const line = text.split('\n').findIndex((l) => l.includes('"exploded"')) + 1;
    await expect(parseStateText(text, 'state.json')).rejects.toMatchObject({
      code: 'E_STATE_CORRUPT',
      problems: [{ file: 'state.json', line, col: 13, message: expect.stringMatching(/^status: /) as unknown }],
    });
    await expect(parseStateText('{\n  "a": 1,\n  oops\n}', 'state.json')).rejects.toMatchObject({
      problems: [{ line: 3 }],
    });
    await expect(parseStateText('', 'state.json')).rejects.toThrow(/empty \(0 bytes\)/);
  });
});
