import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OpenFeature, ProviderEvents } from '@openfeature/server-sdk';
import { FlagdProvider } from '@openfeature/flagd-provider';
import { afterAll, describe, expect, it } from 'vitest';
import { evaluateFlag } from '../../../src/flags/evaluate.js';
import { buildFlagDocument } from '../../../src/flags/flagd.js';
import { openProvider } from '../../../src/flags/providers/registry.js';
import { engageFileKillSwitch } from '../../../src/flags/providers/flagd-file-kill-switch.js';
import type { ProviderFlag } from '../../../src/flags/providers/types.js';

/**
 * docs/flag-delivery.md, "a shared volume", as it runs here: rollout writes its local flag file, the
 * plan's publish command copies it onto the volume (temp file + rename, so a reader never sees half a
 * file), and an application reads the volume with the OpenFeature SDK and the flagd provider in offline
 * file mode — the same file source as `flagd start --uri file:/volume/flags.json`. The application sees
 * the next stage and then the kill switch, each within a few polls of the provider's file watcher.
 */
const FLAG = 'reserves_v1.1';
const CHANGE_DEADLINE_MS = 20_000;

// The publisher the doc shows: node built-ins only, atomic on the volume.
const COPY_TO_VOLUME = `import { copyFileSync, renameSync } from 'node:fs';
const [target] = process.argv.slice(2);
copyFileSync(process.env.ROLLOUT_FLAG_FILE, target + '.tmp');
renameSync(target + '.tmp', target);
`;

afterAll(async () => {
  await OpenFeature.close();
});

describe('delivery to applications over a shared volume', () => {
  it('publish copies each write onto the volume; an OpenFeature flagd client reading the volume follows the stages and the kill switch', async () => {
    const planDir = await mkdtemp(join(tmpdir(), 'rollout-delivery-plan-'));
    const volume = await mkdtemp(join(tmpdir(), 'rollout-delivery-volume-'));
    await writeFile(join(planDir, 'copy-to-volume.mjs'), COPY_TO_VOLUME);
    const onVolume = join(volume, 'flags.json');
    const flag: ProviderFlag = {
      key: FLAG,
      newVariant: 'reserves_v1.1',
      fallbackVariant: 'reserves_v1.0',
      groupAttribute: 'groups',
      location: 'flags/flags.json',
      metadata: { release: 'v9.9.9' },
      publish: { run: ['node', 'copy-to-volume.mjs', onVolume], env: ['PATH'], timeout: '10s' },
    };
    const ctx = { planDir, env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, redact: (t: string) => t };
    const provider = await openProvider('flagd-file', ctx);
    const stage = async (percent: number) => {
      const [w] = await provider.writeStage(
        [{ flag, position: { percent, groups: ['internal'], killSwitch: false } }],
        { dryRun: false, publish: 'changed' },
      );
      expect(w?.publish?.ok, w?.publish?.summary).toBe(true);
    };
    await stage(1);
    expect(await readFile(onVolume, 'utf8')).toBe(await readFile(join(planDir, 'flags/flags.json'), 'utf8'));

    // A user outside the 1 % cohort but inside the 5 % one.
    const spec = {
      key: FLAG,
      newVariant: 'reserves_v1.1',
      fallbackVariant: 'reserves_v1.0',
      groups: ['internal'],
      killSwitch: false,
    };
    const [s1, s5] = [buildFlagDocument([{ ...spec, percent: 1 }]), buildFlagDocument([{ ...spec, percent: 5 }])];
    const mover = Array.from({ length: 5000 }, (_, i) => `volume-user-${i}`).find(
      (k) =>
        evaluateFlag(s1, FLAG, { targetingKey: k }).variant === 'reserves_v1.0' &&
        evaluateFlag(s5, FLAG, { targetingKey: k }).variant === 'reserves_v1.1',
    );
    expect(mover).toBeDefined();

    await OpenFeature.setProviderAndWait(
      'delivery',
      new FlagdProvider({ resolverType: 'in-process', offlineFlagSourcePath: onVolume }),
    );
    const client = OpenFeature.getClient('delivery');
    let changes = 0;
    client.addHandler(ProviderEvents.ConfigurationChanged, () => (changes += 1));
    const read = (key: string, groups: string[] = []) =>
      client.getStringValue(FLAG, 'code-default', { targetingKey: key, groups });
    const waitFor = async (key: string, groups: string[], expected: string, since: number) => {
      const deadline = Date.now() + CHANGE_DEADLINE_MS;
      while (Date.now() < deadline && !(changes > since && (await read(key, groups)) === expected))
        await new Promise((r) => setTimeout(r, 100));
      return read(key, groups);
    };
    expect(await read(mover as string)).toBe('reserves_v1.0');
    expect(await read('staff-1', ['internal'])).toBe('reserves_v1.1');

    let since = changes;
    await stage(5);
    expect(await waitFor(mover as string, [], 'reserves_v1.1', since)).toBe('reserves_v1.1');

    since = changes;
    const kill = await engageFileKillSwitch(
      planDir,
      [
        {
          key: FLAG,
          file: 'flags/flags.json',
          newVariant: 'reserves_v1.1',
          fallbackVariant: 'reserves_v1.0',
          groups: ['internal'],
          ...(flag.publish ? { publish: flag.publish } : {}),
        },
      ],
      { publishContext: ctx },
    );
    expect(kill.files[0]?.publish?.ok).toBe(true);
    expect(kill.verification?.ok).toBe(true);
    expect(await waitFor('staff-1', ['internal'], 'reserves_v1.0', since)).toBe('reserves_v1.0');
    expect(await read(mover as string)).toBe('reserves_v1.0');
  }, 60_000);
});
