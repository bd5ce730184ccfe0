import { createServer, type Server } from 'node:net';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { miniPlan, miniProject } from '../helpers/mini-plan.js';
import { startSlackRecorder, type SlackRecorder } from '../helpers/slack-recorder.js';

/* Operational inputs the CLI must refuse or bound: a watch interval that hammers Prometheus, a metrics
 * port that is taken, and a notification flush against a Slack that never answers. */

describe('rollout watch inputs', () => {
  let busy: Server;
  let busyPort: number;
  beforeAll(async () => {
    busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    busyPort = (busy.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((r) => busy.close(() => r())));

  it('--interval below 1s is a usage error naming the flag (exit 2), before anything is queried', async () => {
    const dir = await miniProject();
    for (const interval of ['1ms', '999ms']) {
      const r = await runCli(['watch', '--interval', interval, '--for', '1s'], { cwd: dir });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(
        `option '--interval <duration>' argument '${interval}' is invalid. Expected a duration of at least 1s`,
      );
    }
    const json = await runCli(['watch', '--interval', '1ms', '--json'], { cwd: dir });
    expect(json.json<{ error: { code: string } }>().error.code).toBe('E_USAGE');
    expect((await runCli(['watch', '--interval', '1s', '--for', '1s'], { cwd: dir })).code).toBe(0); // nothing to watch yet
  });

  it('watch.interval in the plan below 1s is refused the same way, naming the key', async () => {
    const dir = await miniProject();
    await writeFile(path.join(dir, 'rollout.yaml'), `${miniPlan()}watch:\n  interval: 100ms\n`);
    const r = await runCli(['watch', '--for', '1s'], { cwd: dir });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/watch\.interval|interval/);
    expect(r.stderr).not.toMatch(/This is a bug/);
    // validate agrees with watch: the same floor, at the line of the key.
    const v = await runCli(['validate'], { cwd: dir });
    expect(v.code, v.stdout + v.stderr).toBe(2);
    expect(v.stdout + v.stderr).toMatch(/rollout\.yaml:\d+:\d+: .*watch interval/);
  });

  it('--metrics-port on a port that is taken ends with exit 2 naming the port, not exit 70', async () => {
    const dir = await miniProject();
    const r = await runCli(['watch', '--metrics-port', String(busyPort), '--for', '1s'], { cwd: dir });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`--metrics-port ${busyPort}: the port is already in use`);
    expect(r.stderr).not.toMatch(/EADDRINUSE|This is a bug/);
  });
});

describe('rollout notify --flush', () => {
  let slack: SlackRecorder;
  beforeAll(async () => {
    slack = await startSlackRecorder();
  });
  afterAll(() => slack.stop());

  it('holds its 20 s deadline for the whole flush against a Slack that never answers; nothing is dropped', async () => {
    const dir = await miniProject();
    const env = { SLACK_BOT_TOKEN: 'xoxb-test-token-for-the-recorder', SLACK_API_URL: slack.url };
    slack.respondWith('*', 'hang');
    expect((await runCli(['advance', '--reason', 'walk'], { cwd: dir, env })).code).toBe(0);
    expect((await runCli(['rollback', '--reason', 'drill'], { cwd: dir, env })).code).toBe(0);
    const queued = JSON.parse(await readFile(path.join(dir, '.rollout/outbox.json'), 'utf8')) as {
      entries: Array<{ target: string }>;
    };
    expect(queued.entries.length).toBeGreaterThanOrEqual(2);
    // Without the deadline the flush would wait for Slack forever and runCli would kill it at 60 s.
    const r = await runCli(['notify', '--flush', '--json'], { cwd: dir, env, timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(1);
    const result = r.json<{ result: { delivered: number; failed: number; remaining: number } }>().result;
    // At most one attempt per notifier, ended by the 20 s deadline; the other entries wait for the next
    // flush (a dead Slack costs one deadline, not one per entry) and nothing is dropped.
    const targets = new Set(queued.entries.map((e) => e.target)).size;
    expect(queued.entries.length).toBeGreaterThan(targets);
    expect(result).toMatchObject({ delivered: 0, remaining: queued.entries.length });
    expect(result.failed).toBeGreaterThanOrEqual(1);
    expect(result.failed).toBeLessThanOrEqual(targets);
    const after = JSON.parse(await readFile(path.join(dir, '.rollout/outbox.json'), 'utf8')) as {
      entries: Array<{ lastError: string | null }>;
    };
    expect(
      after.entries.some((e) => /no answer within \d+ ms/.test(e.lastError ?? '')),
      JSON.stringify(after.entries.map((e) => e.lastError)),
    ).toBe(true);
  }, 90_000);
});
