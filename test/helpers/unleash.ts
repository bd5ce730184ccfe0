import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { startUnleash as startSdk } from 'unleash-client';
import { getFreePort, type TestPostgres } from './postgres.js';

/**
 * A real Unleash server (the `unleash-server` 6.x package, which runs on Node 20) on a free loopback port,
 * against a fresh database of the suite's PostgreSQL. The package lives in test/fixtures/unleash-server,
 * installed by scripts/test.sh (`npm ci --prefix`), never as a dependency of the CLI. Start it once per
 * test file: the first start runs Unleash's migrations (several seconds).
 */
export const UNLEASH_FIXTURE = path.resolve(import.meta.dirname, '../fixtures/unleash-server');
const SERVER = path.join(UNLEASH_FIXTURE, 'node_modules/unleash-server/dist/server.js');

export interface TestUnleash {
  url: string;
  /** Admin token (`*:*.…`), created at start through INIT_ADMIN_API_TOKENS. */
  adminToken: string;
  /** Client (backend SDK) token for the `development` environment. */
  clientToken: string;
  stop(): Promise<void>;
}

export async function startUnleash(pg: TestPostgres, name = 'unleash'): Promise<TestUnleash> {
  if (!existsSync(SERVER))
    throw new Error(
      `unleash-server is not installed in ${UNLEASH_FIXTURE}: run \`npm ci --prefix test/fixtures/unleash-server\` (scripts/test.sh does)`,
    );
  const database = await pg.createDatabase(name);
  const port = await getFreePort();
  const adminToken = '*:*.rollout-test-admin-token';
  const clientToken = 'default:development.rollout-test-client-token';
  const child: ChildProcess = spawn(process.execPath, [SERVER], {
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
      // expires; the tests check what a fresh SDK gets right after each write. Production keeps its cache:
      // docs/flag-delivery.md counts it into the time a kill switch takes.
      CLIENT_FEATURE_CACHING_ENABLED: 'false',
      SEND_TELEMETRY: 'false',
      LOG_LEVEL: 'error',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (c: Buffer) => (output = (output + c.toString()).slice(-4000)));
  child.stderr?.on('data', (c: Buffer) => (output = (output + c.toString()).slice(-4000)));
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
  return { url, adminToken, clientToken, stop };
}

/**
 * The keys a freshly started application gets the toggle ON for: the official SDK fetches the toggles once
 * from `server` and evaluates every key (with `groups` as the group context field when given).
 */
export async function sdkCohort(
  server: TestUnleash,
  flag: string,
  keys: string[],
  groups?: string,
): Promise<Set<string>> {
  const sdk = await startSdk({
    url: `${server.url}/api/`,
    appName: 'rollout-test',
    customHeaders: { Authorization: server.clientToken },
    disableMetrics: true,
    refreshInterval: 60_000,
  });
  try {
    return new Set(
      keys.filter((k) => sdk.isEnabled(flag, { userId: k, ...(groups ? { properties: { groups } } : {}) })),
    );
  } finally {
    sdk.destroy();
  }
}
