import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OpenFeature, ProviderEvents, type Client } from '@openfeature/server-sdk';
import { FlagdProvider } from '@openfeature/flagd-provider';
import { buildFlagDocument } from '../../../src/flags/flagd.js';
import { createFileFlagStore } from '../../../src/flags/flag-store.js';
import { evaluateFlag } from '../../../src/flags/evaluate.js';
import type { FlagSpec } from '../../../src/flags/types.js';

const FLAG = 'reserves_v1.1';
const base: FlagSpec = {
  key: FLAG,
  newVariant: 'reserves_v1.1',
  fallbackVariant: 'reserves_v1.0',
  percent: 1,
  groups: ['internal', 'beta_users'],
  killSwitch: false,
};
// The provider polls the file with fs.watchFile (about every 5 s), so allow a few polls.
const CHANGE_DEADLINE_MS = 20_000;

let dir: string;
let client: Client;
let changeEvents = 0;

/** Resolves once `read()` returns `expected`, after at least one change event beyond `eventsBefore`. */
async function waitForValue(read: () => Promise<string>, expected: string, eventsBefore: number): Promise<string> {
  const deadline = Date.now() + CHANGE_DEADLINE_MS;
  let last = await read();
  while (Date.now() < deadline) {
    if (changeEvents > eventsBefore && last === expected) return last;
    await new Promise((resolve) => setTimeout(resolve, 100));
    last = await read();
  }
  return last;
}

describe('OpenFeature server SDK + flagd provider (in-process, offline file) reading the flag store', () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rollout-flagd-file-'));
  });
  afterAll(async () => {
    await OpenFeature.close(); // stops the provider's file watcher so the worker can exit
    await rm(dir, { recursive: true, force: true });
  });

  it('sees the next stage and the kill switch written by the store', async () => {
    const path = join(dir, 'flags.json');
    const store = createFileFlagStore({ path, dryRun: false });
    const stage1 = buildFlagDocument([{ ...base, percent: 1 }]);
    const stage5 = buildFlagDocument([{ ...base, percent: 5 }]);
    await store.write(stage1);

    // A user outside the 1 % cohort but inside the 5 % one, found with the same evaluator.
    const candidates = Array.from({ length: 5000 }, (_, i) => `e2e-user-${i}`);
    const mover = candidates.find(
      (k) =>
        evaluateFlag(stage1, FLAG, { targetingKey: k }).variant === 'reserves_v1.0' &&
        evaluateFlag(stage5, FLAG, { targetingKey: k }).variant === 'reserves_v1.1',
    );
    expect(mover).toBeDefined();

    const provider = new FlagdProvider({ resolverType: 'in-process', offlineFlagSourcePath: path });
    await OpenFeature.setProviderAndWait('rollout-e2e', provider);
    client = OpenFeature.getClient('rollout-e2e');
    client.addHandler(ProviderEvents.ConfigurationChanged, () => {
      changeEvents += 1;
    });
    const readMover = () => client.getStringValue(FLAG, 'code-default', { targetingKey: mover! });
    const readMember = () =>
      client.getStringValue(FLAG, 'code-default', { targetingKey: 'staff-1', groups: ['internal'] });

    expect(await readMover()).toBe('reserves_v1.0');
    expect(await readMember()).toBe('reserves_v1.1');
    const details = await client.getStringDetails(FLAG, 'code-default', { targetingKey: mover! });
    expect(details.reason).toBe('TARGETING_MATCH');
    expect(details.flagMetadata['rollout.stage_percent']).toBe(1);

    let before = changeEvents;
    expect((await store.write(stage5)).written).toBe(true);
    expect(await waitForValue(readMover, 'reserves_v1.1', before)).toBe('reserves_v1.1');
    expect(await readMember()).toBe('reserves_v1.1');

    before = changeEvents;
    expect((await store.write(buildFlagDocument([{ ...base, percent: 5, killSwitch: true }]))).written).toBe(true);
    expect(await waitForValue(readMember, 'reserves_v1.0', before)).toBe('reserves_v1.0');
    expect(await readMover()).toBe('reserves_v1.0');
  });
});
