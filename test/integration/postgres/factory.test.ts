import { describe, expect, it } from 'vitest';
import { createStateStore } from '../../../src/state/factory.js';
import { StateUrlError } from '../../../src/state/errors.js';
import { PostgresStateStore } from '../../../src/state/postgres/store.js';
import { parsePostgresUrl } from '../../../src/state/postgres/url.js';

const clock = { now: () => new Date(0) };
const base = { cwd: '/repo', clock, env: {} };

function errorOf(fn: () => unknown): StateUrlError {
  try {
    fn();
  } catch (error) {
    return error as StateUrlError;
  }
  throw new Error('expected an error');
}

describe('createStateStore for postgres URLs', () => {
  it.each(['postgres://db.internal/rollout', 'postgresql://ci@127.0.0.1:6543/x?sslmode=require'])(
    'builds the PostgreSQL backend for %s without connecting',
    (url) => {
      expect(createStateStore(url, base)).toBeInstanceOf(PostgresStateStore);
    },
  );

  it('keys the release by ?release=, else the plan\'s release, else "default"', () => {
    expect(createStateStore('postgres://h/db?release=web%401.8', { ...base, release: 'v2.1.0' }).describe()).toBe(
      'postgres://h/db?release=web%401.8',
    );
    expect(createStateStore('postgres://h/db', { ...base, release: 'v2.1.0' }).describe()).toBe(
      'postgres://h/db?release=v2.1.0',
    );
    expect(createStateStore('postgres://h/db', base).describe()).toBe('postgres://h/db?release=default');
  });

  it('refuses a password written in rollout.yaml, or when the caller does not say where the URL came from', () => {
    for (const urlSource of ['config', undefined] as const) {
      const error = errorOf(() => createStateStore('postgres://ci:hunter22@h/db', { ...base, urlSource }));
      expect(error).toBeInstanceOf(StateUrlError);
      expect(error.message).toMatch(/ROLLOUT_PG_PASSWORD/);
      expect(error.message).not.toContain('hunter22');
    }
  });

  it('accepts a password typed on the command line and never shows it', () => {
    const store = createStateStore('postgres://ci:hunter22@h:5433/db', { ...base, urlSource: 'command-line' });
    expect(store.describe()).toBe('postgres://ci:***@h:5433/db?release=default');
    expect((store as PostgresStateStore).target.password).toBe('hunter22');
  });

  it('takes credentials from the environment: ROLLOUT_PG_PASSWORD before PGPASSWORD, PGUSER when the URL has no user', () => {
    const env = { ROLLOUT_PG_PASSWORD: 'from-rollout', PGPASSWORD: 'from-pg', PGUSER: 'deploy' };
    expect(parsePostgresUrl('postgres://h/db', { env })).toMatchObject({
      user: 'deploy',
      password: 'from-rollout',
      host: 'h',
      port: 5432,
      database: 'db',
    });
    expect(parsePostgresUrl('postgres://ops@h/db', { env: { PGPASSWORD: 'from-pg' } })).toMatchObject({
      user: 'ops',
      password: 'from-pg',
    });
  });

  it.each([
    ['postgres://h/', /name the database/],
    ['postgres://h/db?sslmode=maybe', /sslmode/],
    ['postgres://h/db?relase=x', /unknown parameter 'relase'/],
    ['postgres://h/db?release=', /release key/],
  ])('rejects %s', (url, message) => {
    const error = errorOf(() => createStateStore(url, base));
    expect(error).toMatchObject({ code: 'E_STATE_URL' });
    expect(error.message).toMatch(message);
  });
});
