import { execFileSync } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { startPostgres } from '../helpers/postgres.js';

/*
 * preflight records each gate's result with the plan hash, the commit and the time; advance reuses a
 * recorded pass (src/gates/reuse.ts). The `suite` gate appends to a counter file outside the project,
 * so each test sees exactly how many times it really ran.
 */

const plan = (gate: string) => `version: 1
release: v9.9.9
phases:
  - id: P0
    title: Pre-flight
    gates:
      - { id: suite, kind: command, run: [node, -e, "${gate}"], env: [COUNT_FILE, MARK] }
      - { id: live, kind: command, maxAge: 0s, run: [node, -e, "0"] }
  - id: P1
    title: Next
`;
const COUNTING = "require('fs').appendFileSync(process.env.COUNT_FILE,'x')";
// Fails until the MARK file exists.
const FAILS_WITHOUT_MARK = `${COUNTING}; process.exit(require('fs').existsSync(process.env.MARK) ? 0 : 1)`;

async function project(gate: string, git: boolean) {
  const dir = await mkdtemp(path.join(tmpdir(), 'rollout-reuse-'));
  const outside = await mkdtemp(path.join(tmpdir(), 'rollout-reuse-count-'));
  await writeFile(path.join(dir, 'rollout.yaml'), plan(gate));
  const sh = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.email=t@example.org', '-c', 'user.name=t', ...args], { cwd: dir, stdio: 'pipe' });
  if (git) {
    sh('init', '-q');
    sh('add', 'rollout.yaml');
    sh('commit', '-qm', 'plan');
  }
  const env = { COUNT_FILE: path.join(outside, 'count'), MARK: path.join(outside, 'mark') };
  const cli = (args: string[], extra: Record<string, string> = {}) =>
    runCli(args, { cwd: dir, env: { ...env, ...extra }, timeoutMs: 60_000 });
  const runs = async () => (await readFile(env.COUNT_FILE, 'utf8').catch(() => '')).length;
  return { dir, env, cli, runs, sh };
}

interface AdvanceJson {
  result: {
    moved: boolean;
    evidence: {
      outcome: string;
      reused?: Array<{ id: string; commit: string; at: string; ageMs: number }>;
      notReused?: Array<{ id: string; why: string }>;
      gates: Array<{ id: string; verdict: string; reused?: unknown }>;
    };
  };
}

describe('advance reuses what preflight recorded', () => {
  it('reuses a pass at the same commit, says so (human, --json, audit log); --fresh, a loose state file, a dirty tree or another commit run it again', async () => {
    const p = await project(COUNTING, true);
    const pre = await p.cli(['preflight']);
    expect(pre.code, pre.stderr).toBe(0);
    expect(pre.stdout).toMatch(/recorded at commit [0-9a-f]{12}: `advance` reuses the passing results/);
    expect(await p.runs()).toBe(1);

    const dry = await p.cli(['advance', '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('2/2 gates passed (1 reused from preflight: suite; --fresh runs them again)');
    expect(dry.stderr).toMatch(
      /↺ suite \(command\): reused the pass recorded by preflight at .* \(commit [0-9a-f]{12}, /,
    );
    expect(dry.stderr).toContain('[pass] live'); // maxAge 0s: always runs
    expect(await p.runs()).toBe(1);

    const fresh = (await p.cli(['advance', '--dry-run', '--fresh', '--json'])).json<AdvanceJson>();
    expect(fresh.result.evidence.reused).toBeUndefined();
    expect(await p.runs()).toBe(2);

    // Someone else could have written a pass into a world-writable state file.
    const stateFile = path.join(p.dir, '.rollout/state.json');
    await chmod(stateFile, 0o666);
    const loose = (await p.cli(['advance', '--dry-run', '--json'])).json<AdvanceJson>();
    expect(loose.result.evidence.notReused).toEqual([
      { id: 'suite', why: expect.stringMatching(/writable by other users/) },
    ]);
    await chmod(stateFile, 0o600);
    expect(await p.runs()).toBe(3);

    await writeFile(path.join(p.dir, 'new-test.ts'), 'untracked\n');
    const dirty = (await p.cli(['advance', '--dry-run', '--json'])).json<AdvanceJson>();
    expect(dirty.result.evidence.notReused?.[0]?.why).toMatch(/uncommitted changes/);
    await rm(path.join(p.dir, 'new-test.ts'));
    expect(await p.runs()).toBe(4);

    p.sh('commit', '-q', '--allow-empty', '-m', 'later');
    const moved = (await p.cli(['advance', '--dry-run', '--json'])).json<AdvanceJson>();
    expect(moved.result.evidence.notReused?.[0]?.why).toMatch(/recorded at commit [0-9a-f]{12}, now [0-9a-f]{12}/);
    expect(await p.runs()).toBe(5);

    // A new preflight at this commit; the real advance reuses it and the audit entry says so.
    expect((await p.cli(['preflight'])).code).toBe(0);
    expect(await p.runs()).toBe(6);
    const real = await p.cli(['advance', '--json']);
    expect(real.code, real.stderr).toBe(0);
    const r = real.json<AdvanceJson>();
    expect(r.result.moved).toBe(true);
    expect(r.result.evidence.reused).toEqual([
      {
        id: 'suite',
        commit: expect.stringMatching(/^[0-9a-f]{40}$/),
        at: expect.any(String),
        ageMs: expect.any(Number),
      },
    ]);
    expect(r.result.evidence.gates.find((g) => g.id === 'suite')?.reused).toBeDefined();
    expect(await p.runs()).toBe(6);
    const log = (await p.cli(['log', '--json'])).json<{ result: { entries: Array<{ op: string; data: unknown }> } }>();
    const advanced = log.result.entries.find((e) => e.op === 'advance');
    expect(JSON.stringify(advanced?.data)).toMatch(/"reusedGates":\[\{.*"id":"suite"/);
  }, 90_000);

  it('never reuses a failed result, and a preflight killed mid-write leaves no record', async () => {
    const p = await project(FAILS_WITHOUT_MARK, true);
    // kill -9 between the scratch file and the rename: state.json is not written, nothing is recorded.
    const killed = await p.cli(['preflight'], { ROLLOUT_CRASH_AT: 'state:after-temp-write' });
    expect(killed.signal).toBe('SIGKILL');
    expect(await p.runs()).toBe(1);
    const failed = await p.cli(['preflight']);
    expect(failed.code).toBe(1);
    expect(await p.runs()).toBe(2);
    await writeFile(p.env.MARK, '');
    const r = await p.cli(['advance', '--dry-run', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json<AdvanceJson>().result.evidence.notReused).toEqual([
      { id: 'suite', why: 'the recorded result is fail' },
    ]);
    expect(await p.runs()).toBe(3);
  }, 60_000);

  it('outside a git repository preflight records but nothing is reused', async () => {
    const p = await project(COUNTING, false);
    const pre = await p.cli(['preflight']);
    expect(pre.code, pre.stderr).toBe(0);
    expect(pre.stdout).toMatch(/not reusable by `advance`: not a git repository/);
    const r = (await p.cli(['advance', '--dry-run', '--json'])).json<AdvanceJson>();
    expect(r.result.evidence.reused).toBeUndefined();
    expect(r.result.evidence.notReused?.[0]?.why).toMatch(/not a git repository/);
    expect(await p.runs()).toBe(2);
  }, 60_000);

  it('with PostgreSQL state the records live in the release row and are reused the same way', async () => {
    const [p, db] = await Promise.all([project(COUNTING, true), startPostgres()]);
    try {
      const state = ['--state', await db.createDatabase('reuse')];
      expect((await p.cli(['preflight', ...state])).code).toBe(0);
      const r = await p.cli(['advance', '--dry-run', '--json', ...state]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.json<AdvanceJson>().result.evidence.reused?.map((g) => g.id)).toEqual(['suite']);
      expect(await p.runs()).toBe(1);
    } finally {
      await db.stop();
    }
  }, 120_000);
});
