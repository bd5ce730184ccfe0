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
export function findPostgresBin(): string;
export function getFreePort(): Promise<number>;
export function startPostgres(options?: { user?: string }): Promise<TestPostgres>;
export const UNLEASH_FIXTURE: string;
export const UNLEASH_SERVER: string;
export function unleashServerMissing(): string | null;
export function startUnleashServer(
  postgres: TestPostgres,
  options: { name?: string; adminToken: string; clientToken: string },
): Promise<{ url: string; stop(): Promise<void> }>;
