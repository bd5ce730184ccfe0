// A throwaway PostgreSQL on loopback: what `rollout demo --provider unleash` runs a local Unleash server
// against, and what the test helpers and the benchmarks start (one implementation; they import this
// module, the benchmarks from dist/).
//
// Debian's binaries, a temporary data directory, a free 127.0.0.1 port, trust authentication on loopback
// only, fsync off (the data is thrown away). initdb refuses to run as root, so as root the cluster belongs
// to the `postgres` OS user.
import { execFile, execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startReaper } from './reaper.js';

const run = promisify(execFile);

/** Where Debian installs PostgreSQL's server binaries, one directory per major version. */
export const POSTGRES_ROOT = '/usr/lib/postgresql';

/**
 * Something a local service needs is not installed. `code` maps onto the error catalogue (exit 2), so the
 * CLI ends with the message and the hint; the message says what is missing and the command that installs it.
 */
export class LocalServiceMissingError extends Error {
  readonly code = 'E_DEMO_PREREQUISITE';
  constructor(message: string) {
    super(message);
    this.name = 'LocalServiceMissingError';
  }
}

/** A local service was there but did not start or stopped answering; everything started was stopped again. */
export class LocalServiceFailedError extends Error {
  readonly code = 'E_DEMO_SERVICE';
  constructor(message: string) {
    super(message);
    this.name = 'LocalServiceFailedError';
  }
}

/** The newest `<root>/<version>/bin` with initdb and pg_ctl; LocalServiceMissingError naming the package when none. */
export function findPostgresBin(root: string = POSTGRES_ROOT): string {
  const usable = (v: string) => ['initdb', 'pg_ctl', 'postgres'].every((b) => existsSync(join(root, v, 'bin', b)));
  const versions = existsSync(root) ? readdirSync(root).filter(usable) : [];
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  if (!newest)
    throw new LocalServiceMissingError(
      `PostgreSQL's server binaries (initdb, pg_ctl, postgres) are not installed under ${root}/<version>/bin: install them with \`apt-get install postgresql\` (Debian/Ubuntu, as root)`,
    );
  return join(root, newest, 'bin');
}

/** A TCP port free on 127.0.0.1 right now. */
export async function getFreePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  await new Promise<void>((done) => server.close(() => done()));
  if (typeof address !== 'object' || !address) throw new Error('no free port');
  return address.port;
}

export interface LocalPostgres {
  /** `postgres://rollout@127.0.0.1:<port>/<database>` (no password: trust on loopback). */
  url: string;
  host: string;
  port: number;
  user: string;
  database: string;
  /** The temporary directory holding the cluster (removed by `stop`). */
  root: string;
  /** Create another empty database and return its URL. */
  createDatabase(name: string): Promise<string>;
  /** Run SQL as the superuser on the default database (or `database`). */
  sql<T extends Record<string, unknown> = Record<string, unknown>>(
    text: string,
    params?: unknown[],
    database?: string,
  ): Promise<T[]>;
  /** Stops the cluster and removes its directory (idempotent). */
  stop(): Promise<void>;
  /** The same, synchronously: for exit hooks. */
  stopSync(): void;
}

const asRoot = (): boolean => process.getuid?.() === 0;

function ownerIds(): { uid: number; gid: number } {
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  return { uid, gid };
}

/** Run a PostgreSQL binary, as the `postgres` user when we are root. */
function runPg(bin: string, args: string[]) {
  const [file, argv] = asRoot() ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  return run(file, argv, { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C' }, timeout: 60_000 });
}

/** Start a private cluster; `stop()` it (an exit hook stops it if the process exits first). */
export async function startPostgres(options: { user?: string; bin?: string } = {}): Promise<LocalPostgres> {
  const bin = options.bin ?? findPostgresBin();
  const user = options.user ?? 'rollout';
  const root = mkdtempSync(join(tmpdir(), 'rollout-pg-'));
  const data = join(root, 'data');
  const stopCommand: [string, string[]] = [
    asRoot() ? 'runuser' : join(bin, 'pg_ctl'),
    [...(asRoot() ? ['-u', 'postgres', '--', join(bin, 'pg_ctl')] : []), '-D', data, 'stop', '-m', 'immediate'],
  ];
  // The exit hook below does not run after a kill -9: then the reaper stops the cluster and removes it.
  const reaper = startReaper({ run: [stopCommand], remove: [root] });
  let stopped = false;
  const stopSync = () => {
    if (stopped) return;
    stopped = true;
    process.removeListener('exit', stopSync);
    if (existsSync(join(data, 'postmaster.pid')))
      try {
        execFileSync(...stopCommand, { stdio: 'ignore' });
      } catch {
        // already stopped
      }
    rmSync(root, { recursive: true, force: true });
    reaper.disarm();
  };
  process.once('exit', stopSync);
  const port = await getFreePort();
  try {
    if (asRoot()) {
      const { uid, gid } = ownerIds();
      chownSync(root, uid, gid);
    }
    await runPg(join(bin, 'initdb'), [
      '-D',
      data,
      '-U',
      user,
      '--auth-local=trust',
      '--auth-host=trust',
      '-E',
      'UTF8',
      '--locale=C',
      '--no-sync',
      '--no-instructions',
    ]);
    const settings = [
      `-p ${port}`,
      `-k ${root}`,
      "-c listen_addresses='127.0.0.1'",
      '-c fsync=off',
      '-c synchronous_commit=off',
      '-c full_page_writes=off',
      '-c max_connections=120',
      '-c shared_buffers=32MB',
    ].join(' ');
    await runPg(join(bin, 'pg_ctl'), ['-D', data, '-o', settings, '-l', join(root, 'log'), '-w', '-t', '60', 'start']);
  } catch (error) {
    stopSync();
    throw new LocalServiceFailedError(`could not start PostgreSQL (${bin}): ${(error as Error).message}`);
  }
  const host = '127.0.0.1';
  const urlFor = (database: string) => `postgres://${user}@${host}:${port}/${database}`;
  const sql = async <T extends Record<string, unknown>>(
    text: string,
    params: unknown[] = [],
    database = 'postgres',
  ) => {
    const { default: pg } = await import('pg');
    const client = new pg.Client({ host, port, user, database, connectionTimeoutMillis: 5_000 });
    client.on('error', () => undefined);
    await client.connect();
    try {
      return (await client.query(text, params)).rows as T[];
    } finally {
      await client.end();
    }
  };
  try {
    await sql('CREATE DATABASE rollout');
  } catch (error) {
    stopSync();
    throw new LocalServiceFailedError(`PostgreSQL started but refused CREATE DATABASE: ${(error as Error).message}`);
  }
  return {
    url: urlFor('rollout'),
    host,
    port,
    user,
    database: 'rollout',
    root,
    async createDatabase(name) {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`bad database name ${name}`);
      await sql(`CREATE DATABASE ${name}`);
      return urlFor(name);
    },
    sql,
    stop: async () => stopSync(),
    stopSync,
  };
}
