import path from 'node:path';
import { FlagdCore } from '@openfeature/flagd-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import type { RawConfig } from '../../../src/config/schema.js';
import { validateText } from '../../../src/config/validate-text.js';
import { buildFlagDocument } from '../../../src/flags/flagd.js';
import { flagSpecsFor } from '../../../src/lifecycle/flag-sync.js';

const REPO = path.resolve(import.meta.dirname, '../../..');
const FLAG = 'reserves_v1.1';
const USERS = Array.from({ length: 10_000 }, (_, i) => `user-${i}`);

let config: RawConfig;
beforeAll(async () => {
  ({ config } = await loadConfig({ file: 'rollout.yaml', cwd: REPO }));
});

/** The flagd-core evaluator applications run, loaded with the flag file `advance` writes at `stageId`. */
function coreAt(stageId: string): FlagdCore {
  const stage = config.phases.flatMap((p) => p.rollout?.stages ?? []).find((s) => s.id === stageId);
  if (!stage) throw new Error(`rollout.yaml has no stage ${stageId}`);
  const specs = flagSpecsFor(config, {
    [FLAG]: { percent: stage.percent, groups: stage.groups, killSwitch: false, updatedAt: '2026-01-01T00:00:00.000Z' },
  });
  const core = new FlagdCore();
  core.setConfigurations(JSON.stringify(buildFlagDocument([...specs.values()].flat())));
  return core;
}

function served(core: FlagdCore, groups: string[] | string | undefined): number {
  return USERS.filter(
    (targetingKey) =>
      core.resolveStringEvaluation(FLAG, 'code-default', { targetingKey, ...(groups === undefined ? {} : { groups }) })
        .value === 'reserves_v1.1',
  ).length;
}

describe('week 1 of the repository plan serves internal users only', () => {
  it('no user outside the internal group gets v1.1, whatever else they belong to', () => {
    const core = coreAt('week-1');
    expect(served(core, undefined)).toBe(0);
    expect(served(core, [])).toBe(0);
    expect(served(core, ['beta_users'])).toBe(0);
    expect(served(core, ['external', 'internal-tools'])).toBe(0);
  });

  it('every internal user gets v1.1, as an array or a bare string', () => {
    const core = coreAt('week-1');
    expect(served(core, ['internal'])).toBe(USERS.length);
    expect(served(core, ['beta_users', 'internal'])).toBe(USERS.length);
    expect(served(core, 'internal')).toBe(USERS.length);
  });

  it('week 2 then opens 5 % of everyone else (the same evaluation path can serve v1.1 outside the groups)', () => {
    const share = served(coreAt('week-2'), undefined) / USERS.length;
    expect(share).toBeGreaterThan(0.04);
    expect(share).toBeLessThan(0.06);
  });
});

describe('group-only stages in a plan', () => {
  const plan = (stage: string): string => `version: 1
release: v9
flags: [{ key: f, variants: { new: b, fallback: a } }]
canary:
  arms: { label: variant, canary: b, baseline: a }
  metrics: [{ id: e, kind: ratio, events: x, total: y, direction: lower-is-better, maxRelativeChange: 0.1 }]
phases:
  - id: P
    title: t
    rollout:
      flag: f
      stages:
        - ${stage}
        - { id: all, percent: 100 }
`;

  it('0 % with groups is valid; 0 % without groups serves nobody and is refused at its line', async () => {
    const ok = await validateText('rollout.yaml', plan('{ id: staff, percent: 0, groups: [internal] }'), REPO, REPO);
    expect(ok.problems.filter((p) => p.severity !== 'warning')).toEqual([]);
    const bad = await validateText('rollout.yaml', plan('{ id: nobody, percent: 0 }'), REPO, REPO);
    const errors = bad.problems.filter((p) => p.severity !== 'warning');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ line: 13, col: 34 });
    expect(errors[0]?.message).toMatch(/stage nobody serves the new variant to nobody/);
  });
});
