/**
 * A throwaway PostgreSQL cluster for tests: Debian's binaries, a temporary data directory, a free
 * 127.0.0.1 port, trust authentication on loopback only, fsync off (the data is thrown away).
 * initdb refuses to run as root, so as root the cluster belongs to the `postgres` OS user.
 */
import { execFile, execFileSync, fork, type ChildProcess, type Serializable } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

export interface TestPostgres {
  /** `postgres://rollout@127.0.0.1:<port>/<database>` (no password: trust on loopback). */
  url: string;
  host: string;
  port: number;
  user: string;
  database: string;
  /** Create another empty database and return its URL (isolates test cases from each other). */
  createDatabase(name: string): Promise<string>;
  /** Run SQL as the superuser on the default database (or `database`); for tampering and inspection. */
  sql<T extends Record<string, unknown> = Record<string, unknown>>(
    text: string,
    params?: unknown[],
    database?: string,
  ): Promise<T[]>;
  stop(): Promise<void>;
}

/** The newest installed `/usr/lib/postgresql/<v>/bin`, or a loud error naming the package to install. */
export function findPostgresBin(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin/initdb'))) : [];
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  if (!newest)
    throw new Error(
      'PostgreSQL binaries not found under /usr/lib/postgresql/*/bin: install the Debian package `postgresql` (the test command does)',
    );
  return join(root, newest, 'bin');
}

export async function getFreePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== 'object' || !address) throw new Error('no free port');
  return address.port;
}

const asRoot = process.getuid?.() === 0;

function ownerIds(): { uid: number; gid: number } {
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  return { uid, gid };
}

/** Run a PostgreSQL binary, as the `postgres` user when we are root. */
function runPg(bin: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
  const [file, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  return run(file, argv, { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C' }, timeout: 60_000 });
}

/** Start a private cluster; remember to `stop()` it (an exit hook stops it if the test process dies). */
export async function startPostgres(options: { user?: string } = {}): Promise<TestPostgres> {
  const bin = findPostgresBin();
  const user = options.user ?? 'rollout';
  const root = mkdtempSync(join(tmpdir(), 'rollout-pg-'));
  if (asRoot) {
    const { uid, gid } = ownerIds();
    chownSync(root, uid, gid);
  }
  const data = join(root, 'data');
  const port = await getFreePort();
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
  const stopSync = () => {
    try {
      execFileSync(
        asRoot ? 'runuser' : join(bin, 'pg_ctl'),
        [...(asRoot ? ['-u', 'postgres', '--', join(bin, 'pg_ctl')] : []), '-D', data, 'stop', '-m', 'immediate'],
        { stdio: 'ignore' },
      );
    } catch {
      // already stopped
    }
    rmSync(root, { recursive: true, force: true });
  };
  try {
    await runPg(join(bin, 'pg_ctl'), ['-D', data, '-o', settings, '-l', join(root, 'log'), '-w', '-t', '60', 'start']);
  } catch (error) {
    stopSync();
    throw new Error(`could not start PostgreSQL: ${(error as Error).message}`);
  }
  process.once('exit', stopSync);
  const host = '127.0.0.1';
  const urlFor = (database: string) => `postgres://${user}@${host}:${port}/${database}`;
  const sql = async <T extends Record<string, unknown>>(
    text: string,
    params: unknown[] = [],
    database = 'postgres',
  ): Promise<T[]> => {
    const client = new pg.Client({ host, port, user, database, connectionTimeoutMillis: 5_000 });
    client.on('error', () => undefined);
    await client.connect();
    try {
      return (await client.query<T>(text, params)).rows;
    } finally {
      await client.end();
    }
  };
  await sql('CREATE DATABASE rollout');
  return {
    url: urlFor('rollout'),
    host,
    port,
    user,
    database: 'rollout',
    async createDatabase(name) {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`bad database name ${name}`);
      await sql(`CREATE DATABASE ${name}`);
      return urlFor(name);
    },
    sql,
    async stop() {
      process.removeListener('exit', stopSync);
      stopSync();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Child processes on the built state layer (dist/), for multi-process tests.

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** URL of `dist/src/state/` (with a trailing slash); fails loudly when the build is missing. */
export function distStateUrl(): string {
  const dir = join(repoRoot, 'dist/src/state');
  if (!existsSync(join(dir, 'postgres/create.js'))) {
    throw new Error(
      `${dir}/postgres/create.js is missing: run \`npm run build\` first (the test command builds dist/ before the tests)`,
    );
  }
  return pathToFileURL(`${dir}/`).href;
}

/** Write `body` as an ES module in `dir`, with `STATE` bound to the URL of `dist/src/state/`. */
export function writeDistChildScript(dir: string, name: string, body: string): string {
  const path = join(dir, name);
  writeFileSync(path, `const STATE = ${JSON.stringify(distStateUrl())};\n${body}\n`);
  return path;
}

/** A long-lived child process answering requests over IPC, one answer per request. */
export interface IpcWorker {
  readonly pid: number;
  readonly process: ChildProcess;
  request<T = unknown>(message: unknown): Promise<T>;
  stop(): Promise<void>;
}

/**
 * Start `count` node processes running `script` (argv: `args(i)`); each must answer every message
 * it receives with exactly one `process.send(...)`. Starting them once and driving many rounds over
 * IPC keeps a 20-process, 20-round test within seconds on a small machine.
 */
export async function startIpcWorkers(
  count: number,
  script: string,
  args: (i: number) => string[],
  env: Record<string, string> = {},
): Promise<IpcWorker[]> {
  const workers = Array.from({ length: count }, (_, i) => {
    const child = fork(script, args(i), {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const waiting: Array<(value: unknown) => void> = [];
    const failures: Array<(error: Error) => void> = [];
    child.on('message', (message) => {
      failures.shift();
      waiting.shift()?.(message);
    });
    child.on('exit', (code, signal) => {
      for (const fail of failures.splice(0))
        fail(new Error(`worker ${i} (pid ${child.pid}) exited (${code ?? signal}) before answering`));
      waiting.length = 0;
    });
    const worker: IpcWorker = {
      pid: child.pid ?? -1,
      process: child,
      request<T>(message: unknown) {
        return new Promise<T>((resolve, reject) => {
          waiting.push(resolve as (value: unknown) => void);
          failures.push(reject);
          child.send(message as Serializable);
        });
      },
      async stop() {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGKILL');
        await exited;
      },
    };
    return worker;
  });
  await Promise.all(workers.map((w) => w.request({ type: 'ping' })));
  return workers;
}
