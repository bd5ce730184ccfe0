import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { miniProject } from '../helpers/mini-plan.js';

describe('rollout flags', () => {
  it('lists, shows, evaluates with the real evaluator (and says why) and exports', async () => {
    const dir = await miniProject({ healthUrl: 'http://127.0.0.1:9/health' });
    // P0 passes; P1's health gate fails against a closed port, so step into the rollout with an audited override.
    expect((await runCli(['advance'], { cwd: dir })).code).toBe(0);
    expect((await runCli(['advance', '--override', '--reason', 'no app in this test'], { cwd: dir })).code).toBe(0);
    expect((await runCli(['advance'], { cwd: dir })).code).toBe(0);

    const list = await runCli(['flags', 'list', '--json'], { cwd: dir });
    expect(
      list.json<{ result: { flags: Array<{ key: string; percent: number; groups: string[] }> } }>().result.flags,
    ).toEqual([expect.objectContaining({ key: 'reserves_v1.1', percent: 10, groups: ['internal'] })]);

    const member = await runCli(
      ['flags', 'eval', 'reserves_v1.1', '--key', 'someone', '--group', 'internal', '--json'],
      { cwd: dir },
    );
    expect(member.json<{ result: { variant: string; reason: string } }>().result).toMatchObject({
      variant: 'reserves_v1.1',
      reason: 'group-rule',
    });

    const outsider = await runCli(['flags', 'eval', 'reserves_v1.1', '--key', 'user-42'], { cwd: dir });
    expect(outsider.code).toBe(0);
    expect(outsider.stdout).toMatch(/reserves_v1\.[01] for user-42: .*bucket/);

    const show = await runCli(['flags', 'show', 'reserves_v1.1', '--json'], { cwd: dir });
    expect(show.json<{ result: { definition: { defaultVariant: string } } }>().result.definition.defaultVariant).toBe(
      'reserves_v1.0',
    );

    const exported = await runCli(['flags', 'export', '--json'], { cwd: dir });
    const files = exported.json<{ result: { files: Record<string, { flags: Record<string, unknown> }> } }>().result
      .files;
    expect(Object.keys(files['flags/flags.json']?.flags ?? {})).toEqual(['reserves_v1.1']);

    const typo = await runCli(['flags', 'eval', 'reserves_v11', '--key', 'x'], { cwd: dir });
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('did you mean reserves_v1.1');
    expect((await runCli(['flags', 'eval', 'reserves_v1.1'], { cwd: dir })).code).toBe(2);
    const log = await runCli(['log', '--json'], { cwd: dir });
    expect(log.json<{ result: { entries: Array<{ op: string }> } }>().result.entries.map((e) => e.op)).toContain(
      'override',
    );
  }, 120_000);
});
