// A real Unleash server on loopback: what `rollout demo --provider unleash` starts when no UNLEASH_URL is
// given, and what the test helpers and the flag-delivery benchmark start (one implementation).
//
// The `unleash-server` 6.x package runs on Node 20 (7+ needs Node 22). It is never a dependency of rollout:
// it is looked up, in order, in the directory given explicitly (`--unleash-server`), the project's
// node_modules, and this package's test fixture (test/fixtures/unleash-server, installed by the test command).
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { findPackageRoot } from '../runbooks/package-root.js';
import { startReaper } from './reaper.js';
import {
  getFreePort,
  LocalServiceFailedError,
  LocalServiceMissingError,
  type LocalPostgres,
} from './local-postgres.js';

/** The unleash-server line that runs on Node 20. */
export const UNLEASH_SERVER_RANGE = '6.x';
export const UNLEASH_INSTALL_HINT = 'npm install --no-save unleash-server@6';

export interface UnleashServerInstall {
  /** The package directory (…/node_modules/unleash-server). */
  dir: string;
  /** Its dist/server.js. */
  serverJs: string;
  version: string;
}

/**
 * Where unleash-server is looked for: `explicit` alone when given (a directory holding
 * node_modules/unleash-server, or the package directory itself); otherwise `<cwd>/node_modules`, then
 * rollout's own test fixture.
 */
export function unleashServerCandidates(opts: { explicit?: string; cwd: string; packageRoot?: string }): string[] {
  if (opts.explicit) {
    const dir = path.resolve(opts.cwd, opts.explicit);
    return [path.join(dir, 'node_modules/unleash-server'), dir];
  }
  const project = path.join(opts.cwd, 'node_modules/unleash-server');
  let root = opts.packageRoot;
  try {
    root ??= findPackageRoot();
  } catch {
    return [project]; // an installation without bin/rollout beside package.json: no fixture to look in
  }
  return [project, path.join(root, 'test/fixtures/unleash-server/node_modules/unleash-server')];
}

/** The major version in `version` (`6.10.1` → 6), NaN when it is not a version. */
export function majorOf(version: string): number {
  const m = /^(\d+)\./.exec(version);
  return m ? Number(m[1]) : Number.NaN;
}

/**
 * The first installed unleash-server among `candidates`. LocalServiceMissingError (exit 2) when none is, or
 * when the one found needs a newer Node than this one (7+ needs Node 22), naming the places searched and
 * the install command.
 */
export function findUnleashServer(
  candidates: string[],
  nodeVersion: string = process.versions.node,
): UnleashServerInstall {
  for (const dir of candidates) {
    const serverJs = path.join(dir, 'dist/server.js');
    if (!existsSync(serverJs)) continue;
    let version = '?';
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name !== 'unleash-server') continue;
      version = String(pkg.version);
    } catch {
      continue;
    }
    if (majorOf(version) >= 7 && majorOf(nodeVersion) < 22)
      throw new LocalServiceMissingError(
        `unleash-server ${version} in ${dir} needs Node 22 or later (this is Node ${nodeVersion}): install the ${UNLEASH_SERVER_RANGE} line there with \`${UNLEASH_INSTALL_HINT}\``,
      );
    return { dir, serverJs, version };
  }
  throw new LocalServiceMissingError(
    `unleash-server is not installed (looked for node_modules/unleash-server/dist/server.js in: ${candidates.join(', ')}): install it in the project with \`${UNLEASH_INSTALL_HINT}\` (the ${UNLEASH_SERVER_RANGE} line runs on Node 20), or pass --unleash-server <dir>, or set UNLEASH_URL and UNLEASH_ADMIN_TOKEN to use a running Unleash`,
  );
}

export interface LocalUnleash {
  url: string;
  version: string;
  pid: number | undefined;
  stop(): Promise<void>;
}

export interface StartUnleashOptions {
  /** Database created for it on `postgres` (default `unleash`). */
  name?: string;
  /** Admin API token created at start (INIT_ADMIN_API_TOKENS), `*:*.<secret>`. */
  adminToken: string;
  /** Client (backend SDK) token created at start (INIT_CLIENT_API_TOKENS), e.g. `default:development.<secret>`. */
  clientToken?: string;
  /** Which installation to run (default: the lookup of `unleashServerCandidates` from the working directory). */
  install?: UnleashServerInstall;
  /** How long the first start (Unleash's migrations) may take before it counts as failed (default 120 s). */
  startTimeoutMs?: number;
}

/**
 * A real Unleash server on a free loopback port against a fresh database of `postgres`, with the given
 * tokens created at start. Its cache of /api/client/features is off, so an SDK sees a write at its next
 * fetch (production keeps its cache: docs/flag-delivery.md counts it into the kill switch's delivery).
 * LocalServiceFailedError (with the server's last output) when it exits or does not answer /health in time.
 */
export async function startUnleashServer(postgres: LocalPostgres, opts: StartUnleashOptions): Promise<LocalUnleash> {
  const install = opts.install ?? findUnleashServer(unleashServerCandidates({ cwd: process.cwd() }));
  let database: string;
  let port: number;
  try {
    database = await postgres.createDatabase(opts.name ?? 'unleash');
    port = await getFreePort();
  } catch (error) {
    throw new LocalServiceFailedError(
      `could not prepare unleash-server's database or port: ${(error as Error).message}`,
    );
  }
  const child = spawn(process.execPath, [install.serverJs], {
    cwd: install.dir,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      NODE_ENV: 'production',
      DATABASE_URL: database,
      DATABASE_SSL: 'false',
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: String(port),
      INIT_ADMIN_API_TOKENS: opts.adminToken,
      ...(opts.clientToken ? { INIT_CLIENT_API_TOKENS: opts.clientToken } : {}),
      CHECK_VERSION: 'false',
      CLIENT_FEATURE_CACHING_ENABLED: 'false',
      SEND_TELEMETRY: 'false',
      LOG_LEVEL: 'error',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (c: Buffer) => (output = (output + c.toString()).slice(-4000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let spawnError: Error | null = null;
  child.once('error', (e) => (spawnError = e));
  // After a kill -9 of this process the exit hook below does not run: the reaper kills the server then.
  // Disarmed as soon as the server exits, so a later process given the same pid is never touched.
  const reaper = child.pid === undefined ? { disarm: () => undefined } : startReaper({ kill: [child.pid] });
  child.once('exit', () => reaper.disarm());
  const killNow = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    reaper.disarm();
  };
  process.once('exit', killNow);
  const stop = async () => {
    process.removeListener('exit', killNow);
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  };
  const url = `http://127.0.0.1:${port}`;
  const limit = opts.startTimeoutMs ?? 120_000;
  const deadline = Date.now() + limit;
  for (;;) {
    const failed: string | null = spawnError
      ? `could not run ${install.serverJs}: ${(spawnError as Error).message}`
      : child.exitCode !== null || child.signalCode !== null
        ? `exited with ${child.exitCode ?? child.signalCode} before answering`
        : Date.now() > deadline
          ? `did not answer ${url}/health within ${Math.round(limit / 1000)} s`
          : null;
    if (failed) {
      await stop();
      throw new LocalServiceFailedError(
        `unleash-server ${install.version} (${install.dir}) ${failed}${output.trim() ? `; its last output: ${output.trim().slice(-1500)}` : ''}`,
      );
    }
    const ok = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) }).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  return { url, version: install.version, pid: child.pid, stop };
}
