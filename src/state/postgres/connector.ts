import type { Pool, PoolClient } from 'pg';
import { StateError } from '../errors.js';
import { StateUnavailableError } from './errors.js';
import type { PostgresTarget } from './url.js';

/** Client settings; every default is explicit because node-postgres' own (no connect timeout) can hang a CLI. */
export interface PgSettings {
  /** Give up on opening one connection after this long (pg's default, 0, waits forever). */
  connectTimeoutMs: number;
  /** Client-side read timeout and server-side `statement_timeout` for every query. */
  queryTimeoutMs: number;
  /** How long a row lock is waited for before the statement fails (a stuck transaction must not stall us). */
  lockTimeoutMs: number;
  /** The server ends a session left idle inside a transaction (a client that vanished mid-write) after this. */
  idleInTransactionTimeoutMs: number;
  /** Attempts to open a connection; only connection failures are retried, never a query or a conflict. */
  connectAttempts: number;
  /** A CLI needs few connections: one per concurrent operation plus the lease renewal. */
  maxConnections: number;
}

export const DEFAULT_PG_SETTINGS: PgSettings = {
  connectTimeoutMs: 2_000,
  queryTimeoutMs: 5_000,
  lockTimeoutMs: 3_000,
  idleInTransactionTimeoutMs: 10_000,
  connectAttempts: 3,
  maxConnections: 4,
};

const CONNECT_BACKOFF_MS = 250;
/** Authentication, unknown database, bad SQL: retrying cannot help. */
const PERMANENT_SQLSTATE = /^(28|3D|42)/;
/** Connection loss, timeouts, server shutting down or out of resources: the database is (temporarily) unusable. */
const UNAVAILABLE_SQLSTATE = /^(08|53|57|58)|^55P03$|^25P03$/;

/** True when `error` means the database could not be used, as opposed to a bug or a refusal. */
export function isUnavailableError(error: unknown): boolean {
  if (error instanceof StateError) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (/^E[A-Z]+$/.test(code)) return true; // ECONNREFUSED, ECONNRESET, ETIMEDOUT, EPIPE, …
    return UNAVAILABLE_SQLSTATE.test(code);
  }
  const message = (error as Error).message ?? '';
  return /timeout|Connection terminated|connection .*(ended|closed)|not queryable/i.test(message);
}

/**
 * A lazily created node-postgres pool. `pg` is imported on first use, so commands on a file state
 * never load it. Every idle-client error is caught: without a listener it would crash the process.
 */
export class PgConnector {
  private pool: Promise<Pool> | undefined;

  constructor(
    private readonly target: PostgresTarget,
    readonly settings: PgSettings,
    private readonly applicationName = 'rollout',
  ) {}

  private async createPool(): Promise<Pool> {
    const pg = (await import('pg')).default;
    const s = this.settings;
    const pool = new pg.Pool({
      host: this.target.host,
      port: this.target.port,
      database: this.target.database,
      user: this.target.user,
      password: this.target.password,
      ssl: this.target.ssl,
      application_name: this.applicationName,
      connectionTimeoutMillis: s.connectTimeoutMs,
      query_timeout: s.queryTimeoutMs,
      statement_timeout: s.queryTimeoutMs,
      lock_timeout: s.lockTimeoutMs,
      idle_in_transaction_session_timeout: s.idleInTransactionTimeoutMs,
      keepAlive: true,
      max: s.maxConnections,
      idleTimeoutMillis: 10_000,
      // A CLI never calls end() on every path; idle connections must not keep the process alive.
      allowExitOnIdle: true,
    });
    // An idle client whose server went away emits 'error' on the pool; the next checkout reconnects.
    pool.on('error', () => undefined);
    pool.on('connect', (client) => client.on('error', () => undefined));
    return pool;
  }

  private getPool(): Promise<Pool> {
    this.pool ??= this.createPool();
    return this.pool;
  }

  /** Check out a connection, retrying connection failures a bounded number of times. */
  async connect(): Promise<PoolClient> {
    const pool = await this.getPool();
    let lastError: unknown;
    for (let attempt = 1; attempt <= this.settings.connectAttempts; attempt++) {
      try {
        return await pool.connect();
      } catch (error) {
        lastError = error;
        const code = (error as { code?: unknown }).code;
        if ((typeof code === 'string' && PERMANENT_SQLSTATE.test(code)) || isMissingPassword(error)) {
          throw new StateUnavailableError(
            this.target.redacted,
            'not-applied',
            explainConnectFailure(error, this.target),
            { cause: error },
          );
        }
        if (attempt < this.settings.connectAttempts) await sleep(CONNECT_BACKOFF_MS * 2 ** (attempt - 1));
      }
    }
    throw new StateUnavailableError(
      this.target.redacted,
      'not-applied',
      `cannot connect after ${this.settings.connectAttempts} attempts (${explainConnectFailure(lastError, this.target)})`,
      { cause: lastError },
    );
  }

  /**
   * Run `work` inside one transaction. Any failure rolls back; a broken connection is discarded, not
   * returned to the pool. Failures of the database itself become `StateUnavailableError`, with
   * `outcome: 'unknown'` only when the connection broke while COMMIT was in flight.
   */
  async transaction<T>(
    work: (client: PoolClient) => Promise<T>,
    beforeCommit?: (client: PoolClient) => Promise<void>,
  ): Promise<T> {
    const client = await this.connect();
    let phase: 'work' | 'commit' = 'work';
    // A connection known to be gone before COMMIT was issued cannot have committed anything.
    let lostBeforeCommit = false;
    const onLost = () => {
      if (phase === 'work') lostBeforeCommit = true;
    };
    client.once('end', onLost);
    client.once('error', onLost);
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await beforeCommit?.(client);
      phase = lostBeforeCommit ? 'work' : 'commit';
      await client.query('COMMIT');
      client.release();
      return result;
    } catch (error) {
      const broken = isUnavailableError(error);
      if (!broken) await client.query('ROLLBACK').catch(() => undefined);
      client.release(broken ? toError(error) : undefined);
      if (isPrivilegeError(error))
        throw new StateUnavailableError(
          this.target.redacted,
          'not-applied',
          explainConnectFailure(error, this.target),
          { cause: error },
        );
      if (!broken) throw error;
      const outcome = phase === 'commit' && !lostBeforeCommit ? 'unknown' : 'not-applied';
      throw new StateUnavailableError(this.target.redacted, outcome, describeError(error), { cause: error });
    } finally {
      client.removeListener('end', onLost);
      client.removeListener('error', onLost);
    }
  }

  /** Run a single read-only statement sequence on one connection. */
  async read<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.connect();
    try {
      const result = await work(client);
      client.release();
      return result;
    } catch (error) {
      const broken = isUnavailableError(error);
      client.release(broken ? toError(error) : undefined);
      if (isPrivilegeError(error))
        throw new StateUnavailableError(
          this.target.redacted,
          'not-applied',
          explainConnectFailure(error, this.target),
          { cause: error },
        );
      if (!broken) throw error;
      throw new StateUnavailableError(this.target.redacted, 'not-applied', describeError(error), { cause: error });
    }
  }

  /** Close every connection (tests and long-lived callers; a CLI may simply exit). */
  async end(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    if (pool) await (await pool).end();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

function describeError(error: unknown): string {
  const e = error as { code?: unknown; message?: unknown };
  const message = typeof e?.message === 'string' && e.message ? e.message : String(error);
  return typeof e?.code === 'string' ? `${e.code}: ${message}` : message;
}

/** node-postgres' own complaint when the server asks for a password and none was given (it has no code). */
function isMissingPassword(error: unknown): boolean {
  return /client password must be a string|password must be a string/i.test(
    (error as Error | undefined)?.message ?? '',
  );
}

/** The role may connect but not create or use rollout's tables. */
function isPrivilegeError(error: unknown): boolean {
  return (error as { code?: unknown }).code === '42501';
}

/**
 * What went wrong and what to change, for the failures an operator causes: a wrong password, a role or
 * database that does not exist, a server that is not listening. Names the variables, never their values.
 */
export function explainConnectFailure(
  error: unknown,
  target: Pick<PostgresTarget, 'host' | 'port' | 'database' | 'user'>,
): string {
  const code = (error as { code?: unknown }).code;
  const user = target.user ?? '(PGUSER not set: the OS user name)';
  switch (code) {
    case '28P01':
      return `password authentication failed for role ${user} (28P01): check the password in ROLLOUT_PG_PASSWORD or PGPASSWORD`;
    case '28000':
      return `the server refused role ${user} (28000: the role does not exist or pg_hba.conf has no entry for it): check the user name in the URL or PGUSER`;
    case '3D000':
      return `database "${target.database}" does not exist (3D000): create it, or fix the database name in the --state URL (postgres://host:port/<database>)`;
    case '42501':
      return `role ${user} lacks a privilege on rollout's tables (42501): grant it CREATE on the database's public schema, or run once as the owner`;
    case 'ECONNREFUSED':
      return `nothing listens on ${target.host}:${target.port} (ECONNREFUSED): is PostgreSQL running, and are the host and port in the --state URL right?`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `host ${target.host} cannot be resolved (${code}): check the host in the --state URL`;
    default:
      if (isMissingPassword(error))
        return `the server asks for a password for role ${user} and none is set: put it in ROLLOUT_PG_PASSWORD or PGPASSWORD`;
      return describeError(error);
  }
}
