import { startUnleash as startSdk } from 'unleash-client';
import path from 'node:path';
import { findUnleashServer, startUnleashServer } from '../../src/demo/local-unleash.js';
import type { TestPostgres } from './postgres.js';

/** The unleash-server the suite runs: the fixture the test command installs (`npm ci --prefix`). */
export const UNLEASH_FIXTURE = path.resolve(import.meta.dirname, '../fixtures/unleash-server');

export interface TestUnleash {
  url: string;
  /** Admin token (`*:*.…`), created at start through INIT_ADMIN_API_TOKENS. */
  adminToken: string;
  /** Client (backend SDK) token for the `development` environment. */
  clientToken: string;
  stop(): Promise<void>;
}

/** A real Unleash server on a free loopback port against a fresh database of the suite's PostgreSQL. */
export async function startUnleash(pg: TestPostgres, name = 'unleash'): Promise<TestUnleash> {
  const adminToken = '*:*.rollout-test-admin-token';
  const clientToken = 'default:development.rollout-test-client-token';
  const install = findUnleashServer([path.join(UNLEASH_FIXTURE, 'node_modules/unleash-server')]);
  const server = await startUnleashServer(pg, { name, adminToken, clientToken, install });
  return { ...server, adminToken, clientToken };
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
