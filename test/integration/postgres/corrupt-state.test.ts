import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.js';
import { miniProject } from '../../helpers/mini-plan.js';
import { startPostgres, type TestPostgres } from '../../helpers/postgres.js';

/* The PostgreSQL backend checks the stored document against the same schema as state.json. */

let pg: TestPostgres;
let dir: string;
let url: string;

beforeAll(async () => {
  pg = await startPostgres();
  url = await pg.createDatabase('corrupt_state');
  dir = await miniProject();
  const r = await runCli(['advance', '--reason', 'walk', '--state', url], { cwd: dir });
  expect(r.code, r.stdout + r.stderr).toBe(0);
}, 120_000);

afterAll(async () => {
  await pg?.stop();
});

async function tamper(sql: string): Promise<void> {
  await pg.sql(sql, [], 'corrupt_state');
}

describe('a hand-edited state row in PostgreSQL', () => {
  it('is refused with exit 2, every problem with its JSON path, and the runbook; a rollback still switches the flag (exit 6 at worst)', async () => {
    await tamper(
      `UPDATE rollout_state SET doc = jsonb_set(jsonb_set(doc, '{status}', '"exploded"'), '{history,0,at}', '"noon"')`,
    );
    const human = await runCli(['status', '--state', url], { cwd: dir });
    expect(human.code, human.stderr).toBe(2);
    expect(human.stderr).toMatch(/2 problem\(s\) in the stored document/);
    expect(human.stderr).toMatch(/status: string "exploded" is not allowed/);
    expect(human.stderr).toMatch(/history\[0\]\.at: string "noon" is not an ISO timestamp/);
    expect(human.stderr).toContain('runbook: rollout runbook show state-corrupt');
    const json = await runCli(['status', '--state', url, '--json'], { cwd: dir });
    expect(json.json<{ error: { code: string } }>().error.code).toBe('E_STATE_CORRUPT');
    const rollback = await runCli(['rollback', '--reason', 'drill', '--state', url], { cwd: dir });
    expect([0, 6]).toContain(rollback.code);
    expect(rollback.stderr + rollback.stdout).not.toMatch(/This is a bug/);
  });

  it('a document that is not an object at all is refused the same way', async () => {
    await tamper(`UPDATE rollout_state SET doc = '[1, 2]'::jsonb`);
    const r = await runCli(['advance', '--reason', 'x', '--state', url, '--json'], { cwd: dir });
    expect(r.code, r.stdout).toBe(2);
    expect(r.json<{ error: { code: string; message: string } }>().error).toMatchObject({ code: 'E_STATE_CORRUPT' });
    expect(r.json<{ error: { message: string } }>().error.message).toMatch(
      /\(top level\): expected object, got a list/,
    );
  });
});
