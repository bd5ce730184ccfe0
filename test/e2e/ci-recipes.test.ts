import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT, runCli } from '../helpers/cli.js';
import { junitSchemaErrors } from '../helpers/junit-schema.js';
import { miniProject, useHealthEndpoint } from '../helpers/mini-plan.js';

/* The recipes of docs/ci.md, parsed from the page and run: what the page shows is what is tested. */

interface Step {
  run?: string;
  uses?: string;
}
type Workflow = { on: unknown; jobs: Record<string, { env?: Record<string, string>; steps: Step[] }> };
type GitLab = Record<string, { script?: string[]; artifacts?: { reports?: { junit?: string } }; rules?: unknown[] }>;

const page = await readFile(path.join(REPO_ROOT, 'docs/ci.md'), 'utf8');
const blocks = [...page.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1] as string);
const byFile = new Map(blocks.map((b) => [/^# (\S+)/.exec(b)?.[1] ?? '', parse(b) as unknown]));
const workflow = (name: string) => byFile.get(`.github/workflows/${name}.yml`) as Workflow;
const gitlab = byFile.get('.gitlab-ci.yml') as GitLab;
const runs = (w: Workflow) => Object.values(w.jobs).flatMap((j) => j.steps.flatMap((s) => (s.run ? [s.run] : [])));

const health = useHealthEndpoint();
const BIN = `"${process.execPath}" "${path.join(REPO_ROOT, 'bin/rollout')}"`;

/**
 * Runs a recipe's shell text as the CI would (GitHub: bash -eo pipefail), with `npx rollout` being this
 * checkout's CLI. Asynchronous: the health endpoint the plan's gate calls lives in this process.
 */
function sh(
  script: string,
  cwd: string,
  env: Record<string, string> = {},
): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'bash',
      ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script.replaceAll('npx rollout', BIN)],
      { cwd, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NO_COLOR: '1', ...env } },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
  });
}

/** The same text with `npx rollout` a stand-in that exits with `code`: the exit-code handling alone. */
function withExit(script: string, code: number): number | null {
  return spawnSync(
    'bash',
    [
      '--noprofile',
      '--norc',
      '-eo',
      'pipefail',
      '-c',
      `fake() { return ${code}; }\n${script.replaceAll('npx rollout', 'fake')}`,
    ],
    { encoding: 'utf8' },
  ).status;
}

describe('docs/ci.md recipes', () => {
  it('are valid YAML: three GitHub workflows and a GitLab pipeline with a JUnit report; no ${{ }} inside a script', () => {
    expect([...byFile.keys()].sort()).toEqual([
      '.github/workflows/advance.yml',
      '.github/workflows/preflight.yml',
      '.github/workflows/rollback.yml',
      '.gitlab-ci.yml',
    ]);
    expect(gitlab.preflight?.artifacts?.reports?.junit).toBe('preflight.xml');
    for (const name of ['preflight', 'advance', 'rollback'])
      for (const run of runs(workflow(name))) expect(run).not.toContain('${{');
    for (const job of Object.values(gitlab)) for (const line of job.script ?? []) expect(line).not.toContain('${{');
  });

  it('preflight: validate and preflight pass on a healthy project, and the JUnit file they upload validates', async () => {
    const dir = await miniProject({ healthUrl: health.url });
    for (const script of [...runs(workflow('preflight')), ...(gitlab.preflight?.script ?? [])].filter((s) =>
      s.includes('rollout'),
    )) {
      const r = await sh(script, dir);
      expect(r.code, `${script}\n${r.out}`).toBe(0);
    }
    expect(junitSchemaErrors(await readFile(path.join(dir, 'preflight.xml'), 'utf8'))).toEqual([]);
  });

  it('hourly advance: steps forward, then "not yet" (exit 3) is a green job; 1, 2, 4 and 6 fail it, 5 does not', async () => {
    const dir = await miniProject({ healthUrl: health.url, bake: '1h' });
    const github = runs(workflow('advance')).find((s) => s.includes('advance')) as string;
    const lab = (gitlab.advance?.script ?? []).find((s) => s.includes('advance')) as string;
    for (let i = 0; i < 3; i++) {
      const step = await sh(github, dir);
      expect(step.code, step.out).toBe(0);
    }
    const stage = (await runCli(['status', '--json'], { cwd: dir })).json<{ result: { stage: { id: string } } }>()
      .result.stage.id;
    expect(stage).toBe('s1');
    const notYet = await sh(github, dir);
    expect(notYet.code, notYet.out).toBe(0);
    expect(notYet.out).toContain('not yet (exit 3)');
    expect((await sh(lab, dir)).out).toContain('not yet (exit 3)');
    for (const script of [github, lab]) {
      expect([0, 1, 2, 3, 4, 5, 6].map((c) => withExit(script, c) === 0)).toEqual([
        true,
        false,
        false,
        true,
        false,
        true,
        false,
      ]);
    }
  });

  it('on-call rollback: the reason and mode come from the form through the environment, and the release is rolled back', async () => {
    const dir = await miniProject({ healthUrl: health.url });
    for (let i = 0; i < 3; i++) expect((await runCli(['advance', '--reason', 'walk'], { cwd: dir })).code).toBe(0);
    const step = runs(workflow('rollback')).find((s) => s.includes('rollback')) as string;
    const r = await sh(step, dir, { REASON: 'error spike; $(touch pwned)', MODE: 'immediate' });
    expect(r.code, r.out).toBe(0);
    const status = (await runCli(['status', '--json'], { cwd: dir })).json<{
      result: { status: string; history: Array<{ reason?: string }> };
    }>().result;
    expect(status.status).toBe('rolled-back');
    expect(status.history.at(-1)?.reason).toBe('error spike; $(touch pwned)');
    expect(existsSync(path.join(dir, 'pwned')), 'the form text was run as shell').toBe(false);
    const lab = (gitlab.rollback?.script ?? []).find((s) => s.includes('rollback')) as string;
    const again = await sh(lab, dir, { ROLLBACK_REASON: 'second press' });
    expect(again.code, again.out).toBe(0);
  });
});
