import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type Socket } from 'node:net';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateShare } from '../../src/flags/evaluate.js';
import type { FlagdDocument } from '../../src/flags/types.js';
import { runCli } from '../helpers/cli.js';
import { miniProject } from '../helpers/mini-plan.js';
import { startSlackRecorder } from '../helpers/slack-recorder.js';

/** A health endpoint the tests can turn sick. */
let healthy = true;
let server: Server;
let healthUrl: string;
beforeAll(async () => {
  server = createServer((_req, res) => {
    res.statusCode = healthy ? 200 : 503;
    res.end(healthy ? 'ok' : 'sick');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address() as { port: number };
  healthUrl = `http://127.0.0.1:${address.port}/health`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const KEYS = Array.from({ length: 20_000 }, (_, i) => `user-${i}`);

async function flagDoc(dir: string): Promise<FlagdDocument> {
  return JSON.parse(await readFile(path.join(dir, 'flags/flags.json'), 'utf8')) as FlagdDocument;
}

/** Walks a fresh mini release to its first stage (10 % + internal) through the real CLI. */
async function projectAtFirstStage(
  opts: Parameters<typeof miniProject>[0] = {},
  env: Record<string, string> = {},
): Promise<string> {
  const dir = await miniProject({ healthUrl, ...opts });
  for (let i = 0; i < 3; i++) {
    const r = await runCli(['advance', '--reason', 'test walk'], { cwd: dir, env });
    expect(r.code, r.stdout + r.stderr).toBe(0);
  }
  const status = (await runCli(['status', '--json'], { cwd: dir })).json<{ result: { stage: { id: string } } }>();
  expect(status.result.stage.id).toBe('s1');
  return dir;
}

describe('rollout rollback', () => {
  it('immediate: the kill switch serves the fallback to everyone, advance refuses, retry restores the same users', async () => {
    const dir = await projectAtFirstStage();
    const before = evaluateShare(await flagDoc(dir), 'reserves_v1.1', KEYS, { collectKeys: true });
    expect(before.percent).toBeGreaterThan(8);
    const dry = await runCli(['rollback', '--mode', 'immediate', '--reason', 'error spike', '--dry-run'], { cwd: dir });
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('dry run: an immediate rollback would:');
    const r = await runCli(['rollback', '--mode', 'immediate', '--reason', 'error spike', '--json'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const doc = r.json<{ result: { ok: boolean; flagWrittenAtMs: number; recorded: boolean } }>();
    expect(doc.result).toMatchObject({ ok: true, recorded: true });
    expect(doc.result.flagWrittenAtMs).toBeGreaterThan(0);
    const killed = await flagDoc(dir);
    expect(evaluateShare(killed, 'reserves_v1.1', KEYS).withNewVariant).toBe(0);
    expect(evaluateShare(killed, 'reserves_v1.1', KEYS.slice(0, 100), { groups: ['internal'] }).withNewVariant).toBe(0);
    const status = (await runCli(['status', '--json'], { cwd: dir })).json<{ result: { status: string } }>();
    expect(status.result.status).toBe('rolled-back');
    const blocked = await runCli(['advance', '--json'], { cwd: dir });
    // Exit code, hint and runbook agree: the release is rolled back, `rollout retry` re-opens it.
    expect(blocked.code).toBe(4);
    const error = blocked.json<{ error: { code: string; message: string; hint: string; runbook: string } }>().error;
    expect(error).toMatchObject({ code: 'E_RELEASE_ROLLED_BACK', runbook: 'exit-4-rolled-back' });
    expect(error.message + error.hint).toContain('rollout retry');
    expect(error.hint).not.toContain('--resume');
    const retry = await runCli(['retry', '--reason', 'fixed'], { cwd: dir });
    expect(retry.code, retry.stderr).toBe(0);
    const after = evaluateShare(await flagDoc(dir), 'reserves_v1.1', KEYS, { collectKeys: true });
    expect(after.keysWithNewVariant).toEqual(before.keysWithNewVariant);
    const log = await runCli(['log', '--verify'], { cwd: dir });
    expect(log.code).toBe(0);
  }, 300_000);

  it('works with a plan that no longer validates: the flag is switched before validation, exit 6 until the plan is fixed and the rollback recorded', async () => {
    const dir = await projectAtFirstStage();
    const plan = await readFile(path.join(dir, 'rollout.yaml'), 'utf8');
    const { writeFile } = await import('node:fs/promises');
    await writeFile(path.join(dir, 'rollout.yaml'), plan.replace('version: 1', 'version: 1\nbroken_key: true'));
    const r = await runCli(['rollback'], { cwd: dir });
    // The switch is on, but the rollback cannot be recorded without a valid plan: a human must finish it.
    expect(r.code).toBe(6);
    expect(r.stderr).toContain('kill switch IS on');
    expect(r.stderr).toContain('broken_key');
    expect(evaluateShare(await flagDoc(dir), 'reserves_v1.1', KEYS).withNewVariant).toBe(0);
    // Once the plan is fixed, the same command records it (the flag needs no new write).
    await writeFile(path.join(dir, 'rollout.yaml'), plan);
    const again = await runCli(['rollback', '--json'], { cwd: dir });
    expect(again.code, again.stderr).toBe(0);
    expect(again.json<{ result: { recorded: boolean; flagWrittenAtMs: number | null } }>().result).toMatchObject({
      recorded: true,
      flagWrittenAtMs: null,
    });
  }, 300_000);

  it('full: verifies health on the fallback; a sick service makes it exit 6', async () => {
    const dir = await projectAtFirstStage({
      rollback: '  defaultMode: full\n  full: { healthChecks: [health-endpoint], deadline: 3s, interval: 1s }',
    });
    healthy = false;
    try {
      const sick = await runCli(['rollback', '--json'], { cwd: dir });
      expect(sick.code).toBe(6);
      expect(sick.json<{ result: { healthy: boolean; mode: string } }>().result).toMatchObject({
        healthy: false,
        mode: 'full',
      });
      expect(evaluateShare(await flagDoc(dir), 'reserves_v1.1', KEYS).withNewVariant).toBe(0);
    } finally {
      healthy = true;
    }
    const ok = await runCli(['rollback', '--mode', 'full', '--json'], { cwd: dir });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.json<{ result: { healthy: boolean } }>().result.healthy).toBe(true);
    expect(
      (await runCli(['status', '--json'], { cwd: dir })).json<{ result: { status: string } }>().result.status,
    ).toBe('rolled-back');
  }, 300_000);

  it('progressive: ramps down in absolute steps and, killed mid-way, resumes from the step it reached', async () => {
    const dir = await projectAtFirstStage({
      rollback: '  defaultMode: progressive\n  progressive: { over: 4s, steps: 4 }',
    });
    const crashed = await runCli(['rollback', '--mode', 'progressive'], {
      cwd: dir,
      env: { ROLLOUT_CRASH_AT: 'rollback:after-step' },
    });
    expect(crashed.signal).toBe('SIGKILL');
    const mid = JSON.parse(await readFile(path.join(dir, '.rollout/state.json'), 'utf8')) as {
      rollback: { steps: Array<{ percent: number; done: boolean }>; completedAt?: string };
    };
    expect(mid.rollback.completedAt).toBeUndefined();
    // The first step's flag was written before the crash; the recorded step may or may not be done.
    const share = evaluateShare(await flagDoc(dir), 'reserves_v1.1', KEYS).percent;
    expect(share).toBeLessThan(10);
    const resumed = await runCli(['rollback', '--resume', '--json'], { cwd: dir });
    expect(resumed.code, resumed.stderr).toBe(0);
    const result = resumed.json<{ result: { steps: Array<{ percent: number; done: boolean }> } }>().result;
    expect(result.steps.every((s) => s.done)).toBe(true);
    expect(result.steps.map((s) => s.percent)).toEqual([7.5, 5, 2.5, 0]);
    expect(evaluateShare(await flagDoc(dir), 'reserves_v1.1', KEYS).withNewVariant).toBe(0);
    const audit = (await runCli(['log', '--json', '--limit', '50'], { cwd: dir })).json<{
      result: { entries: Array<{ op: string; data?: { percent?: number } }> };
    }>();
    const percents = audit.result.entries.filter((e) => e.op === 'rollback:step').map((e) => e.data?.percent ?? -1);
    // Never ramps up again: each recorded step is at or below the one before.
    for (let i = 1; i < percents.length; i++) expect(percents[i]).toBeLessThanOrEqual(percents[i - 1] as number);
  }, 300_000);

  it('progressive: a trigger that fires during the ramp-down goes straight to the kill switch', async () => {
    const dir = await projectAtFirstStage({
      rollback: '  defaultMode: progressive\n  progressive: { over: 40s, steps: 4 }',
      extraTriggers: '\n  - { id: canary-health, healthCheck: health-endpoint, consecutiveFailures: 1 }',
    });
    healthy = false;
    try {
      const r = await runCli(['rollback', '--json'], { cwd: dir });
      expect(r.code, r.stderr).toBe(0);
      const result = r.json<{ result: { escalated: string; steps: Array<{ done: boolean }> } }>().result;
      expect(result.escalated).toBe('canary-health');
      expect(result.steps.every((s) => s.done)).toBe(true);
      expect(evaluateShare(await flagDoc(dir), 'reserves_v1.1', KEYS).withNewVariant).toBe(0);
      expect(r.stderr).toContain('went straight to the kill switch');
    } finally {
      healthy = true;
    }
  }, 300_000);

  it('a rollback racing an advance wins: the advance stops before changing the flag and the kill switch stays', async () => {
    const dir = await projectAtFirstStage();
    // Prometheus that accepts connections and never answers: the advance's canary check takes its
    // whole query timeout, which is when the rollback runs.
    const sockets: Socket[] = [];
    let queried: () => void = () => undefined;
    const advanceIsQuerying = new Promise<void>((r) => (queried = r));
    const hang = createTcpServer((s) => {
      sockets.push(s);
      queried();
    });
    await new Promise<void>((r) => hang.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(hang.address() as { port: number }).port}`;
    try {
      const advancing = runCli(['advance', '--override', '--reason', 'race'], {
        cwd: dir,
        env: { ROLLOUT_PROMETHEUS_URL: url },
      });
      // The rollback runs while the advance waits on Prometheus (it has connected), not after a guessed sleep.
      await advanceIsQuerying;
      const rollback = await runCli(['rollback', '--reason', 'race'], { cwd: dir });
      expect(rollback.code, rollback.stderr).toBe(0);
      const advanced = await advancing;
      expect([1, 5]).toContain(advanced.code);
      expect(evaluateShare(await flagDoc(dir), 'reserves_v1.1', KEYS).withNewVariant).toBe(0);
      const status = (await runCli(['status', '--json'], { cwd: dir })).json<{
        result: { status: string; stage: { id: string } };
      }>();
      expect(status.result).toMatchObject({ status: 'rolled-back', stage: { id: 's1' } });
    } finally {
      sockets.forEach((s) => s.destroy());
      hang.close();
    }
  }, 300_000);

  it('Slack rate-limiting, failing or hanging never delays the rollback; the alert lands later from the outbox', async () => {
    const slack = await startSlackRecorder();
    try {
      const env = { SLACK_BOT_TOKEN: 'xoxb-test-not-a-real-token', SLACK_API_URL: slack.url };
      for (const behaviour of [{ status: 429, retryAfter: 1 }, { status: 500 }, 'hang'] as const) {
        const dir = await projectAtFirstStage({}, env);
        slack.respondWith('*', behaviour);
        // A rollback that waited for a hanging Slack would never return: runCli would kill it.
        const r = await runCli(['rollback', '--json', '--reason', `slack ${JSON.stringify(behaviour)}`], {
          cwd: dir,
          env,
        });
        expect(r.code, r.stderr).toBe(0);
        expect(r.stdout.length, `${JSON.stringify(behaviour)}: ${r.stderr}`).toBeGreaterThan(0);
        const result = r.json<{ result: { ok: boolean; notifications: { delivered: string[]; queued: string[] } } }>()
          .result;
        expect(result.ok).toBe(true);
        // Nothing reached Slack, yet the rollback is done: the alert waits in the outbox.
        expect(result.notifications.delivered).toEqual([]);
        expect(result.notifications.queued.length).toBeGreaterThan(0);
        expect(evaluateShare(await flagDoc(dir), 'reserves_v1.1', KEYS).withNewVariant).toBe(0);
        slack.respondWith('*', 'ok');
        const flush = await runCli(['notify', '--flush', '--json'], { cwd: dir, env });
        expect(flush.code, flush.stdout + flush.stderr).toBe(0);
        expect(flush.json<{ result: { delivered: number; remaining: number } }>().result).toMatchObject({
          remaining: 0,
        });
      }
      expect(
        slack.calls.some((c) => c.method === 'chat.postMessage' && JSON.stringify(c.body).includes('ROLLBACK')),
      ).toBe(true);
      // Each of the three rollbacks opened an incident channel and pinned its summary exactly once,
      // although its first delivery failed and was retried from the outbox.
      expect(slack.calls.filter((c) => c.method === 'conversations.create').length).toBeGreaterThanOrEqual(3);
      expect(slack.calls.filter((c) => c.method === 'pins.add').length).toBe(3);
      expect(JSON.stringify(slack.calls)).not.toContain('xoxb-test-not-a-real-token'.slice(5) + 'x');
    } finally {
      await slack.stop();
    }
  }, 600_000);
});
