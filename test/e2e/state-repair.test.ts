import { createServer, type Server } from 'node:http';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { miniProject } from '../helpers/mini-plan.js';

/* `rollout state repair`: an unusable state.json rebuilt from the audit log, a dry run unless --write. */

let server: Server;
let healthUrl: string;
beforeAll(async () => {
  server = createServer((_req, res) => res.end('ok'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  healthUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}/health`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

/** A release walked to stage s1 and rolled back, then its state.json overwritten. */
async function brokenRolledBackRelease(): Promise<string> {
  const dir = await miniProject({ healthUrl });
  for (let i = 0; i < 3; i++) expect((await runCli(['advance', '--reason', 'walk'], { cwd: dir })).code).toBe(0);
  expect((await runCli(['rollback', '--reason', 'drill'], { cwd: dir })).code).toBe(0);
  await writeFile(path.join(dir, '.rollout/state.json'), '{"schemaVersion": 1, "rele');
  expect((await runCli(['status'], { cwd: dir })).code).toBe(2);
  return dir;
}

type Repair = {
  result: {
    problem: string | null;
    written: boolean;
    brokenCopy: string | null;
    state: {
      status: string;
      phase: string;
      stage: { id: string };
      flags: Record<string, { percent: number; killSwitch: boolean }>;
      rollback: { mode: string } | null;
    } | null;
    notes: string[];
  };
};

describe('rollout state repair', () => {
  it('dry run by default: shows the rebuilt position (rolled back at s1), changes nothing', async () => {
    const dir = await brokenRolledBackRelease();
    const r = await runCli(['state', 'repair', '--json'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const { result } = r.json<Repair>();
    expect(result.problem).toMatch(/not valid JSON/);
    expect(result.written).toBe(false);
    expect(result.state).toMatchObject({
      status: 'rolled-back',
      phase: 'P2',
      stage: { id: 's1' },
      flags: { 'reserves_v1.1': { percent: 10, killSwitch: true } },
      rollback: { mode: 'immediate' },
    });
    expect(await readFile(path.join(dir, '.rollout/state.json'), 'utf8')).toBe('{"schemaVersion": 1, "rele');
    expect((await runCli(['status'], { cwd: dir })).code).toBe(2);
  });

  it('--write puts the rebuilt state in place, keeps the broken file and records state:repair in a log that still verifies', async () => {
    const dir = await brokenRolledBackRelease();
    const r = await runCli(['state', 'repair', '--write', '--reason', 'disk filled up', '--json'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const { result } = r.json<Repair>();
    expect(result.written).toBe(true);
    expect(result.brokenCopy).toMatch(/state\.json\.broken-/);
    expect(await readFile(result.brokenCopy as string, 'utf8')).toBe('{"schemaVersion": 1, "rele');
    const status = await runCli(['status', '--json'], { cwd: dir });
    expect(status.code, status.stderr).toBe(0);
    expect(status.json<{ result: { status: string } }>().result.status).toBe('rolled-back');
    const log = await runCli(['log', '--verify', '--json'], { cwd: dir });
    expect(log.code, log.stdout).toBe(0);
    const entries = (await runCli(['log', '--json'], { cwd: dir })).json<{
      result: { entries: Array<{ op: string; reason?: string }> };
    }>().result.entries;
    expect(entries.at(-1)).toMatchObject({ op: 'state:repair', reason: 'disk filled up' });
    expect((await readdir(path.join(dir, '.rollout'))).filter((f) => f.startsWith('state.json'))).toHaveLength(2);
    const again = await runCli(['state', 'repair', '--json'], { cwd: dir });
    expect(again.json<Repair>().result.problem).toBeNull();
  });

  it('refuses to rebuild from an audit log that does not verify', async () => {
    const dir = await brokenRolledBackRelease();
    const audit = path.join(dir, '.rollout/audit.jsonl');
    const lines = (await readFile(audit, 'utf8')).trimEnd().split('\n');
    lines[0] = (lines[0] as string).replace('"op":"advance"', '"op":"advanced"');
    await writeFile(audit, `${lines.join('\n')}\n`);
    const r = await runCli(['state', 'repair', '--write', '--json'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.json<{ error: { code: string } }>().error.code).toBe('E_AUDIT_TAMPERED');
    expect(await readFile(path.join(dir, '.rollout/state.json'), 'utf8')).toBe('{"schemaVersion": 1, "rele');
  });
});
