import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createUsers } from '../../../src/demo/app.js';
import { DEMO_PLAN_YAML, demoPlanYaml, writeDemoProject } from '../../../src/demo/plan.js';
import { unleashFlagReader } from '../../../src/demo/unleash-flag.js';
import { pickEnvironment, projectEnvironments } from '../../../src/demo/unleash-server.js';
import { loadConfig } from '../../../src/config/load.js';
import { hashLikeFlagdCore } from '../../../src/flags/murmur3.js';
import type { EnvironmentView, UnleashApi } from '../../../src/flags/providers/unleash-api.js';
import { createPrng } from '../../../src/stats/random.js';

const FLAG = { key: 'reserves_v1.1', newVariant: 'reserves_v1.1', fallbackVariant: 'reserves_v1.0' };

/** A toggle as the unleash provider writes it (see src/flags/providers/unleash.ts). */
function toggle(percent: number, groups: string[], enabled = true): EnvironmentView {
  return {
    enabled,
    strategies: [
      {
        name: 'flexibleRollout',
        title: 'rollout:stage',
        parameters: { rollout: String(percent), stickiness: 'userId', groupId: FLAG.key },
        constraints: [],
      },
      {
        name: 'flexibleRollout',
        title: 'rollout:groups',
        parameters: { rollout: '100', stickiness: 'userId', groupId: FLAG.key },
        constraints: [{ contextName: 'groups', operator: 'IN', values: groups }],
      },
    ],
  };
}

/** The reader over a fixed answer of the admin API (the HTTP part is tested against a real server in e2e). */
function readerOver(answer: () => EnvironmentView | null) {
  const api = { options: { stickiness: 'userId' }, readEnvironment: async () => answer() } as unknown as UnleashApi;
  return unleashFlagReader(api, FLAG);
}

describe('the demo application reading an Unleash toggle', () => {
  const users = createUsers(4000, { internal: 0.04, beta_users: 0.08 }, createPrng(5));

  it('decides each user as an Unleash SDK would: groups in, then murmur3(groupId:userId) % 100 + 1 ≤ rollout', async () => {
    const reader = readerOver(() => toggle(25, ['beta_users', 'internal']));
    const isNew = reader.assign(await reader.read(), users) as Uint8Array;
    users.forEach((u, i) => {
      const expected = u.groups.length > 0 || (hashLikeFlagdCore(`${FLAG.key}:${u.key}`) % 100) + 1 <= 25;
      expect(isNew[i], u.key).toBe(expected ? 1 : 0);
    });
    const plain = users.map((u, i) => ({ u, i })).filter(({ u }) => u.groups.length === 0);
    const share = plain.filter(({ i }) => isNew[i]).length / plain.length;
    expect(share).toBeGreaterThan(0.22);
    expect(share).toBeLessThan(0.28);
  });

  it('kill switch (toggle off, strategies kept) → nobody; no toggle → nobody; cohorts nest as the percent grows', async () => {
    let view: EnvironmentView | null = toggle(25, ['internal'], false);
    const reader = readerOver(() => view);
    expect((reader.assign(await reader.read(), users) as Uint8Array).every((x) => x === 0)).toBe(true);
    view = null;
    expect(await reader.read()).toBeNull();
    expect((reader.assign(null, users) as Uint8Array).every((x) => x === 0)).toBe(true);
    const at = async (p: number) => {
      view = toggle(p, []);
      return reader.assign(await reader.read(), users) as Uint8Array;
    };
    const [one, five, half] = [await at(1), await at(5), await at(50)];
    users.forEach((_, i) => {
      if (one[i]) expect(five[i]).toBe(1);
      if (five[i]) expect(half[i]).toBe(1);
    });
  });

  it('a toggle that changes reads as a new version; the same toggle twice as the same text', async () => {
    let view = toggle(5, ['internal']);
    const reader = readerOver(() => view);
    const a = await reader.read();
    expect(await reader.read()).toBe(a);
    view = toggle(5, ['internal'], false);
    expect(await reader.read()).not.toBe(a);
  });
});

describe('which project environment the demo writes to', () => {
  it('development when the project has it, else the first; none → null', () => {
    expect(pickEnvironment(['production', 'development'])).toBe('development');
    expect(pickEnvironment(['staging', 'production'])).toBe('staging');
    expect(pickEnvironment([])).toBeNull();
  });

  it('reads the environments of an admin-API project answer, ignoring malformed entries', () => {
    expect(
      projectEnvironments({ environments: [{ environment: 'development' }, { environment: 'production' }] }),
    ).toEqual(['development', 'production']);
    expect(projectEnvironments({ environments: ['qa', { environment: '' }, null, 7, { other: 'x' }] })).toEqual(['qa']);
    expect(projectEnvironments(null)).toEqual([]);
    expect(projectEnvironments({ environments: 'development' })).toEqual([]);
  });
});

describe('the embedded plan with the flag on Unleash', () => {
  it('flagd-file is the plan as it always was; unleash differs only in where the flag lives, and validates', async () => {
    expect(demoPlanYaml({ provider: 'flagd-file' })).toBe(DEMO_PLAN_YAML);
    const yaml = demoPlanYaml({ provider: 'unleash', project: 'default', environment: 'development' });
    expect(yaml).not.toContain('file: flags/flags.json');
    expect(yaml).not.toMatch(/UNLEASH_URL: *http|token: /i);
    const dir = await mkdtemp(path.join(tmpdir(), 'rollout-demo-plan-'));
    try {
      await writeDemoProject(dir, { provider: 'unleash', project: 'default', environment: 'staging' });
      const { config } = await loadConfig({ file: 'rollout.yaml', cwd: dir });
      expect(config.flags[0]).toMatchObject({
        key: 'reserves_v1.1',
        provider: 'unleash',
        unleash: { project: 'default', environment: 'staging' },
      });
      // Unleash takes whole percentages: every stage of the embedded plan must be one.
      const stages = config.phases.flatMap((p) => p.rollout?.stages ?? []);
      expect(stages.map((s) => s.percent)).toEqual([1, 5, 25, 50, 100]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
