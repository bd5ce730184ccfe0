// Throwaway local services on loopback, shared by the test helpers (postgres.ts, unleash.ts) and the
// benchmarks under bench/ (which run as plain node, hence JavaScript with types in local-services.d.mts).
//
// PostgreSQL: Debian's binaries, a temporary data directory, a free 127.0.0.1 port, trust authentication on
// loopback only, fsync off (the data is thrown away). initdb refuses to run as root, so as root the
// cluster belongs to the `postgres` OS user.
//
// Unleash: the `unleash-server` 6.x package (which runs on Node 20), installed in
// test/fixtures/unleash-server by scripts/test.sh (`npm ci --prefix`), never as a dependency of the CLI.
import { execFile, execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

/** The newest installed `/usr/lib/postgresql/<v>/bin`, or a loud error naming the package to install. */
export function findPostgresBin() {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin/initdb'))) : [];
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  if (!newest)
    throw new Error(
      'PostgreSQL binaries not found under /usr/lib/postgresql/*/bin: install the Debian package `postgresql` (the test command does)',
    );
  return join(root, newest, 'bin');
}

export async function getFreePort() {
  const server = createServer();
  await new Promise((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  await new Promise((done) => server.close(() => done()));
  if (typeof address !== 'object' || !address) throw new Error('no free port');
  return address.port;
}

const asRoot = process.getuid?.() === 0;

function ownerIds() {
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  return { uid, gid };
}

/** Run a PostgreSQL binary, as the `postgres` user when we are root. */
function runPg(bin, args) {
  const [file, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  return run(file, argv, { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C' }, timeout: 60_000 });
}

/** Start a private cluster; remember to `stop()` it (an exit hook stops it if the process dies). */
export async function startPostgres(options = {}) {
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
    throw new Error(`could not start PostgreSQL: ${error.message}`);
  }
  process.once('exit', stopSync);
  const host = '127.0.0.1';
  const urlFor = (database) => `postgres://${user}@${host}:${port}/${database}`;
  const sql = async (text, params = [], database = 'postgres') => {
    const client = new pg.Client({ host, port, user, database, connectionTimeoutMillis: 5_000 });
    client.on('error', () => undefined);
    await client.connect();
    try {
      return (await client.query(text, params)).rows;
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

export const UNLEASH_FIXTURE = resolve(import.meta.dirname, '../fixtures/unleash-server');
export const UNLEASH_SERVER = join(UNLEASH_FIXTURE, 'node_modules/unleash-server/dist/server.js');

/** Why unleash-server cannot start here (not installed), or null when it can. */
export function unleashServerMissing() {
  return existsSync(UNLEASH_SERVER)
    ? null
    : `unleash-server is not installed in ${UNLEASH_FIXTURE}: run \`npm ci --prefix test/fixtures/unleash-server\` (scripts/test.sh does)`;
}

/**
 * A real Unleash server on a free loopback port against a fresh database `name` of `postgres`, with the
 * given admin and client tokens created at start (INIT_ADMIN_API_TOKENS / INIT_CLIENT_API_TOKENS). The
 * server's cache of /api/client/features is off, so an SDK sees a write at its next fetch. Start it once per
 * test file: the first start runs Unleash's migrations (several seconds).
 */
export async function startUnleashServer(postgres, { name = 'unleash', adminToken, clientToken }) {
  const missing = unleashServerMissing();
  if (missing) throw new Error(missing);
  const database = await postgres.createDatabase(name);
  const port = await getFreePort();
  const child = spawn(process.execPath, [UNLEASH_SERVER], {
    cwd: UNLEASH_FIXTURE,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      NODE_ENV: 'production',
      DATABASE_URL: database,
      DATABASE_SSL: 'false',
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: String(port),
      INIT_ADMIN_API_TOKENS: adminToken,
      INIT_CLIENT_API_TOKENS: clientToken,
      CHECK_VERSION: 'false',
      // The server caches /api/client/features (maxAge) so an SDK would see a change only after the cache
      // expires; the tests and the benchmark check what a fresh SDK gets right after each write. Production
      // keeps its cache: docs/flag-delivery.md counts it into the time a kill switch takes.
      CLIENT_FEATURE_CACHING_ENABLED: 'false',
      SEND_TELEMETRY: 'false',
      LOG_LEVEL: 'error',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (c) => (output = (output + c.toString()).slice(-4000)));
  child.stderr?.on('data', (c) => (output = (output + c.toString()).slice(-4000)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`unleash-server exited with ${child.exitCode}: ${output}`);
    const ok = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) }).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`unleash-server did not answer /health within 120 s: ${output}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  const stop = async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    if (child.exitCode === null) child.kill('SIGKILL');
  };
  process.once('exit', () => child.exitCode === null && child.kill('SIGKILL'));
  return { url, stop };
}
