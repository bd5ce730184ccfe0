import { describe, it, expect } from 'vitest';
import { buildFlagDocument } from '../../../src/flags/flagd.js';
import { diffDocuments, formatFlagDiff, DOCUMENT_SCOPE } from '../../../src/flags/diff.js';
import type { FlagSpec } from '../../../src/flags/types.js';

const base: FlagSpec = {
  key: 'reserves_v1.1',
  newVariant: 'reserves_v1.1',
  fallbackVariant: 'reserves_v1.0',
  percent: 5,
  groups: ['internal'],
  killSwitch: false,
};

describe('diffDocuments', () => {
  it('is empty for equal documents', () => {
    expect(diffDocuments(buildFlagDocument([base]), buildFlagDocument([base])).changes).toEqual([]);
    expect(formatFlagDiff({ changes: [] })).toBe('');
  });

  it('lists exactly the weights and the metadata when the stage advances', () => {
    const diff = diffDocuments(buildFlagDocument([base]), buildFlagDocument([{ ...base, percent: 25 }]));
    expect(diff.changes).toEqual([
      { flag: 'reserves_v1.1', field: 'targeting.if[3].fractional[1][1]', before: 5000, after: 25000 },
      { flag: 'reserves_v1.1', field: 'targeting.if[3].fractional[2][1]', before: 95000, after: 75000 },
      { flag: 'reserves_v1.1', field: 'metadata["rollout.stage_percent"]', before: 5, after: 25 },
    ]);
    // People read the meaning; the exact leaves stay in `changes` for the audit log and --json.
    expect(formatFlagDiff(diff)).toBe('reserves_v1.1: 5 % → 25 %');
  });

  it('reads an added group as an added group, not as shifted entries of the targeting rule', () => {
    const diff = diffDocuments(
      buildFlagDocument([base]),
      buildFlagDocument([{ ...base, groups: ['beta_users', 'internal'] }]),
    );
    expect(diff.changes.length).toBeGreaterThan(1);
    expect(formatFlagDiff(diff)).toBe('reserves_v1.1: groups +beta_users');
    const week = diffDocuments(
      buildFlagDocument([{ ...base, groups: ['beta_users', 'internal'] }]),
      buildFlagDocument([{ ...base, percent: 25, groups: ['beta_users'] }]),
    );
    expect(formatFlagDiff(week)).toBe('reserves_v1.1: 5 % → 25 %; groups −internal');
    const kill = diffDocuments(buildFlagDocument([base]), buildFlagDocument([{ ...base, killSwitch: true }]));
    expect(formatFlagDiff(kill)).toBe('reserves_v1.1: kill switch on (fallback for everyone)');
    const undo = diffDocuments(buildFlagDocument([{ ...base, killSwitch: true }]), buildFlagDocument([base]));
    expect(formatFlagDiff(undo)).toBe('reserves_v1.1: kill switch off');
  });

  it('shows the kill switch as group variant, weights and metadata', () => {
    const diff = diffDocuments(buildFlagDocument([base]), buildFlagDocument([{ ...base, killSwitch: true }]));
    expect(diff.changes.map((c) => c.field)).toEqual([
      'targeting.if[1]',
      'targeting.if[3].fractional[1][1]',
      'targeting.if[3].fractional[2][1]',
      'metadata["rollout.kill_switch"]',
    ]);
    expect(diff.changes[0]).toMatchObject({ before: 'reserves_v1.1', after: 'reserves_v1.0' });
  });

  it('reports added and removed flags, document fields and absent values', () => {
    const other: FlagSpec = { ...base, key: 'pacing_v2', newVariant: 'on', fallbackVariant: 'off' };
    const before = buildFlagDocument([base]);
    const after = buildFlagDocument([other], { flagSetId: 'team-a' });
    const diff = diffDocuments(before, after);
    expect(diff.changes).toContainEqual({
      flag: DOCUMENT_SCOPE,
      field: 'metadata.flagSetId',
      before: 'rollout',
      after: 'team-a',
    });
    expect(diff.changes).toContainEqual({
      flag: 'reserves_v1.1',
      field: '(flag)',
      before: before.flags['reserves_v1.1'],
      after: undefined,
    });
    expect(diff.changes).toContainEqual({
      flag: 'pacing_v2',
      field: '(flag)',
      before: undefined,
      after: after.flags['pacing_v2'],
    });
    expect(formatFlagDiff(diff)).toContain('reserves_v1.1  (flag): {"state":"ENABLED"');
    expect(formatFlagDiff(diff)).toContain('pacing_v2: new flag → 5 %; groups +internal');
    expect(formatFlagDiff(diff)).toContain('(document)  metadata.flagSetId: "rollout" → "team-a"');
  });

  it('diffs against no document at all', () => {
    const diff = diffDocuments(null, buildFlagDocument([base]));
    expect(diff.changes.map((c) => `${c.flag}:${c.field}`)).toEqual([
      `${DOCUMENT_SCOPE}:$schema`,
      `${DOCUMENT_SCOPE}:metadata`,
      'reserves_v1.1:(flag)',
    ]);
  });
});
