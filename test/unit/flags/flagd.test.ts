import { describe, it, expect } from 'vitest';
import {
  buildFlagDocument,
  FlagSpecError,
  FLAGD_SCHEMA_URL,
  WEIGHT_TOTAL,
  type FlagSpecIssueCode,
} from '../../../src/flags/flagd.js';
import type { FlagSpec } from '../../../src/flags/types.js';

const base: FlagSpec = {
  key: 'reserves_v1.1',
  newVariant: 'reserves_v1.1',
  fallbackVariant: 'reserves_v1.0',
  percent: 5,
  groups: ['internal', 'beta_users'],
  killSwitch: false,
};

function issueCodes(specs: FlagSpec[]): FlagSpecIssueCode[] {
  try {
    buildFlagDocument(specs);
  } catch (err) {
    expect(err).toBeInstanceOf(FlagSpecError);
    return (err as FlagSpecError).issues.map((i) => i.code);
  }
  throw new Error('expected FlagSpecError');
}

describe('buildFlagDocument', () => {
  it('writes the flagd shape with the fallback as default and string variants', () => {
    const doc = buildFlagDocument([{ ...base, metadata: { stage: 'beta', 'monitoring.error_rate_threshold': 0.02 } }]);
    expect(doc.$schema).toBe(FLAGD_SCHEMA_URL);
    const flag = doc.flags['reserves_v1.1']!;
    expect(flag.state).toBe('ENABLED');
    expect(flag.variants).toEqual({ 'reserves_v1.1': 'reserves_v1.1', 'reserves_v1.0': 'reserves_v1.0' });
    expect(flag.defaultVariant).toBe('reserves_v1.0');
    expect(flag.metadata).toMatchObject({
      stage: 'beta',
      'monitoring.error_rate_threshold': 0.02,
      'rollout.stage_percent': 5,
      'rollout.kill_switch': false,
    });
    for (const value of Object.values(flag.metadata!)) expect(['string', 'number', 'boolean']).toContain(typeof value);
  });

  it('puts the group rule first and the new variant first in fractional', () => {
    const targeting = buildFlagDocument([base]).flags['reserves_v1.1']!.targeting as { if: unknown[] };
    expect(targeting.if[0]).toEqual({
      some: [{ merge: [{ var: 'groups' }] }, { in: [{ var: '' }, ['beta_users', 'internal']] }],
    });
    expect(targeting.if[1]).toBe('reserves_v1.1');
    expect(targeting.if[2]).toEqual({ var: 'targetingKey' });
    expect(targeting.if[3]).toEqual({
      fractional: [
        { cat: [{ var: '$flagd.flagKey' }, { var: 'targetingKey' }] },
        ['reserves_v1.1', 5000],
        ['reserves_v1.0', 95000],
      ],
    });
    expect(targeting.if[4]).toBe('reserves_v1.0');
  });

  it('honours groupAttribute and bucketBy, and omits the group rule without groups', () => {
    const targeting = buildFlagDocument([{ ...base, groups: [], groupAttribute: 'roles', bucketBy: 'accountId' }])
      .flags['reserves_v1.1']!.targeting;
    expect(targeting).toEqual({
      if: [
        { var: 'accountId' },
        {
          fractional: [
            { cat: [{ var: '$flagd.flagKey' }, { var: 'accountId' }] },
            ['reserves_v1.1', 5000],
            ['reserves_v1.0', 95000],
          ],
        },
        'reserves_v1.0',
      ],
    });
    const withGroups = buildFlagDocument([{ ...base, groupAttribute: 'roles' }]).flags['reserves_v1.1']!.targeting as {
      if: unknown[];
    };
    expect(JSON.stringify(withGroups.if[0])).toContain('"var":"roles"');
  });

  it('supports 0.001 % steps and the 0 / 100 extremes', () => {
    const weights = (percent: number) => {
      const t = buildFlagDocument([{ ...base, percent }]).flags['reserves_v1.1']!.targeting as {
        if: { fractional?: unknown[] }[];
      };
      return t.if[3]!.fractional!.slice(1);
    };
    expect(weights(0.5)).toEqual([
      ['reserves_v1.1', 500],
      ['reserves_v1.0', WEIGHT_TOTAL - 500],
    ]);
    expect(weights(0.001)).toEqual([
      ['reserves_v1.1', 1],
      ['reserves_v1.0', WEIGHT_TOTAL - 1],
    ]);
    expect(weights(0)).toEqual([
      ['reserves_v1.1', 0],
      ['reserves_v1.0', WEIGHT_TOTAL],
    ]);
    expect(weights(100)).toEqual([
      ['reserves_v1.1', WEIGHT_TOTAL],
      ['reserves_v1.0', 0],
    ]);
  });

  it('kill switch: fallback for group members and 0 weight, every other part unchanged', () => {
    const live = buildFlagDocument([base]).flags['reserves_v1.1']!;
    const killed = buildFlagDocument([{ ...base, killSwitch: true }]).flags['reserves_v1.1']!;
    const t = killed.targeting as { if: { fractional?: unknown[] }[] };
    expect(t.if[1]).toBe('reserves_v1.0');
    expect(t.if[3]!.fractional!.slice(1)).toEqual([
      ['reserves_v1.1', 0],
      ['reserves_v1.0', WEIGHT_TOTAL],
    ]);
    expect(killed.state).toBe('ENABLED');
    expect(killed.metadata!['rollout.stage_percent']).toBe(5);
    expect(killed.metadata!['rollout.kill_switch']).toBe(true);
    // Undo = the same spec without the kill switch = byte-identical document.
    expect(JSON.stringify(buildFlagDocument([{ ...base, killSwitch: false }]).flags['reserves_v1.1'])).toBe(
      JSON.stringify(live),
    );
  });

  it('is deterministic and ignores group order and duplicates', () => {
    const a = buildFlagDocument([base]);
    const b = buildFlagDocument([{ ...base, groups: ['beta_users', 'internal', 'internal'] }]);
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
  });

  it('rejects invalid specs with a code for every problem', () => {
    expect(issueCodes([{ ...base, percent: 100.5 }])).toEqual(['PERCENT_OUT_OF_RANGE']);
    expect(issueCodes([{ ...base, percent: -1 }])).toEqual(['PERCENT_OUT_OF_RANGE']);
    expect(issueCodes([{ ...base, percent: Number.NaN }])).toEqual(['PERCENT_INVALID']);
    expect(issueCodes([{ ...base, percent: 0.0005 }])).toEqual(['PERCENT_TOO_PRECISE']);
    expect(issueCodes([{ ...base, fallbackVariant: 'reserves_v1.1' }])).toEqual(['VARIANTS_IDENTICAL']);
    expect(issueCodes([{ ...base, key: '' }])).toEqual(['FLAG_KEY_EMPTY']);
    expect(issueCodes([{ ...base, newVariant: ' ' }])).toEqual(['VARIANT_EMPTY']);
    expect(issueCodes([{ ...base, groups: ['a,b'] }])).toEqual(['GROUP_INVALID']);
    expect(issueCodes([{ ...base, bucketBy: '' }])).toEqual(['ATTRIBUTE_INVALID']);
    expect(issueCodes([{ ...base, groupAttribute: '$flagd.flagKey' }])).toEqual(['ATTRIBUTE_INVALID']);
    expect(issueCodes([{ ...base, bucketBy: 'user.id' }])).toEqual(['ATTRIBUTE_INVALID']);
    expect(issueCodes([{ ...base, metadata: { 'rollout.stage_percent': 1 } }])).toEqual(['METADATA_RESERVED']);
    expect(issueCodes([{ ...base, metadata: { nested: { a: 1 } as unknown as string } }])).toEqual([
      'METADATA_INVALID',
    ]);
    expect(issueCodes([base, base])).toEqual(['FLAG_KEY_DUPLICATE']);
    expect(issueCodes([{ ...base, key: '', percent: 101, fallbackVariant: 'reserves_v1.1' }]).sort()).toEqual([
      'FLAG_KEY_EMPTY',
      'PERCENT_OUT_OF_RANGE',
      'VARIANTS_IDENTICAL',
    ]);
  });

  it('accepts percents that are float-noisy multiples of 0.001', () => {
    expect(() => buildFlagDocument([{ ...base, percent: 0.1 + 0.2 }])).not.toThrow();
  });
});
