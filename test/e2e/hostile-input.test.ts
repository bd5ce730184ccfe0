import { execFileSync } from 'node:child_process';
import { rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseDocument } from 'yaml';
import { runCli } from '../helpers/cli.js';
import { miniPlan, miniProject } from '../helpers/mini-plan.js';

/**
 * Values that reach the terminal from other people (actors, reasons, file names) and plans that used
 * to pass validate and fail at run time. Every run must end with a documented exit code, no stack
 * trace, and no raw control character on stdout or stderr.
 */
const ENV = { ROLLOUT_NO_CACHE: '1' };
const HOSTILE_ACTOR = 'eve\u001b[31m\nforged: line';
const HOSTILE_REASON = 'why\u001b[2J\u202e\nforged: reason';
// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

function expectClean(text: string): void {
  expect(text).not.toMatch(RAW_CONTROL);
  expect(text.split('\n').some((l) => l.startsWith('forged'))).toBe(false);
}

describe('hostile actors and reasons are printed escaped', () => {
  it('status, log and rollback show an actor with ESC and a newline escaped, on one line', async () => {
    const dir = await miniProject();
    const advanced = await runCli(['advance', '--actor', HOSTILE_ACTOR], { cwd: dir, env: ENV });
    expect(advanced.code, advanced.stderr).toBe(0);
    for (const args of [['status'], ['log']]) {
      const r = await runCli(args, { cwd: dir, env: ENV });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain('eve\\e[31m\\nforged: line');
      expectClean(r.stdout + r.stderr);
    }
    const rolled = await runCli(['rollback', '--actor', HOSTILE_ACTOR, '--reason', HOSTILE_REASON], {
      cwd: dir,
      env: ENV,
    });
    expect(rolled.code, rolled.stderr).toBe(0);
    expect(rolled.stdout).toContain('why\\e[2J\\u{202e}\\nforged: reason');
    expectClean(rolled.stdout + rolled.stderr);
    const log = await runCli(['log'], { cwd: dir, env: ENV });
    expectClean(log.stdout + log.stderr);
  });

  it("keeps its own colours with FORCE_COLOR while escaping the actor's", async () => {
    const dir = await miniProject();
    await runCli(['advance', '--actor', HOSTILE_ACTOR], { cwd: dir, env: ENV });
    const r = await runCli(['status'], { cwd: dir, env: { ...ENV, NO_COLOR: undefined, FORCE_COLOR: '1' } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('eve\\e[31m\\nforged: line');
    expect(r.stdout).not.toContain('eve\u001b[31m');
    expect(r.stdout).toContain('\u001b[');
  });

  it('--json output carries the actor exactly and stays terminal-safe', async () => {
    const dir = await miniProject();
    await runCli(['advance', '--actor', HOSTILE_ACTOR], { cwd: dir, env: ENV });
    const r = await runCli(['log', '--json'], { cwd: dir, env: ENV });
    expect(r.stdout).not.toMatch(RAW_CONTROL);
    expect(JSON.stringify(r.json())).toContain(JSON.stringify(HOSTILE_ACTOR).slice(1, -1));
  });
});

describe('alerts output stays valid YAML with hostile text in its comments', () => {
  it('a plan file name with a newline stays inside the header comment', async () => {
    const dir = await miniProject();
    const name = 'plan\n- evil: injected\u001b[31m.yaml';
    await rename(path.join(dir, 'rollout.yaml'), path.join(dir, name));
    const r = await runCli(['-c', name, 'alerts'], { cwd: dir, env: ENV });
    expect(r.code, r.stderr).toBe(0);
    expectClean(r.stdout);
    const doc = parseDocument(r.stdout);
    expect(doc.errors).toEqual([]);
    expect(Object.keys(doc.toJS() as object)).toEqual(['groups']);
    const mentions = r.stdout.split('\n').filter((l) => l.includes('evil'));
    expect(mentions.length).toBeGreaterThan(0);
    expect(mentions.every((l) => l.startsWith('#'))).toBe(true);
  });
});

describe('plans that used to validate and then fail at run time', () => {
  it('{{release}} in a canary metric renders in alerts and dashboard (it exited 70)', async () => {
    const dir = await miniProject();
    const plan = miniPlan().replace(
      'variant="{{variant}}",status',
      'variant="{{variant}}",release="{{release}}",status',
    );
    await writeFile(path.join(dir, 'rollout.yaml'), plan);
    expect((await runCli(['validate'], { cwd: dir, env: ENV })).code).toBe(0);
    const alerts = await runCli(['alerts'], { cwd: dir, env: ENV });
    expect(alerts.code, alerts.stderr).toBe(0);
    expect(alerts.stdout).toContain('release="v9.9.9"');
    expect(parse(alerts.stdout)).toHaveProperty('groups');
    const dash = await runCli(['dashboard'], { cwd: dir, env: ENV });
    expect(dash.code, dash.stderr).toBe(0);
    expect(dash.stdout).toContain('release=\\"v9.9.9\\"');
  });

  it('a compound canary window (1h30m) renders in alerts and dashboard', async () => {
    const dir = await miniProject();
    await writeFile(
      path.join(dir, 'rollout.yaml'),
      miniPlan().replace('  window: 30m', '  window: 1h30m').replace('window: 10m }', 'window: 1h30m }'),
    );
    expect((await runCli(['validate'], { cwd: dir, env: ENV })).code).toBe(0);
    const alerts = await runCli(['alerts'], { cwd: dir, env: ENV });
    expect(alerts.code, alerts.stderr).toBe(0);
    expect(alerts.stdout).toContain('[1h30m]');
    const dash = await runCli(['dashboard'], { cwd: dir, env: ENV });
    expect(dash.code, dash.stderr).toBe(0);
    // Prometheus 2.42 (promtool) parses the same rules.
    await writeFile(path.join(dir, 'rules.yml'), alerts.stdout);
    const checked = execFileSync('promtool', ['check', 'rules', path.join(dir, 'rules.yml')], { encoding: 'utf8' });
    expect(checked).toContain('SUCCESS');
  });

  it.each([
    [
      'a command timeout of 30d',
      (p: string) => p.replace('env: [PATH] }', 'env: [PATH], timeout: 30d }'),
      'a command timeout is at most',
    ],
    [
      'a bake of 99999999999999999999d',
      (p: string) => p.replace('bake: 0s }', 'bake: 99999999999999999999d }'),
      'a bake time is at most',
    ],
    [
      '{{variant}} outside quotes',
      (p: string) => p.replace('variant="{{variant}}",status', 'variant={{variant}},status'),
      'is used outside quotes',
    ],
  ])('validate rejects %s with file:line:col and exit 2', async (_name, mutate, message) => {
    const dir = await miniProject();
    await writeFile(path.join(dir, 'rollout.yaml'), mutate(miniPlan()));
    const r = await runCli(['validate'], { cwd: dir, env: ENV });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`rollout\\.yaml:\\d+:\\d+: .*${message.replace(/[{}]/g, '\\$&')}`));
  });

  it.each(['99999999999999999999d', '0s', '31d'])(
    'analyze --window %s is a usage error (exit 2), not an internal one (it exited 70)',
    async (window) => {
      const dir = await miniProject();
      const r = await runCli(['analyze', '--window', window], {
        cwd: dir,
        env: { ...ENV, ROLLOUT_PROMETHEUS_URL: 'http://127.0.0.1:9' },
      });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(
        `option '--window <duration>' argument '${window}' is invalid. Expected a duration from 1s to 30d`,
      );
    },
  );

  it('-c on a FIFO and on /dev/zero ends at once with exit 2 (validate and the rollback fast path)', async () => {
    const dir = await miniProject();
    execFileSync('mkfifo', [path.join(dir, 'fifo.yaml')]);
    for (const args of [
      ['-c', 'fifo.yaml', 'validate'],
      ['-c', 'fifo.yaml', 'rollback'],
      ['-c', '/dev/zero', 'validate'],
      ['-c', '/dev/zero', 'rollback'],
    ]) {
      const r = await runCli(args, { cwd: dir, env: ENV, timeoutMs: 15_000 });
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toContain('not a regular file');
    }
  });
});
