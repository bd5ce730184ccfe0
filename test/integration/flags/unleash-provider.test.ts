import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createUnleashProvider,
  UnleashHandEditError,
  UnleashUnavailableError,
} from '../../../src/flags/providers/unleash.js';
import type { FlagPosition, FlagProvider, ProviderFlag } from '../../../src/flags/providers/types.js';
import { getFreePort, startPostgres, type TestPostgres } from '../../helpers/postgres.js';
import { sdkCohort, startUnleash, type TestUnleash } from '../../helpers/unleash.js';

/**
 * The unleash provider against a real unleash-server 6.x (test/fixtures/unleash-server) on the suite's
 * PostgreSQL, checked with the official `unleash-client` SDK polling that server: what applications get
 * is what counts. The server starts once for the file.
 */
const KEYS = Array.from({ length: 100_000 }, (_, i) => `user-${i}`);
const MEMBERS = Array.from({ length: 200 }, (_, i) => `staff-${i}`);
const ctxFor = (env: Record<string, string>) => ({ planDir: '.', env, redact: (t: string) => t });

let pg: TestPostgres;
let server: TestUnleash;
let provider: FlagProvider;
beforeAll(async () => {
  pg = await startPostgres();
  server = await startUnleash(pg);
  provider = createUnleashProvider(ctxFor({ UNLEASH_URL: server.url, UNLEASH_ADMIN_TOKEN: server.adminToken }), {
    project: 'default',
    environment: 'development',
  });
}, 180_000);
afterAll(async () => {
  await server?.stop();
  await pg?.stop();
});

const flagNamed = (key: string): ProviderFlag => ({
  key,
  newVariant: 'reserves_v1.1',
  fallbackVariant: 'reserves_v1.0',
  groupAttribute: 'groups',
  location: key,
  metadata: { release: 'v9.9.9' },
});

/** A fresh SDK client (one fetch of the toggles), as a newly started application would be. */
const enabledSet = (key: string, keys: string[], groups?: string) => sdkCohort(server, key, keys, groups);

const write = (flag: ProviderFlag, position: FlagPosition, dryRun = false) =>
  provider.writeStage([{ flag, position }], { dryRun, publish: 'never' });

describe('unleash provider, verified with the unleash-client SDK', () => {
  it('stages 1 → 5 → 25 → 50 → 100: share within ±0.5 points on 100,000 keys, cohorts nested, group members always in; explain agrees with the SDK', async () => {
    const flag = flagNamed('reserves_walk');
    let previous = new Set<string>();
    for (const percent of [1, 5, 25, 50, 100]) {
      const [w] = await write(flag, { percent, groups: ['internal'], killSwitch: false });
      expect(w?.written).toBe(true);
      const cohort = await enabledSet(flag.key, KEYS);
      expect(Math.abs((cohort.size / KEYS.length) * 100 - percent), `stage ${percent}`).toBeLessThanOrEqual(0.5);
      expect(
        [...previous].filter((k) => !cohort.has(k)),
        `nobody dropped at ${percent}`,
      ).toEqual([]);
      expect((await enabledSet(flag.key, MEMBERS, 'internal')).size).toBe(MEMBERS.length);
      for (const k of KEYS.slice(0, 40)) {
        expect((await provider.explain(flag, { targetingKey: k })).variant, k).toBe(
          cohort.has(k) ? 'reserves_v1.1' : 'reserves_v1.0',
        );
      }
      expect(await provider.readServed(flag)).toMatchObject({ percent, groups: ['internal'], killSwitch: false });
      previous = cohort;
    }
    // The same stage again changes nothing.
    const [again] = await write(flag, { percent: 100, groups: ['internal'], killSwitch: false });
    expect([again?.changed, again?.written]).toEqual([false, false]);
  }, 120_000);

  it('kill switch: 0 for everyone, group members included; releasing it serves exactly the same cohort', async () => {
    const flag = flagNamed('reserves_kill');
    await write(flag, { percent: 25, groups: ['internal'], killSwitch: false });
    const before = await enabledSet(flag.key, KEYS);
    const digestBefore = await provider.storedDigest(flag);
    await write(flag, { percent: 25, groups: ['internal'], killSwitch: true });
    expect((await enabledSet(flag.key, KEYS)).size).toBe(0);
    expect((await enabledSet(flag.key, MEMBERS, 'internal')).size).toBe(0);
    expect((await provider.explain(flag, { targetingKey: 'staff-1', groups: ['internal'] })).reason).toBe(
      'kill-switch',
    );
    expect((await provider.readServed(flag))?.killSwitch).toBe(true);
    await write(flag, { percent: 25, groups: ['internal'], killSwitch: false });
    const after = await enabledSet(flag.key, KEYS);
    expect(after.size).toBe(before.size);
    expect([...before].filter((k) => !after.has(k))).toEqual([]);
    expect(await provider.storedDigest(flag)).toBe(digestBefore);
  }, 120_000);

  it('a hand edit in Unleash is reported with a diff and never overwritten; the digest shows it; a dry run changes nothing', async () => {
    const flag = flagNamed('reserves_edit');
    const [first] = await write(flag, { percent: 5, groups: [], killSwitch: false });
    expect(await provider.storedDigest(flag)).toBe(first?.sha256);
    const [dry] = await write(flag, { percent: 50, groups: [], killSwitch: false }, true);
    expect([dry?.changed, dry?.written]).toEqual([true, false]);
    expect((await provider.readServed(flag))?.percent).toBe(5);
    const res = await fetch(
      `${server.url}/api/admin/projects/default/features/${flag.key}/environments/development/strategies`,
      {
        method: 'POST',
        headers: { authorization: server.adminToken, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'default', title: 'hotfix from the UI', parameters: {} }),
      },
    );
    expect(res.ok).toBe(true);
    expect(await provider.storedDigest(flag)).not.toBe(first?.sha256);
    const error = await write(flag, { percent: 25, groups: [], killSwitch: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnleashHandEditError);
    expect((error as UnleashHandEditError).diff.join('\n')).toMatch(
      /strategy default "hotfix from the UI".*not written by rollout/,
    );
    expect((await provider.readServed(flag))?.percent).toBe(5);
  }, 60_000);

  it('faults: wrong token (401), server down, 5xx and a server that never answers all fail fast with the reason, nothing changed, and no secret in the message', async () => {
    const flag = flagNamed('reserves_faults');
    const position = { percent: 5, groups: [], killSwitch: false };
    const badToken = createUnleashProvider(
      ctxFor({ UNLEASH_URL: server.url, UNLEASH_ADMIN_TOKEN: '*:*.wrong-secret-value' }),
      { project: 'default', environment: 'development' },
    );
    const denied = (await badToken
      .writeStage([{ flag, position }], { dryRun: false, publish: 'never' })
      .catch((e: unknown) => e)) as UnleashUnavailableError;
    expect(denied).toBeInstanceOf(UnleashUnavailableError);
    expect(denied.status).toBe(401);
    expect(denied.message).toMatch(/refused the admin token in UNLEASH_ADMIN_TOKEN/);
    expect(denied.message).not.toContain('wrong-secret-value');
    expect(await provider.readServed(flag)).toBeNull();

    const down = createUnleashProvider(
      ctxFor({ UNLEASH_URL: `http://127.0.0.1:${await getFreePort()}`, UNLEASH_ADMIN_TOKEN: 'x' }),
      { project: 'default', environment: 'development' },
    );
    await expect(down.writeStage([{ flag, position }], { dryRun: false, publish: 'never' })).rejects.toThrow(
      /unreachable/,
    );

    let mode: 'fail' | 'hang' = 'fail';
    const fake: Server = createServer((_req, res) => {
      if (mode === 'fail') res.writeHead(503).end('maintenance');
    });
    await new Promise<void>((r) => fake.listen(0, '127.0.0.1', r));
    const port = (fake.address() as { port: number }).port;
    try {
      const sick = createUnleashProvider(
        ctxFor({ UNLEASH_URL: `http://127.0.0.1:${port}`, UNLEASH_ADMIN_TOKEN: 'x' }),
        { project: 'default', environment: 'development', timeoutMs: 500 },
      );
      await expect(sick.writeStage([{ flag, position }], { dryRun: false, publish: 'never' })).rejects.toThrow(
        /answered 503/,
      );
      mode = 'hang';
      await expect(sick.writeStage([{ flag, position }], { dryRun: false, publish: 'never' })).rejects.toThrow(
        /no answer within 500 ms/,
      );
    } finally {
      fake.closeAllConnections();
      await new Promise((r) => fake.close(r));
    }
    const unset = createUnleashProvider(ctxFor({}), { project: 'default', environment: 'development' });
    await expect(unset.readServed(flag)).rejects.toThrow(/UNLEASH_URL is not set/);
  }, 60_000);
});
