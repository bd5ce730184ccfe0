import { copyFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli, tempProject } from '../helpers/cli.js';

const BROKEN = path.join(REPO_ROOT, 'test/fixtures/broken/schema-and-rules-together.yaml');

describe('validate in CI', () => {
  it('reports schema and cross-field problems in one run, and with GITHUB_ACTIONS=true one annotation per problem at file/line/col', async () => {
    const dir = await tempProject([]);
    await copyFile(BROKEN, path.join(dir, 'rollout.yaml'));
    const plain = await runCli(['validate', '--no-cache'], { cwd: dir });
    expect(plain.code).toBe(2);
    expect(plain.stderr).not.toContain('::error');
    const problems = plain.stderr.split('\n').filter((l) => l.startsWith('rollout.yaml:'));
    expect(problems.map((l) => l.split(': ')[0])).toEqual([
      'rollout.yaml:15:24',
      'rollout.yaml:16:51',
      'rollout.yaml:20:13',
      'rollout.yaml:23:30',
      'rollout.yaml:31:11',
    ]);

    const gha = await runCli(['validate', '--no-cache'], { cwd: dir, env: { GITHUB_ACTIONS: 'true' } });
    expect(gha.code).toBe(2);
    const annotations = gha.stderr.split('\n').filter((l) => l.startsWith('::'));
    expect(annotations).toHaveLength(5);
    expect(annotations[0]).toMatch(
      /^::error file=rollout\.yaml,line=15,col=24,title=rollout validate::phases\[0\]\.gates\[0\]\.kind: unknown kind "comand"/,
    );
    expect(annotations[2]).toBe(
      '::error file=rollout.yaml,line=20,col=13,title=rollout validate::flag "reserves_v2" is not defined under flags',
    );
    expect(annotations[3]).toBe(
      '::error file=rollout.yaml,line=23,col=30,title=rollout validate::stage percentages must increase: 5 follows 10',
    );

    // --json keeps stdout one document; the annotations still reach the runner on stderr.
    const json = await runCli(['validate', '--no-cache', '--json'], { cwd: dir, env: { GITHUB_ACTIONS: 'true' } });
    expect(json.json<{ error: { problems: string[] } }>().error.problems).toHaveLength(5);
    expect(json.stderr.split('\n').filter((l) => l.startsWith('::error'))).toHaveLength(5);
  });

  it('a valid plan gives no error annotation', async () => {
    const dir = await tempProject();
    const r = await runCli(['validate', '--no-cache'], { cwd: dir, env: { GITHUB_ACTIONS: 'true' } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('::error');
  });
});
