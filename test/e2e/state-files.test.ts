import { createServer, type Server } from 'node:http';
import { chmod, cp, lstat, mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateShare } from '../../src/flags/evaluate.js';
import type { FlagdDocument } from '../../src/flags/types.js';
import { runCli, type CliRun } from '../helpers/cli.js';
import { miniProject } from '../helpers/mini-plan.js';

/*
 * What the CLI does with state, lock and flag files it did not write itself: corrupt, hand-edited,
 * the wrong kind of file, symbolic links, loose modes. Never exit 70, always the path and the runbook.
 */

let server: Server;
let healthUrl: string;
/** A project walked to its first rollout stage once; each case works on a copy. */
let template: string;

beforeAll(async () => {
  server = createServer((_req, res) => res.end('ok'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  healthUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}/health`;
  template = await miniProject({ healthUrl });
  for (let i = 0; i < 3; i++) {
    const r = await runCli(['advance', '--reason', 'walk'], { cwd: template });
    expect(r.code, r.stdout + r.stderr).toBe(0);
  }
}, 120_000);
afterAll(() => new Promise<void>((r) => server.close(() => r())));

async function copyProject(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'rollout-statefiles-'));
  await cp(template, dir, { recursive: true });
  return dir;
}

const KEYS = Array.from({ length: 2_000 }, (_, i) => `user-${i}`);

async function newVariantShare(dir: string): Promise<number> {
  const doc = JSON.parse(await readFile(path.join(dir, 'flags/flags.json'), 'utf8')) as FlagdDocument;
  return evaluateShare(doc, 'reserves_v1.1', KEYS).withNewVariant;
}

function expectNoStack(r: CliRun): void {
  expect(r.stdout + r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+\)?/);
  expect(r.stderr).not.toMatch(/This is a bug/);
}

type ErrorDoc = {
  ok: boolean;
  exitCode: number;
  error: { code: string; message: string; runbook?: string; problems: string[] };
  warnings?: string[];
};

async function expectStateError(dir: string, code: string, mention: RegExp): Promise<ErrorDoc> {
  for (const command of [['status'], ['advance', '--reason', 'x']]) {
    const human = await runCli(command, { cwd: dir });
    expect(human.code, `${command[0]}: ${human.stderr}`).toBe(2);
    expect(human.stderr).toMatch(mention);
    expect(human.stderr).toContain('runbook: rollout runbook show state-corrupt');
    expectNoStack(human);
  }
  const json = await runCli(['status', '--json'], { cwd: dir });
  expect(json.code).toBe(2);
  const doc = json.json<ErrorDoc>();
  expect(doc.error).toMatchObject({ code, runbook: 'state-corrupt' });
  return doc;
}

describe('a state.json that cannot be used ends with exit 2, the file, the problem and the runbook', () => {
  const statePath = (dir: string) => path.join(dir, '.rollout/state.json');

  it.each([
    ['garbage', 'garbage\n', /not valid JSON/],
    ['truncated', null, /not valid JSON/],
    ['empty', '', /empty \(0 bytes\)/],
    ['a JSON array', '[1, 2]\n', /expected object, got a list/],
  ])('%s', async (_name, content, mention) => {
    const dir = await copyProject();
    const good = await readFile(statePath(dir), 'utf8');
    await writeFile(statePath(dir), content ?? good.slice(0, Math.floor(good.length / 2)));
    await expectStateError(dir, 'E_STATE_CORRUPT', mention);
    // a rollback still switches everyone to the fallback, and says the state was not recorded
    const rollback = await runCli(['rollback', '--reason', 'state broken'], { cwd: dir });
    expect([0, 6]).toContain(rollback.code);
    expectNoStack(rollback);
    expect(await newVariantShare(dir)).toBe(0);
  });

  it('state.json is a directory (EISDIR)', async () => {
    const dir = await copyProject();
    await rm(statePath(dir));
    await mkdir(statePath(dir));
    await expectStateError(dir, 'E_STATE_CORRUPT', /state\.json cannot be used: it is a directory/);
  });

  it('.rollout is a file (ENOTDIR)', async () => {
    const dir = await copyProject();
    await rm(path.join(dir, '.rollout'), { recursive: true });
    await writeFile(path.join(dir, '.rollout'), 'not a directory\n');
    await expectStateError(dir, 'E_STATE_CORRUPT', /\.rollout cannot be used: .*not a directory/);
  });

  it('hand edits: every problem at once, with its JSON path and line:col (percent 1000, status exploded, a bad timestamp, a wrong type, a missing field)', async () => {
    const dir = await copyProject();
    const state = JSON.parse(await readFile(statePath(dir), 'utf8')) as Record<string, unknown> & {
      flags: Record<string, Record<string, unknown>>;
    };
    state.status = 'exploded';
    (state.flags['reserves_v1.1'] as Record<string, unknown>).percent = 1000;
    state.phaseStartedAt = 'yesterday';
    state.signoffs = 'none';
    delete state.lineage;
    state.addedByANewerVersion = { kept: true };
    await writeFile(statePath(dir), JSON.stringify(state, null, 2));
    const doc = await expectStateError(dir, 'E_STATE_CORRUPT', /5 problem\(s\) in the document/);
    const problems = doc.error.problems.join('\n');
    expect(problems).toMatch(/state\.json:\d+:\d+: status: string "exploded" is not allowed/);
    expect(problems).toMatch(
      /state\.json:\d+:\d+: flags\["reserves_v1\.1"\]\.percent: number 1000 is too large \(at most 100\)/,
    );
    expect(problems).toMatch(/phaseStartedAt: string "yesterday" is not an ISO timestamp/);
    expect(problems).toMatch(/signoffs: expected array, got string "none"/);
    expect(problems).toMatch(/lineage: required/);
    expect(problems).not.toMatch(/addedByANewerVersion/);
    const line = Number(/state\.json:(\d+):\d+: status/.exec(problems)?.[1]);
    const text = (await readFile(statePath(dir), 'utf8')).split('\n');
    expect(text[line - 1]).toContain('"status": "exploded"');
  });

  it('fields added by a newer rollout are accepted and kept', async () => {
    const dir = await copyProject();
    const state = JSON.parse(await readFile(statePath(dir), 'utf8')) as Record<string, unknown>;
    await writeFile(statePath(dir), JSON.stringify({ ...state, someFutureField: [1, 2, 3] }, null, 2));
    const r = await runCli(['status'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
  });
});

describe('the manual rebuild of runbook state-corrupt', () => {
  it('a state written from the runbook template is accepted; advance then asks to confirm the plan', async () => {
    const dir = await copyProject();
    const log = await runCli(['log', '--json'], { cwd: dir });
    const entries = log.json<{
      result: {
        entries: Array<{
          op: string;
          ts: string;
          stateSerial?: number;
          data?: { to?: { phase: string; stage: string | null; percent: number | null } };
        }>;
      };
    }>().result.entries;
    const last = entries.filter((e) => e.op === 'advance').at(-1);
    if (!last?.data?.to) throw new Error('no advance in the audit log');
    await writeFile(path.join(dir, '.rollout/state.json'), 'garbage');
    expect((await runCli(['status'], { cwd: dir })).code).toBe(2);
    // the template of runbooks/state-corrupt.md, filled from the last advance entry
    const rebuilt = {
      schemaVersion: 1,
      release: 'v9.9.9',
      lineage: '3b1f7a2e-0000-4000-8000-000000000001',
      serial: Math.max(...entries.map((e) => e.stateSerial ?? 0)),
      configHash: '',
      status: 'in-progress',
      phase: last.data.to.phase,
      phaseStartedAt: last.ts,
      stage: { index: 0, id: last.data.to.stage, startedAt: last.ts },
      flags: {
        'reserves_v1.1': { percent: last.data.to.percent, groups: ['internal'], killSwitch: false, updatedAt: last.ts },
      },
      signoffs: [],
      evidence: {},
      intent: null,
      rollback: null,
      history: [],
    };
    await writeFile(path.join(dir, '.rollout/state.json'), JSON.stringify(rebuilt, null, 2), { mode: 0o600 });
    const status = await runCli(['status', '--json'], { cwd: dir });
    expect(status.code, status.stdout + status.stderr).toBe(0);
    expect(status.json<{ result: { stage: { id: string } } }>().result.stage.id).toBe('s1');
    const advance = await runCli(['advance', '--reason', 'after repair', '--json'], { cwd: dir });
    expect(advance.code).toBe(2);
    expect(advance.json<{ error: { code: string } }>().error.code).toBe('E_CONFIG_CHANGED');
  });
});

describe('symbolic links and modes', () => {
  it('a symlinked state.json or lock.json is refused with exit 2 naming the path (E_STATE_UNSAFE); nothing is followed', async () => {
    const dir = await copyProject();
    const real = path.join(dir, 'elsewhere.json');
    await cp(path.join(dir, '.rollout/state.json'), real);
    await rm(path.join(dir, '.rollout/state.json'));
    await symlink(real, path.join(dir, '.rollout/state.json'));
    const doc = await expectStateError(dir, 'E_STATE_UNSAFE', /refusing to use .*state\.json: it is a symbolic link/);
    expect(doc.error.message).toContain(path.join(dir, '.rollout/state.json'));

    const other = await copyProject();
    await writeFile(path.join(other, 'lock-target.json'), '{}');
    await symlink(path.join(other, 'lock-target.json'), path.join(other, '.rollout/lock.json'));
    const status = await runCli(['status', '--json'], { cwd: other });
    expect(status.code).toBe(2);
    expect(status.json<ErrorDoc>().error).toMatchObject({ code: 'E_STATE_UNSAFE' });
    expect(status.json<ErrorDoc>().error.message).toContain(path.join(other, '.rollout/lock.json'));
    // `unlock --force` removes the link itself, never what it points at
    const unlock = await runCli(['unlock', '--force', '--reason', 'symlinked lock'], { cwd: other });
    expect(unlock.code, unlock.stderr).toBe(0);
    expect(await readFile(path.join(other, 'lock-target.json'), 'utf8')).toBe('{}');
    expect((await runCli(['status'], { cwd: other })).code).toBe(0);
  });

  it('loose modes of an existing state directory and state file are warned about on stderr and in --json, never refused', async () => {
    const dir = await copyProject();
    await chmod(path.join(dir, '.rollout'), 0o777);
    await chmod(path.join(dir, '.rollout/state.json'), 0o666);
    const human = await runCli(['status'], { cwd: dir });
    expect(human.code, human.stderr).toBe(0);
    expect(human.stderr).toMatch(
      /warning: .*\.rollout is a directory with mode 0777, writable by other users.*chmod 0700/,
    );
    expect(human.stderr).toMatch(/warning: .*state\.json is a file with mode 0666/);
    const json = await runCli(['status', '--json'], { cwd: dir });
    expect(json.code).toBe(0);
    expect(json.json<{ warnings: string[] }>().warnings.join('\n')).toMatch(/mode 0777/);
  });

  it('a rollback with a world-writable flags directory still switches the flag (warning only)', async () => {
    const dir = await copyProject();
    await chmod(path.join(dir, 'flags'), 0o777);
    const r = await runCli(['rollback', '--reason', 'drill', '--json'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.json<{ warnings?: string[] }>().warnings?.join('\n')).toMatch(/flag directory .*flags has mode 0777/);
    expect(await newVariantShare(dir)).toBe(0);
  });

  it('under umask 000, the state directory is 0700, its files 0600, the flags directory 0755 and the flag file 0644', async () => {
    const dir = await miniProject({ healthUrl });
    const before = process.umask(0);
    let r: CliRun;
    try {
      r = await runCli(['advance', '--reason', 'walk'], { cwd: dir });
    } finally {
      process.umask(before);
    }
    expect(r.code, r.stderr).toBe(0);
    const mode = async (p: string) => ((await lstat(path.join(dir, p))).mode & 0o777).toString(8);
    expect(await mode('.rollout')).toBe('700');
    expect(await mode('.rollout/state.json')).toBe('600');
    expect(await mode('flags')).toBe('755');
    expect(await mode('flags/flags.json')).toBe('644');
    expect((await stat(path.join(dir, 'flags'))).isDirectory()).toBe(true);
  });
});
