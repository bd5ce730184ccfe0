import type { PoolClient } from 'pg';
import type { PgConnector } from './connector.js';
import { StateSchemaError } from './errors.js';

/**
 * Advisory-lock class of every lock rollout takes (the two-int form keeps them apart from other
 * applications' keys). Only transaction-scoped advisory locks are used: they cannot leak through a
 * pool, because they end with the transaction on the session that took them.
 */
export const ADVISORY_CLASS = 0x726f6c6c; // 'roll'
/** Object id of the schema-migration lock inside ADVISORY_CLASS (release keys hash elsewhere). */
const MIGRATION_LOCK = 0;

/** Schema migrations, applied in order, each exactly once, recorded in `rollout_schema_version`. */
const MIGRATIONS: ReadonlyArray<{ version: number; sql: string }> = [
  {
    version: 1,
    sql: `
      CREATE TABLE IF NOT EXISTS rollout_state (
        release_key text PRIMARY KEY,
        serial      bigint NOT NULL CHECK (serial > 0),
        lineage     text NOT NULL,
        doc         jsonb NOT NULL,
        updated_at  timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE IF NOT EXISTS rollout_lock (
        release_key text PRIMARY KEY,
        token       text,
        holder      jsonb,
        fencing     bigint NOT NULL,
        acquired_at timestamptz,
        expires_at  timestamptz
      );
      CREATE TABLE IF NOT EXISTS rollout_audit (
        id          bigserial PRIMARY KEY,
        release_key text NOT NULL,
        seq         bigint NOT NULL,
        entry       json NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (release_key, seq)
      );
      CREATE INDEX IF NOT EXISTS rollout_audit_by_release ON rollout_audit (release_key, id);`,
  },
  {
    // The highest state serial the log documents, read before every change (backfillAudit), from an
    // index instead of every row. Only JSON numbers are indexed, so no stored entry can fail the cast.
    version: 2,
    sql: `
      CREATE INDEX IF NOT EXISTS rollout_audit_by_state_serial ON rollout_audit
        (release_key, (CASE WHEN json_typeof(entry -> 'stateSerial') = 'number' THEN (entry ->> 'stateSerial')::numeric END));`,
  },
];

/** The newest schema version this build writes. */
export const SCHEMA_VERSION = MIGRATIONS.at(-1)!.version;

async function readVersion(client: PoolClient): Promise<number | null> {
  const exists = await client.query<{ found: boolean }>(
    `SELECT to_regclass('rollout_schema_version') IS NOT NULL AS found`,
  );
  if (!exists.rows[0]?.found) return null;
  const { rows } = await client.query<{ version: number | null }>(
    'SELECT max(version)::int AS version FROM rollout_schema_version',
  );
  return rows[0]?.version ?? 0;
}

/**
 * Create or upgrade the tables. The common case (already current) costs one read; otherwise the
 * migration runs under a transaction-scoped advisory lock, so two first users cannot race, and a
 * database from a newer rollout is refused instead of being written in an older format.
 */
export async function ensureSchema(connector: PgConnector): Promise<number> {
  const current = await connector.read(readVersion);
  if (current !== null && current >= SCHEMA_VERSION) return assertSupported(current);
  return connector.transaction(async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1, $2)', [ADVISORY_CLASS, MIGRATION_LOCK]);
    await client.query(`CREATE TABLE IF NOT EXISTS rollout_schema_version (
      version int PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
    const applied = (await readVersion(client)) ?? 0;
    assertSupported(applied);
    for (const migration of MIGRATIONS.filter((m) => m.version > applied)) {
      await client.query(migration.sql);
      await client.query('INSERT INTO rollout_schema_version (version) VALUES ($1)', [migration.version]);
    }
    return SCHEMA_VERSION;
  });
}

function assertSupported(version: number): number {
  if (version > SCHEMA_VERSION) throw new StateSchemaError(version, SCHEMA_VERSION);
  return version;
}
