import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli, type CliRun } from '../helpers/cli.js';
import { getFreePort, startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { sdkCohort, startUnleash, type TestUnleash } from '../helpers/unleash.js';

/**
 * `rollout demo --provider unleash`, the built CLI: with no UNLEASH_URL it starts its own unleash-server 6.x
 * (the test fixture) on a throwaway PostgreSQL and stops it; with UNLEASH_URL it uses that server (one started
 * here by the suite's helper) and, what it reads back, the official unleash-client SDK reads too.
 */
interface DemoDoc {
  ok: boolean;
  exitCode: number;
  error?: { code: string; message: string };
  result: {
    seed: number;
    dir: string;
    flagProvider: {
      kind: string;
      server?: string;
      url?: string;
      version?: string;
      environment?: string;
      cleanup?: string;
      flagReadErrors?: number;
    };
    steps: Array<{ at: string; step: string; outcome: string; exitCode: number }>;
    stagesReached: string[];
    detection: { detected: boolean; trigger: string | null; minutes: number | null };
    rollback: { ok: boolean; mode: string } | null;
    afterRollback: { requests: Record<string, number> } | null;
    finalFlag: {
      allFallback: boolean;
      usersOnNewVariant: number;
      users: Array<{ variant: string | null; reason: string; detail: string }>;
      toggle?: {
        enabled: boolean;
        strategies: Array<{ title: string; rollout: string; constraints: string[] }>;
      } | null;
    };
    audit: { verified: boolean; ops: string[] };
  };
}

const NO_UNLEASH_ENV = { UNLEASH_URL: undefined, UNLEASH_ADMIN_TOKEN: undefined };
/** The decisions a seed fixes: which step, when, with what outcome. */
const decisions = (d: DemoDoc) =>
  d.result.steps.map(({ at, step, outcome, exitCode }) => ({ at, step, outcome, exitCode }));
/** A generated admin token has this shape; it must appear nowhere in the output. */
const GENERATED_TOKEN = /\*:\*\.[0-9a-f]{48}/;

function expectRolledBackThroughUnleash(run: CliRun): DemoDoc {
  expect(run.code, run.stderr.slice(-3000)).toBe(0);
  const doc = run.json<DemoDoc>();
  const r = doc.result;
  expect(r.flagProvider).toMatchObject({ kind: 'unleash', environment: 'development', flagReadErrors: 0 });
  expect(r.stagesReached).toEqual(['week-1', 'week-2', 'week-3']);
  expect(r.detection).toMatchObject({ detected: true, trigger: 'error-rate' });
  expect(r.rollback).toMatchObject({ ok: true, mode: 'immediate' });
  expect(r.afterRollback?.requests['reserves_v1.1']).toBe(0);
  expect(r.afterRollback?.requests['reserves_v1.0']).toBeGreaterThan(0);
  // Read back from Unleash at the end: off in the environment, both strategies kept (so retry restores the cohort).
  expect(r.finalFlag.toggle).toEqual({
    enabled: false,
    strategies: [
      { title: 'rollout:groups', rollout: '100', constraints: ['groups IN beta_users,internal'] },
      { title: 'rollout:stage', rollout: '25', constraints: [] },
    ],
  });
  expect(r.finalFlag).toMatchObject({ allFallback: true, usersOnNewVariant: 0 });
  expect(r.finalFlag.users.every((u) => u.variant === 'reserves_v1.0' && u.reason === 'kill-switch')).toBe(true);
  expect(r.finalFlag.users[0]?.detail).toContain('toggle is off');
  expect(r.audit.verified).toBe(true);
  expect(r.audit.ops).toContain('rollback');
  return doc;
}

/** Runs the demo with a local server and sends `signal` once stderr matches `when`. */
function interruptDemo(
  signal: NodeJS.Signals,
  when: RegExp,
): Promise<{ code: number | null; signal: string | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(REPO_ROOT, 'bin/rollout'), 'demo', '--provider', 'unleash'], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NO_COLOR: '1' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    let sent = false;
    const guard = setTimeout(() => child.kill('SIGKILL'), 180_000);
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (!sent && when.test(stderr)) {
        sent = true;
        child.kill(signal);
      }
    });
    child.on('error', reject);
    child.on('close', (code, sig) => {
      clearTimeout(guard);
      resolve({ code, signal: sig, stderr });
    });
  });
}

const isDown = (url: string) =>
  fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) }).then(
    () => false,
    () => true,
  );

/** After an interrupted run: the local server and its PostgreSQL are gone, with their directory. */
async function expectServicesGone(stderr: string): Promise<void> {
  const [, url, pgPort, pgRoot] =
    /answers on (http:\/\/127\.0\.0\.1:\d+) .*its PostgreSQL on 127\.0\.0\.1:(\d+) in (\S+)\)/.exec(stderr) ?? [];
  expect([url, pgPort, pgRoot].every(Boolean), stderr.slice(0, 2000)).toBe(true);
  expect(await isDown(url as string)).toBe(true);
  const pgUp = await new Promise<boolean>((done) => {
    const socket = connect(Number(pgPort), '127.0.0.1', () => {
      socket.destroy();
      done(true);
    });
    socket.on('error', () => done(false));
  });
  expect(pgUp).toBe(false);
  await expect(readdir(pgRoot as string)).rejects.toThrow(/ENOENT/);
}

describe.concurrent('rollout demo --provider unleash, with a local server the CLI starts', () => {
  it('SIGTERM while the server starts: the start finishes, then everything is stopped and removed, the signal ends it', async () => {
    const run = await interruptDemo('SIGTERM', /starting a local Unleash/);
    expect(run.signal ?? run.code, run.stderr.slice(-2000)).toBe('SIGTERM');
    expect(run.stderr).toContain('SIGTERM: stopping as soon as the Unleash server has started');
    expect(run.stderr).not.toContain('embedded plan'); // the release never began
    await expectServicesGone(run.stderr);
  }, 200_000);

  it('Ctrl-C in the middle: the server and PostgreSQL are stopped, their files and the project removed, the signal ends it', async () => {
    const run = await interruptDemo('SIGINT', /minutes of traffic before the release/);
    expect(run.signal ?? run.code, run.stderr.slice(-2000)).toBe('SIGINT');
    await expectServicesGone(run.stderr);
    const project = /project (\S+): embedded plan/.exec(run.stderr)?.[1];
    expect(project).toBeDefined();
    await expect(readdir(project as string)).rejects.toThrow(/ENOENT/);
  }, 200_000);

  it('runs the release on a real Unleash, rolls back through it, makes the decisions of the file provider, and stops the server', async () => {
    const [unleash, file] = await Promise.all([
      runCli(['demo', '--seed', '7', '--json', '--provider', 'unleash'], { env: NO_UNLEASH_ENV, timeoutMs: 240_000 }),
      runCli(['demo', '--seed', '7', '--json'], { timeoutMs: 240_000 }),
    ]);
    const doc = expectRolledBackThroughUnleash(unleash);
    const p = doc.result.flagProvider;
    expect(p).toMatchObject({ server: 'local', version: '6.10.1' });
    expect(p.cleanup).toContain('stopped');
    expect(unleash.stderr).toMatch(/starting a local Unleash: PostgreSQL .* and unleash-server 6\.10\.1/);
    expect(`${unleash.stdout}${unleash.stderr}`).not.toMatch(GENERATED_TOKEN);
    // Same seed: the same steps at the same simulated times, and the same detection, as with the flag file.
    expect(file.code).toBe(0);
    const fileDoc = file.json<DemoDoc>();
    expect(fileDoc.result.flagProvider).toEqual({ kind: 'flagd-file' });
    expect(decisions(doc)).toEqual(decisions(fileDoc));
    expect(doc.result.detection.minutes).toBe(fileDoc.result.detection.minutes);
    // Nothing left: the server is gone, the project directory removed.
    expect(await isDown(p.url as string)).toBe(true);
    await expect(readdir(doc.result.dir)).rejects.toThrow(/ENOENT/);
  }, 300_000);

  it('unleash-server not installed where it is told to look: exit 2 naming the place and the install command', async () => {
    const empty = await mkdtemp(path.join(tmpdir(), 'rollout-no-unleash-'));
    try {
      const run = await runCli(['demo', '--provider', 'unleash', '--unleash-server', empty, '--json'], {
        env: NO_UNLEASH_ENV,
      });
      expect(run.code, run.stderr).toBe(2);
      const doc = run.json<DemoDoc>();
      expect(doc.error?.code).toBe('E_DEMO_PREREQUISITE');
      expect(doc.error?.message).toContain(path.join(empty, 'node_modules/unleash-server'));
      expect(doc.error?.message).toContain('npm install --no-save unleash-server@6');
      expect(await readdir(empty)).toEqual([]);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });

  it('refuses an unknown --provider, and --unleash-server without --provider unleash (usage, exit 2)', async () => {
    const run = await runCli(['demo', '--provider', 'launchdarkly']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--provider');
    const stray = await runCli(['demo', '--unleash-server', '/nowhere', '--json']);
    expect(stray.code).toBe(2);
    expect(stray.json<DemoDoc>().error).toMatchObject({ code: 'E_USAGE' });
    expect(stray.json<DemoDoc>().error?.message).toContain('--unleash-server goes with --provider unleash');
  });
});

describe('rollout demo --provider unleash, with UNLEASH_URL', () => {
  let pg: TestPostgres | undefined;
  let server: TestUnleash | undefined;
  afterAll(async () => {
    await server?.stop();
    await pg?.stop();
  });
  const admin = async (method: string, route: string, body?: unknown) => {
    const s = server as TestUnleash;
    const res = await fetch(`${s.url}/api/admin${route}`, {
      method,
      headers: { authorization: s.adminToken, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.text()) || 'null' };
  };
  const FEATURE = '/projects/default/features/reserves_v1.1';

  it('a dead server: exit 3 (E_FLAG_PROVIDER), the token never printed; half the variables: exit 2', async () => {
    const dead = await runCli(['demo', '--provider', 'unleash', '--json'], {
      env: { UNLEASH_URL: `http://127.0.0.1:${await getFreePort()}`, UNLEASH_ADMIN_TOKEN: '*:*.dead-server-secret' },
    });
    expect(dead.code, dead.stderr).toBe(3);
    expect(dead.json<DemoDoc>().error?.code).toBe('E_FLAG_PROVIDER');
    expect(`${dead.stdout}${dead.stderr}`).not.toContain('dead-server-secret');
    const half = await runCli(['demo', '--provider', 'unleash'], { env: { UNLEASH_URL: 'http://127.0.0.1:1' } });
    expect(half.code).toBe(2);
    expect(half.stderr).toContain('UNLEASH_ADMIN_TOKEN is not set');
  });

  it('uses that server: --keep leaves the rolled-back toggle (the SDK serves it off); the next run replaces and removes it; a toggle it did not create is refused and left alone', async () => {
    pg = await startPostgres();
    server = await startUnleash(pg, 'demo_unleash');
    const env = { UNLEASH_URL: server.url, UNLEASH_ADMIN_TOKEN: server.adminToken };
    const badToken = await runCli(['demo', '--provider', 'unleash', '--json'], {
      env: { ...env, UNLEASH_ADMIN_TOKEN: '*:*.not-the-admin-token' },
    });
    expect(badToken.code, badToken.stderr).toBe(3);
    expect(badToken.json<DemoDoc>().error?.message).toContain('refused the admin token in UNLEASH_ADMIN_TOKEN');
    expect(`${badToken.stdout}${badToken.stderr}`).not.toContain('not-the-admin-token');

    const kept = await runCli(['demo', '--seed', '11', '--provider', 'unleash', '--keep', '--json'], {
      env,
      timeoutMs: 240_000,
    });
    const doc = expectRolledBackThroughUnleash(kept);
    expect(doc.result.flagProvider).toMatchObject({ server: 'external', url: server.url });
    expect(doc.result.flagProvider.cleanup).toContain('stays on');
    expect(`${kept.stdout}${kept.stderr}`).not.toContain(server.adminToken);
    try {
      const feature = JSON.parse((await admin('GET', FEATURE)).body) as {
        environments: Array<{ name: string; enabled: boolean; strategies: unknown[] }>;
      };
      const development = feature.environments.find((e) => e.name === 'development');
      expect(development).toMatchObject({ enabled: false });
      expect(development?.strategies).toHaveLength(2);
      // What applications get: the official SDK, fresh, serves the fallback to everyone, group members included.
      const keys = Array.from({ length: 2000 }, (_, i) => `user-${String(i + 1).padStart(5, '0')}`);
      expect((await sdkCohort(server, 'reserves_v1.1', keys)).size).toBe(0);
      expect((await sdkCohort(server, 'reserves_v1.1', keys.slice(0, 50), 'internal')).size).toBe(0);
      // The kept project works against the same server: status and flags eval read the toggle.
      const status = await runCli(['status', '--json'], { cwd: doc.result.dir, env });
      expect(status.json<{ result: { status: string } }>().result.status).toBe('rolled-back');
      const explained = await runCli(
        ['flags', 'eval', 'reserves_v1.1', '--key', 'user-00001', '--group', 'internal', '--json'],
        { cwd: doc.result.dir, env },
      );
      expect(explained.json<{ result: { variant: string; reason: string } }>().result).toMatchObject({
        variant: 'reserves_v1.0',
        reason: 'kill-switch',
      });
    } finally {
      await rm(doc.result.dir, { recursive: true, force: true });
    }

    const again = await runCli(['demo', '--seed', '11', '--provider', 'unleash', '--json'], {
      env,
      timeoutMs: 240_000,
    });
    expectRolledBackThroughUnleash(again);
    expect(again.stderr).toContain('removed the toggle reserves_v1.1 a previous `rollout demo --keep` left');
    expect(again.json<DemoDoc>().result.flagProvider.cleanup).toContain('archived and deleted');
    expect((await admin('GET', FEATURE)).status).toBe(404);

    expect(
      (await admin('POST', '/projects/default/features', { name: 'reserves_v1.1', description: 'ours' })).status,
    ).toBe(201);
    const refused = await runCli(['demo', '--provider', 'unleash', '--json'], { env, timeoutMs: 60_000 });
    expect(refused.code, refused.stderr).toBe(2);
    expect(refused.json<DemoDoc>().error).toMatchObject({ code: 'E_DEMO_PREREQUISITE' });
    expect(refused.json<DemoDoc>().error?.message).toContain('did not create');
    expect(JSON.parse((await admin('GET', FEATURE)).body)).toMatchObject({ description: 'ours' });
  }, 400_000);
});
