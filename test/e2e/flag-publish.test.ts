import { createHash } from 'node:crypto';
import { chmod, copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';
import {
  newVariantUsers,
  projectAtFirstStage,
  startHealthServer,
  statusOf,
  type SafetyProject,
} from '../helpers/safety-project.js';

/**
 * flags[].publish through the real CLI: a real command (a node script standing for `kubectl apply` or an
 * object-store copy) that ships the flag file to `published/`, and can be told to fail, hang or vanish.
 * The state records the digest of what each step wrote; a second machine sharing a PostgreSQL state sees
 * that its file does not match and `flags sync` brings it in line.
 */
const PUBLISHER = `#!/usr/bin/env node
import { appendFileSync, copyFileSync, mkdirSync, readFileSync } from 'node:fs';
const here = new URL('.', import.meta.url);
const mode = readFileSync(new URL('mode', here), 'utf8').trim();
if (mode === 'fail') { console.error('the bucket refused the upload'); process.exit(4); }
if (mode === 'slow') await new Promise((resolve) => setTimeout(resolve, 600));
if (mode === 'hang') setInterval(() => {}, 1000);
else {
  mkdirSync(new URL('published/', here), { recursive: true });
  copyFileSync(process.env.ROLLOUT_FLAG_FILE, new URL('published/flags.json', here));
  appendFileSync(new URL('published.log', here), process.env.ROLLOUT_FLAG_SHA256 + '\\n');
}
`;

const withPublish = (plan: string) =>
  plan.replace(
    '    file: flags/flags.json',
    '    file: flags/flags.json\n    publish: { run: [./publish.mjs], env: [PATH], timeout: 2s }',
  );

let health: Awaited<ReturnType<typeof startHealthServer>>;
let pg: TestPostgres;
beforeAll(async () => {
  [health, pg] = await Promise.all([startHealthServer(), startPostgres()]);
}, 180_000);
afterAll(async () => {
  await Promise.all([health?.close(), pg?.stop()]);
});

const sha256 = async (file: string) =>
  createHash('sha256')
    .update(await readFile(file))
    .digest('hex');

/** Writes the publisher into a project directory before its first command (so the walk publishes too). */
async function addPublisher(dir: string, mode = 'ok'): Promise<void> {
  await writeFile(path.join(dir, 'publish.mjs'), PUBLISHER);
  await chmod(path.join(dir, 'publish.mjs'), 0o755);
  await writeFile(path.join(dir, 'mode'), mode);
}

async function publishingProject(stateUrl?: string): Promise<SafetyProject> {
  return projectAtFirstStage(health.url, {
    ...(stateUrl ? { stateUrl } : {}),
    planEdit: (plan) => withPublish(plan),
    beforeWalk: (dir) => addPublisher(dir),
  });
}

interface FlagFileJson {
  file: string;
  recorded: string;
  local: string | null;
  matches: boolean;
}

describe('flags[].publish', () => {
  it('every write is published with its digest; the state records it; status and flags sync repair a hand-edited file', async () => {
    const p = await publishingProject();
    const local = path.join(p.dir, 'flags/flags.json');
    const digest = await sha256(local);
    expect(await readFile(path.join(p.dir, 'published/flags.json'), 'utf8')).toBe(await readFile(local, 'utf8'));
    expect((await readFile(path.join(p.dir, 'published.log'), 'utf8')).trim().split('\n').at(-1)).toBe(digest);
    const status = (await p.cli(['status', '--json'])).json<{
      result: { flags: Record<string, { sha256?: string }>; flagFiles: FlagFileJson[] };
    }>().result;
    expect(status.flags['reserves_v1.1']?.sha256).toBe(digest);
    expect(status.flagFiles).toEqual([
      { file: 'flags/flags.json', flags: ['reserves_v1.1'], recorded: digest, local: digest, matches: true },
    ]);

    // Reformatted by hand: the same meaning, other bytes. Status says so; sync restores the bytes and publishes.
    await writeFile(local, JSON.stringify(JSON.parse(await readFile(local, 'utf8'))));
    const human = await p.cli(['status']);
    expect(human.stdout).toMatch(/flags\/flags\.json: differs from what the release wrote/);
    const sync = await p.cli(['flags', 'sync', '--reason', 'hand edit', '--json']);
    expect(sync.code, sync.stdout + sync.stderr).toBe(0);
    expect(
      sync.json<{ result: { files: Array<{ changed: boolean; published: boolean }> } }>().result.files,
    ).toMatchObject([{ changed: true, published: true }]);
    expect(await sha256(local)).toBe(digest);
    expect((await p.cli(['status'])).stdout).toMatch(/flags\/flags\.json: matches the release/);
    // Missing on this machine: said so, and sync writes it.
    await rm(local);
    expect((await p.cli(['status'])).stdout).toMatch(/missing on this machine/);
    expect((await p.cli(['flags', 'sync', '--dry-run'])).code).toBe(0);
    await expect(readFile(local)).rejects.toThrow();
    expect((await p.cli(['flags', 'sync'])).code).toBe(0);
    expect(await sha256(local)).toBe(digest);
  }, 180_000);

  it('a publish that fails or hangs: advance exits 3 with nothing changed; rollback exits 6 naming it with the kill switch in the local file; retry says it re-opened; a missing command is named', async () => {
    const p = await publishingProject();
    const local = path.join(p.dir, 'flags/flags.json');
    const before = await readFile(local, 'utf8');
    const position = await statusOf(p);
    for (const mode of ['fail', 'hang'] as const) {
      await writeFile(path.join(p.dir, 'mode'), mode);
      const advance = await p.cli(['advance', '--override', '--reason', 'no data here', '--json']);
      expect(advance.code, advance.stdout + advance.stderr).toBe(3);
      const error = advance.json<{ error: { code: string; message: string } }>().error;
      expect(error.code).toBe('E_FLAG_PUBLISH');
      expect(error.message).toMatch(mode === 'fail' ? /exit 4/ : /timed out after 2s/);
      expect(error.message).toMatch(/step was NOT taken/);
      // The intent written before the flag write is dropped again (two serials), the position is untouched.
      const after = await statusOf(p);
      expect([after.status, after.stage?.id, after.flags, after.interrupted]).toEqual([
        position.status,
        's1',
        position.flags,
        undefined,
      ]);
      expect(await readFile(local, 'utf8')).toBe(before);
    }

    await writeFile(path.join(p.dir, 'mode'), 'fail');
    const rollback = await p.cli(['rollback', '--reason', 'errors up']);
    expect(rollback.code, rollback.stdout + rollback.stderr).toBe(6);
    expect(rollback.stdout).toMatch(
      /kill switch written in flags\/flags\.json but NOT published \(\.\/publish\.mjs: exit 4/,
    );
    expect(rollback.stdout).toMatch(/runbook/);
    expect(await newVariantUsers(p.dir)).toBe(0);
    expect((await statusOf(p)).status).not.toBe('rolled-back');
    // The publish works again (slowly): the same rollback completes and ships the kill switch, and the slow
    // publish counts in the recovery time: the rollback starts before the flag write, ends once it is shipped.
    await writeFile(path.join(p.dir, 'mode'), 'slow');
    const again = await p.cli(['rollback', '--reason', 'errors up']);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    const { rollback: recorded } = JSON.parse(await readFile(path.join(p.dir, '.rollout/state.json'), 'utf8')) as {
      rollback: { startedAt: string; completedAt: string };
    };
    expect(Date.parse(recorded.completedAt) - Date.parse(recorded.startedAt)).toBeGreaterThanOrEqual(600);
    expect(await readFile(path.join(p.dir, 'published/flags.json'), 'utf8')).toBe(await readFile(local, 'utf8'));
    expect((await statusOf(p)).status).toBe('rolled-back');
    // Rolled back already, and the publish fails again: exit 6 with the reason, nothing re-recorded.
    await writeFile(path.join(p.dir, 'mode'), 'fail');
    const repeat = await p.cli(['rollback', '--reason', 'publish once more']);
    expect(repeat.code, repeat.stdout + repeat.stderr).toBe(6);
    expect(repeat.stdout).toMatch(/already rolled back[\s\S]*NOT published[\s\S]*flag-publish-failed/);
    expect((await statusOf(p)).status).toBe('rolled-back');

    await writeFile(path.join(p.dir, 'mode'), 'fail');
    const retry = await p.cli(['retry', '--json']);
    expect(retry.code, retry.stdout + retry.stderr).toBe(3);
    expect(retry.json<{ error: { code: string; message: string } }>().error.message).toMatch(/WAS re-opened at s1/);
    await writeFile(path.join(p.dir, 'mode'), 'ok');
    const sync = await p.cli(['flags', 'sync']);
    expect(sync.code, sync.stdout).toBe(0);
    expect(await newVariantUsers(path.join(p.dir, 'published'), 'flags.json')).toBeGreaterThan(0);

    // The publish command is gone: the rollback exits 6 at once and says why; the local kill switch is in place.
    await rm(path.join(p.dir, 'publish.mjs'));
    const missing = await p.cli(['rollback', '--reason', 'errors up', '--json']);
    expect(missing.code, missing.stdout).toBe(6);
    expect(missing.stdout).toMatch(/NOT published.*ENOENT/);
    expect(await newVariantUsers(p.dir)).toBe(0);
  }, 180_000);

  it('two machines on one PostgreSQL state: the one that did not write the file sees it missing or stale, and flags sync brings it in line', async () => {
    const stateUrl = `${await pg.createDatabase('publish_machines')}?release=v9.9.9`;
    const a = await publishingProject(stateUrl);
    const b = await mkdtemp(path.join(tmpdir(), 'rollout-machine-b-'));
    await copyFile(path.join(a.dir, 'rollout.yaml'), path.join(b, 'rollout.yaml'));
    await addPublisher(b);
    const onB = (args: string[]) => runCli([...args, '--state', stateUrl], { cwd: b, timeoutMs: 120_000 });
    const statusB = async () =>
      (await onB(['status', '--json'])).json<{ result: { flagFiles: FlagFileJson[] } }>().result.flagFiles;
    expect((await statusB())[0]).toMatchObject({ local: null, matches: false });
    const sync = await onB(['flags', 'sync']);
    expect(sync.code, sync.stdout + sync.stderr).toBe(0);
    expect(await sha256(path.join(b, 'flags/flags.json'))).toBe(await sha256(path.join(a.dir, 'flags/flags.json')));
    expect((await statusB())[0]?.matches).toBe(true);
    // Machine B rolls back: A's status now says its local file is stale until it syncs.
    const rollback = await onB(['rollback', '--reason', 'from the on-call laptop']);
    expect(rollback.code, rollback.stdout + rollback.stderr).toBe(0);
    const statusA = (await a.cli(['status', '--json'])).json<{ result: { flagFiles: FlagFileJson[] } }>().result
      .flagFiles;
    expect(statusA[0]?.matches).toBe(false);
    expect((await a.cli(['flags', 'sync'])).code).toBe(0);
    expect(await newVariantUsers(a.dir)).toBe(0);
  }, 240_000);
});
