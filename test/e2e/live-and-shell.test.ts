import { spawn, spawnSync } from 'node:child_process';
import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli } from '../helpers/cli.js';
import { miniProject, useHealthEndpoint } from '../helpers/mini-plan.js';

const health = useHealthEndpoint();

async function projectAtFirstStage(): Promise<string> {
  const dir = await miniProject({ healthUrl: health.url });
  for (let i = 0; i < 3; i++) {
    const r = await runCli(['advance', '--reason', 'test walk'], { cwd: dir });
    expect(r.code, r.stdout + r.stderr).toBe(0);
  }
  return dir;
}

/** A directory holding a `rollout` that runs this checkout's CLI, to put on PATH for the shell. */
async function rolloutOnPath(): Promise<string> {
  const bin = await mkdtemp(path.join(tmpdir(), 'rollout-bin-'));
  const file = path.join(bin, 'rollout');
  await writeFile(file, `#!/bin/sh\nexec "${process.execPath}" "${path.join(REPO_ROOT, 'bin/rollout')}" "$@"\n`);
  await chmod(file, 0o755);
  return bin;
}

describe('rollout completion', () => {
  let bin: string;
  let script: string;
  beforeAll(async () => {
    bin = await rolloutOnPath();
    const r = await runCli(['completion', 'bash']);
    expect(r.code, r.stderr).toBe(0);
    script = r.stdout;
  });

  /** Sources the bash script in a real bash, sets COMP_WORDS/COMP_CWORD as readline would, and calls the function. */
  function complete(line: string, cwd: string = REPO_ROOT): string[] {
    const words = line.split(' ');
    const program = `${script}\nCOMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')})\nCOMP_CWORD=${words.length - 1}\n_rollout\nprintf '%s\\n' "\${COMPREPLY[@]}"`;
    const r = spawnSync('bash', ['--norc', '-c', program], {
      cwd,
      encoding: 'utf8',
      env: { PATH: `${bin}:${process.env.PATH ?? ''}`, HOME: process.env.HOME ?? '' },
    });
    expect(r.status, r.stderr).toBe(0);
    return r.stdout.split('\n').filter(Boolean);
  }

  it('bash completes commands, options (global ones too) and option values', () => {
    expect(complete('rollout st')).toEqual(['status', 'state']);
    expect(complete('rollout state ')).toEqual(['migrate', 'repair']);
    expect(complete('rollout advance --')).toEqual(
      expect.arrayContaining(['--dry-run', '--reason', '--override', '--config', '--json', '--actor', '--help']),
    );
    expect(complete('rollout rollback --mode ')).toEqual(['immediate', 'progressive', 'full']);
    expect(complete('rollout completion ')).toEqual(['bash', 'zsh', 'fish']);
    expect(complete('rollout __')).toEqual([]);
  });

  it('bash completes phase, stage, gate, checklist, flag, runbook and chaos ids from the plan', () => {
    expect(complete('rollout preflight --phase ')).toEqual(['P0', 'P1', 'P2', 'P3', 'P4']);
    expect(complete('rollout preflight --only guard')).toContain('guardian-48h');
    expect(complete('rollout --json retry --from week-')).toEqual(['week-1', 'week-2', 'week-3', 'week-4', 'week-5']);
    expect(complete('rollout signoff backlog')).toEqual(['backlog-clean']);
    expect(complete('rollout flags show ')).toEqual(['reserves_v1.1']);
    expect(complete('rollout runbook show exit-4')).toEqual(['exit-4-rolled-back']);
    expect(complete('rollout chaos run db-')).toEqual(['db-connection-drop']);
  });

  it('outside a project: commands still complete, plan ids do not; the shipped runbooks do', async () => {
    const empty = await mkdtemp(path.join(tmpdir(), 'rollout-empty-'));
    expect(complete('rollout pre', empty)).toEqual(['preflight']);
    expect(complete('rollout preflight --phase ', empty)).toEqual([]);
    expect(complete('rollout runbook run exit-2', empty)).toEqual(['exit-2-usage-or-config']);
  });

  /** Runs a shell program with this checkout's `rollout` on PATH; its output is split into one list per `--` line. */
  function runShell(shell: string, args: string[], cwd: string): string[][] {
    const r = spawnSync(shell, args, {
      cwd,
      encoding: 'utf8',
      env: { PATH: `${bin}:${process.env.PATH ?? ''}`, HOME: process.env.HOME ?? '' },
    });
    expect(r.status, r.stderr).toBe(0);
    return r.stdout.split('==\n').map((block) => block.split('\n').filter(Boolean));
  }

  /**
   * The zsh script loaded by the real completion system (compinit), then `_rollout` called once per command
   * line. Inside a real completion widget `compadd` is a builtin; here a function of the same name prints its words.
   */
  async function completeZsh(lines: string[][], cwd: string = REPO_ROOT): Promise<string[][]> {
    const zsh = (await runCli(['completion', 'zsh'])).stdout;
    const program = [
      'autoload -Uz compinit && compinit -u -D',
      zsh,
      '[[ ${_comps[rollout]} == _rollout ]] || { print -u2 "compdef did not register _rollout"; exit 3; }',
      'compadd() { [[ $1 == -- ]] && shift; print -l -- "$@"; }',
      ...lines.map((w) => `words=(${w.map((x) => `'${x}'`).join(' ')}); CURRENT=${w.length}; _rollout; print -- '=='`),
    ].join('\n');
    return runShell('zsh', ['-f', '-c', program], cwd).slice(0, lines.length);
  }

  /** The fish script sourced in a real fish; `complete -C` prints what fish would offer for each command line. */
  async function completeFish(lines: string[], cwd: string = REPO_ROOT): Promise<string[][]> {
    const fish = (await runCli(['completion', 'fish'])).stdout;
    const program = [fish, ...lines.map((line) => `complete -C'${line}'; echo '=='`)].join('\n');
    return runShell('fish', ['--no-config', '-c', program], cwd).slice(0, lines.length);
  }

  it('zsh completes commands, option values and plan ids through compinit', async () => {
    expect(
      await completeZsh([
        ['rollout', 'st'],
        ['rollout', 'rollback', '--mode', ''],
        ['rollout', 'retry', '--from', 'week-'],
        ['rollout', 'advance', '--dr'],
      ]),
    ).toEqual([
      ['status', 'state'],
      ['immediate', 'progressive', 'full'],
      ['week-1', 'week-2', 'week-3', 'week-4', 'week-5'],
      ['--dry-run'],
    ]);
  });

  it('fish completes commands, option values and plan ids; outside a project no plan ids', async () => {
    const got = await completeFish([
      'rollout st',
      'rollout rollback --mode ',
      'rollout preflight --phase ',
      'rollout chaos run db-',
    ]);
    expect(got.map((c) => [...c].sort())).toEqual([
      ['state', 'status'],
      ['full', 'immediate', 'progressive'],
      ['P0', 'P1', 'P2', 'P3', 'P4'],
      ['db-connection-drop'],
    ]);
    const empty = await mkdtemp(path.join(tmpdir(), 'rollout-empty-'));
    expect(await completeFish(['rollout preflight --phase ', 'rollout pre'], empty)).toEqual([[], ['preflight']]);
  });

  it('an unknown shell is a usage error', async () => {
    const bad = await runCli(['completion', 'tcsh', '--json']);
    expect(bad.code).toBe(2);
    expect(bad.json<{ error: { code: string } }>().error.code).toBe('E_USAGE');
  });
});

describe('--json with --help and --version', () => {
  it('gives one JSON document each', async () => {
    const version = await runCli(['--json', '--version']);
    expect(version.code).toBe(0);
    expect(version.json()).toEqual({
      ok: true,
      exitCode: 0,
      command: 'version',
      result: { version: expect.stringMatching(/^\d+\.\d+\.\d+/) as unknown },
    });
    const help = await runCli(['state', 'migrate', '--help', '--json']);
    expect(help.code).toBe(0);
    const doc = help.json<{
      result: { command: string; options: Array<{ flags: string }>; globalOptions: Array<{ flags: string }> };
    }>();
    expect(doc.result.command).toBe('rollout state migrate');
    expect(doc.result.options.map((o) => o.flags)).toContain('--from <url>');
    expect(doc.result.globalOptions.map((o) => o.flags)).toEqual(
      expect.arrayContaining(['-c, --config <file>', '--json', '--actor <name>']),
    );
    const top = (await runCli(['--help', '--json'])).json<{ result: { commands: Array<{ name: string }> } }>();
    expect(top.result.commands.map((c) => c.name)).toEqual(expect.arrayContaining(['status', 'completion']));
    expect(top.result.commands.map((c) => c.name)).not.toContain('__complete');
  });

  it('the version printed by a subcommand is the package version', async () => {
    const r = await runCli(['status', '-V']);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe('rollout status --watch', () => {
  it('not a TTY: plain lines when something changes; ends with exit 4 when the release is rolled back', async () => {
    const dir = await projectAtFirstStage();
    const child = spawn(
      process.execPath,
      [path.join(REPO_ROOT, 'bin/rollout'), 'status', '--watch', '--interval', '100ms'],
      { cwd: dir, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NO_COLOR: '1', USER: 'tester' } },
    );
    let stderr = '';
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const firstLine = new Promise<void>((resolve) =>
      child.stderr.on('data', (d: Buffer) => ((stderr += d.toString()), stderr.includes('\n') && resolve())),
    );
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
    await firstLine;
    const rb = await runCli(['rollback', '--mode', 'immediate', '--reason', 'watch test'], { cwd: dir });
    expect(rb.code, rb.stderr).toBe(0);
    expect(await exited).toBe(4);
    clearTimeout(guard);
    const lines = stderr.trim().split('\n');
    expect(lines[0]).toMatch(
      /^\S+Z in-progress \| phase P2 \| stage s1 \| reserves_v1\.1 10 % \| lock free \| last advance by tester/,
    );
    expect(lines[lines.length - 1]).toMatch(/rolled-back \| .*reserves_v1\.1 KILL SWITCH .*last rollback by tester/);
    // Unchanged looks print nothing: no two neighbouring lines say the same.
    for (let i = 1; i < lines.length; i++)
      expect(lines[i]?.replace(/^\S+ /, '')).not.toBe(lines[i - 1]?.replace(/^\S+ /, ''));
    expect(stdout).toContain('rolled-back');
    expect(stderr).not.toContain('\x1b[');

    // The audit log of the same walk: aligned columns, with what each step moved.
    const log = (await runCli(['log'], { cwd: dir })).stdout.trimEnd().split('\n');
    expect(log[0]).toMatch(/^seq\s+time\s+operation\s+actor\s+from → to\s+reason$/);
    const column = (name: string) => (log[0] as string).indexOf(name);
    for (const line of log.slice(1)) {
      expect(line.slice(column('operation') - 2, column('operation')), line).toBe('  ');
      expect(line[column('operation')], line).not.toBe(' ');
    }
    expect(log.find((l) => /\badvance\b/.test(l) && l.includes('s1'))).toMatch(/P2 → P2 s1 10 %/);
    expect(log.find((l) => /\brollback\b/.test(l))).toMatch(/→ fallback \(immediate\)\s+watch test$/);
  });

  it('on a terminal: redraws in place; a release already rolled back ends at once with exit 4; a bad --interval is exit 2', async () => {
    const dir = await projectAtFirstStage();
    expect((await runCli(['rollback', '--mode', 'immediate', '--reason', 'x'], { cwd: dir })).code).toBe(0);
    const cmd = `"${process.execPath}" "${path.join(REPO_ROOT, 'bin/rollout')}" status --watch`;
    const r = spawnSync('script', ['-qec', cmd, '/dev/null'], {
      cwd: dir,
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NO_COLOR: '1', TERM: 'xterm' },
      timeout: 30_000,
    });
    expect(r.status).toBe(4);
    expect(r.stdout).toContain('\x1b[H\x1b[2J');
    expect(r.stdout).toMatch(/KILL SWITCH on/);
    expect(r.stdout).toMatch(/watching v9\.9\.9: redrawn every 5s/);
    const bad = await runCli(['status', '--watch', '--interval', '-1s'], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--interval');
  });
});
