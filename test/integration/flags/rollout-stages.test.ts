import { describe, it, expect, beforeAll } from 'vitest';
import { FlagdCore, MemoryStorage } from '@openfeature/flagd-core';
import { buildFlagDocument } from '../../../src/flags/flagd.js';
import { evaluateFlag, evaluateShare } from '../../../src/flags/evaluate.js';
import type { FlagSpec } from '../../../src/flags/types.js';

const FLAG = 'reserves_v1.1';
const STAGES = [1, 5, 25, 50, 100];
const KEYS = Array.from({ length: 100_000 }, (_, i) => `user-${i.toString(36)}-${(i * 7919) % 100_003}`);
const base: FlagSpec = {
  key: FLAG,
  newVariant: 'reserves_v1.1',
  fallbackVariant: 'reserves_v1.0',
  percent: 1,
  groups: ['internal', 'beta_users'],
  killSwitch: false,
};

function docAt(percent: number, killSwitch = false) {
  return buildFlagDocument([{ ...base, percent, killSwitch }]);
}

function cohortAt(percent: number, killSwitch = false): Set<string> {
  return new Set(evaluateShare(docAt(percent, killSwitch), FLAG, KEYS, { collectKeys: true }).keysWithNewVariant);
}

describe('staged rollout evaluated by flagd-core on 100,000 keys', () => {
  const cohorts = new Map<number, Set<string>>();
  beforeAll(() => {
    for (const p of STAGES) cohorts.set(p, cohortAt(p));
  });

  it.each(STAGES)('serves the new variant to %d % (±0.5 points)', (percent) => {
    const share = (cohorts.get(percent)!.size * 100) / KEYS.length;
    console.info(`stage ${percent} %: measured ${share.toFixed(3)} %`);
    expect(Math.abs(share - percent)).toBeLessThanOrEqual(0.5);
  });

  it('keeps every key that had the new variant as the percentage grows', () => {
    for (let i = 1; i < STAGES.length; i++) {
      const previous = cohorts.get(STAGES[i - 1]!)!;
      const next = cohorts.get(STAGES[i]!)!;
      const dropped = [...previous].filter((key) => !next.has(key));
      expect(dropped).toEqual([]);
    }
    expect(cohorts.get(1)!.size).toBeGreaterThan(0);
  });

  it('a reversed variant order would NOT be sticky (the property is not vacuous)', () => {
    const reversed = (percent: number) => {
      const doc = docAt(percent);
      const t = doc.flags[FLAG]!.targeting as { if: { fractional?: unknown[] }[] };
      const [expr, first, second] = t.if[3]!.fractional!;
      t.if[3]!.fractional = [expr, second, first];
      return new Set(evaluateShare(doc, FLAG, KEYS, { collectKeys: true }).keysWithNewVariant);
    };
    const at5 = cohorts.get(5)!;
    const flipped = reversed(25);
    expect([...at5].filter((k) => !flipped.has(k)).length).toBeGreaterThan(1000);
  });

  it.each(STAGES)('group members always have it at %d %', (percent) => {
    const doc = docAt(percent);
    const sample = KEYS.slice(0, 5000);
    for (const groups of [['internal'], ['beta_users'], ['other', 'beta_users']]) {
      expect(evaluateShare(doc, FLAG, sample, { groups }).withNewVariant).toBe(sample.length);
    }
    expect(evaluateShare(doc, FLAG, sample, { groups: ['other'] }).withNewVariant).toBeLessThan(
      sample.length * (percent / 100 + 0.05),
    );
  });

  it('group membership given as a single string also matches', () => {
    const doc = docAt(1);
    const core = new FlagdCore();
    core.setConfigurations(JSON.stringify(doc));
    const r = core.resolveStringEvaluation(FLAG, 'code-default', { targetingKey: KEYS[0]!, groups: 'internal' });
    expect(r).toMatchObject({ value: 'reserves_v1.1', reason: 'TARGETING_MATCH' });
  });

  it('kill switch: nobody has it, group members included, and undoing it restores the same keys', () => {
    for (const percent of [5, 50]) {
      const killed = docAt(percent, true);
      expect(evaluateShare(killed, FLAG, KEYS).withNewVariant).toBe(0);
      expect(
        evaluateShare(killed, FLAG, KEYS.slice(0, 5000), { groups: ['internal', 'beta_users'] }).withNewVariant,
      ).toBe(0);
      const restored = cohortAt(percent, false);
      expect([...restored].sort()).toEqual([...cohorts.get(percent)!].sort());
    }
  });

  it('requests without a targeting key get the fallback rather than a shared bucket', () => {
    const core = new FlagdCore();
    core.setConfigurations(JSON.stringify(docAt(100)));
    expect(core.resolveStringEvaluation(FLAG, 'code-default', {}).value).toBe('reserves_v1.0');
    expect(core.resolveStringEvaluation(FLAG, 'code-default', { groups: ['internal'] }).value).toBe('reserves_v1.1');
  });

  it('every stage passes flagd-core strict schema validation', () => {
    for (const percent of [0, ...STAGES]) {
      for (const killSwitch of [false, true]) {
        expect(() =>
          new MemoryStorage(undefined as never).setConfigurations(JSON.stringify(docAt(percent, killSwitch)), true),
        ).not.toThrow();
      }
    }
  });
});

describe('evaluateFlag explanations agree with flagd-core', () => {
  it('explains every key of a sample, including non-ASCII keys', () => {
    const doc = docAt(25);
    const sample = [
      ...KEYS.slice(0, 20_000),
      'é',
      'ünïcødé-user',
      '用户-42',
      'emoji-😀',
      'a\u8000bc',
      'abc\u8000',
      'xy\u8000',
      'ab\uffff',
      'q\u0101',
    ];
    const reasons: Record<string, number> = {};
    for (const targetingKey of sample) {
      const e = evaluateFlag(doc, FLAG, { targetingKey });
      reasons[e.reason] = (reasons[e.reason] ?? 0) + 1;
      expect(e.reason, e.detail).toBe('bucket');
      expect(e.variant === 'reserves_v1.1').toBe(e.bucketPercent! < 25);
    }
    expect(reasons).toEqual({ bucket: sample.length });
  });

  it('names the group rule, the bucket, the kill switch and a missing key', () => {
    const live = docAt(5);
    const member = evaluateFlag(live, FLAG, { targetingKey: 'u1', groups: ['beta_users'] });
    expect(member).toMatchObject({ variant: 'reserves_v1.1', reason: 'group-rule', flagdReason: 'TARGETING_MATCH' });
    expect(member.detail).toContain('"beta_users"');

    const inside = KEYS.find((k) => evaluateFlag(live, FLAG, { targetingKey: k }).variant === 'reserves_v1.1')!;
    const inExplained = evaluateFlag(live, FLAG, { targetingKey: inside });
    expect(inExplained.reason).toBe('bucket');
    expect(inExplained.detail).toMatch(/^bucket \d+(\.\d+)? < 5 % → reserves_v1\.1$/);

    const killed = evaluateFlag(docAt(5, true), FLAG, { targetingKey: inside });
    expect(killed).toMatchObject({ variant: 'reserves_v1.0', reason: 'kill-switch' });
    expect(killed.detail).toContain('reserves_v1.1 when it is undone');
    expect(evaluateFlag(docAt(5, true), FLAG, { targetingKey: 'u1', groups: ['internal'] })).toMatchObject({
      variant: 'reserves_v1.0',
      reason: 'kill-switch',
    });

    expect(evaluateFlag(live, FLAG, { targetingKey: '' })).toMatchObject({
      variant: 'reserves_v1.0',
      reason: 'no-bucket-key',
    });
    expect(evaluateFlag(live, 'missing', { targetingKey: 'u1' })).toMatchObject({
      variant: null,
      reason: 'flag-not-found',
    });
  });

  it('uses a custom bucketBy attribute and group attribute', () => {
    const doc = buildFlagDocument([{ ...base, percent: 50, bucketBy: 'accountId', groupAttribute: 'roles' }]);
    const a = evaluateFlag(doc, FLAG, { targetingKey: 'x', attrs: { accountId: 'acct-1' } });
    const b = evaluateFlag(doc, FLAG, { targetingKey: 'y', attrs: { accountId: 'acct-1' } });
    expect(a.variant).toBe(b.variant);
    expect(a.bucketPercent).toBe(b.bucketPercent);
    expect(evaluateFlag(doc, FLAG, { targetingKey: 'x' }).reason).toBe('no-bucket-key');
    expect(evaluateFlag(doc, FLAG, { targetingKey: 'x', groups: ['internal'] }).reason).toBe('group-rule');
  });

  it('re-reads a document mutated between calls', () => {
    const doc = docAt(100);
    expect(evaluateFlag(doc, FLAG, { targetingKey: 'u1' }).variant).toBe('reserves_v1.1');
    doc.flags[FLAG]!.state = 'DISABLED';
    expect(evaluateFlag(doc, FLAG, { targetingKey: 'u1' })).toMatchObject({ variant: null, reason: 'disabled' });
  });
});
