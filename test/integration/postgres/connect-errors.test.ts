import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliRun } from '../../helpers/cli.js';
import { miniProject } from '../../helpers/mini-plan.js';
import { getFreePort, startPostgres, type TestPostgres } from '../../helpers/postgres.js';

/*
 * The mistakes operators make with a PostgreSQL state (wrong password, missing database or role, no
 * server) end as E_STATE_UNAVAILABLE (exit 3) with what to check, through the real CLI, and the
 * password never appears in any output. The cluster asks every role but the superuser for a password.
 */

const PASSWORD = 'Corr3ct-Horse-Battery';
const WRONG = 'Wr0ng-Staple-Password';
let pg: TestPostgres;
let dir: string;

beforeAll(async () => {
  pg = await startPostgres();
  await pg.sql(`CREATE ROLE app LOGIN PASSWORD '${PASSWORD}'`);
  await pg.sql('GRANT ALL ON DATABASE rollout TO app');
  await pg.sql('GRANT ALL ON SCHEMA public TO app', [], 'rollout');
  const hba = (await pg.sql<{ hba_file: string }>('SHOW hba_file'))[0]?.hba_file;
  if (!hba) throw new Error('the server did not say where pg_hba.conf is');
  // The superuser the helper uses keeps trust; every other role needs its password.
  const lines = [
    'local all all trust',
    `host all ${pg.user} 127.0.0.1/32 trust`,
    'host all all 127.0.0.1/32 scram-sha-256',
  ];
  await pg.sql(`COPY (SELECT unnest($$${'{'}${lines.map((l) => `"${l}"`).join(',')}${'}'}$$::text[])) TO '${hba}'`);
  await pg.sql('SELECT pg_reload_conf()');
  dir = await miniProject();
}, 120_000);

afterAll(async () => {
  await pg?.stop();
});

const url = (user: string, database = 'rollout', port = pg.port) => `postgres://${user}@127.0.0.1:${port}/${database}`;

async function statusWith(
  stateUrl: string,
  env: Record<string, string> = {},
): Promise<{ human: CliRun; json: CliRun }> {
  const [human, json] = await Promise.all([
    runCli(['status', '--state', stateUrl], { cwd: dir, env }),
    runCli(['status', '--state', stateUrl, '--json'], { cwd: dir, env }),
  ]);
  return { human, json };
}

function expectUnavailable(r: { human: CliRun; json: CliRun }, mention: RegExp): void {
  expect(r.human.code, r.human.stderr).toBe(3);
  expect(r.human.stderr).toMatch(mention);
  expect(r.human.stderr).not.toMatch(/This is a bug|\n\s+at /);
  expect(r.json.code).toBe(3);
  const doc = r.json.json<{ error: { code: string; message: string } }>();
  expect(doc.error.code).toBe('E_STATE_UNAVAILABLE');
  expect(doc.error.message).toMatch(mention);
  for (const out of [r.human.stdout, r.human.stderr, r.json.stdout, r.json.stderr]) {
    expect(out).not.toContain(PASSWORD);
    expect(out).not.toContain(WRONG);
  }
}

describe('PostgreSQL state: connection mistakes are exit 3 with a hint, never exit 70, never the password', () => {
  it('the right password works (the setup is real)', async () => {
    const r = await runCli(['status', '--state', url('app'), '--json'], {
      cwd: dir,
      env: { ROLLOUT_PG_PASSWORD: PASSWORD },
    });
    expect(r.code, r.stdout + r.stderr).toBe(0); // connected; no release started yet
    expect(r.json<{ ok: boolean }>().ok).toBe(true);
  });

  it('a wrong password in ROLLOUT_PG_PASSWORD or PGPASSWORD names the variables', async () => {
    expectUnavailable(
      await statusWith(url('app'), { ROLLOUT_PG_PASSWORD: WRONG }),
      /password authentication failed .*ROLLOUT_PG_PASSWORD or PGPASSWORD/,
    );
    expectUnavailable(await statusWith(url('app'), { PGPASSWORD: WRONG }), /password authentication failed/);
  });

  it('a wrong password typed in the URL is not echoed', async () => {
    expectUnavailable(
      await statusWith(`postgres://app:${WRONG}@127.0.0.1:${pg.port}/rollout`),
      /password authentication failed/,
    );
  });

  it('no password at all says which variable to set', async () => {
    expectUnavailable(await statusWith(url('app')), /asks for a password .*ROLLOUT_PG_PASSWORD or PGPASSWORD/);
  });

  it('a database that does not exist names it', async () => {
    expectUnavailable(
      await statusWith(url(pg.user, 'no_such_db')),
      /database "no_such_db" does not exist .*--state URL/,
    );
  });

  it('a role that does not exist points at the user name', async () => {
    await pg.sql(
      `COPY (SELECT unnest('{"local all all trust","host all all 127.0.0.1/32 trust"}'::text[])) TO '${(await pg.sql<{ hba_file: string }>('SHOW hba_file'))[0]?.hba_file}'`,
    );
    await pg.sql('SELECT pg_reload_conf()');
    expectUnavailable(await statusWith(url('ghost')), /role ghost .*28000.*PGUSER/);
  });

  it('nothing listening names the host and port', async () => {
    const port = await getFreePort();
    expectUnavailable(
      await statusWith(url(pg.user, 'rollout', port)),
      new RegExp(`nothing listens on 127\\.0\\.0\\.1:${port}`),
    );
  });
});
