import type { PoolClient } from 'pg';
import { LockLostError } from '../errors.js';
import type { LockHandle, LockInfo } from '../store.js';

/**
 * The release lock is a lease row, not a session advisory lock: a session lock is silently lost
 * when its connection drops, can be taken and released on different pooled sessions, and gives a
 * stalled holder no way to learn it lost the lock. A lease expires unless renewed, and each
 * acquisition bumps `fencing`, which every write re-checks inside its own transaction.
 */

/** A lock handle of the PostgreSQL backend: the nonce plus the fencing number of this acquisition. */
export interface LeaseHandle extends LockHandle {
  /** Monotonic per release: bumped on every acquisition, never reused, even after a release. */
  readonly fencing: number;
}

/** The lease row as read under `FOR UPDATE`. */
export interface LeaseRow {
  token: string | null;
  holder: LockInfo | null;
  fencing: number;
  live: boolean;
}

/** Lock the release's lease row for this transaction and read it (null when never locked). */
export async function selectLeaseForUpdate(client: PoolClient, key: string): Promise<LeaseRow | null> {
  const { rows } = await client.query<{
    token: string | null;
    holder: LockInfo | null;
    fencing: string;
    live: boolean | null;
  }>(
    `SELECT token, holder, fencing, (expires_at > now()) AS live FROM rollout_lock WHERE release_key = $1 FOR UPDATE`,
    [key],
  );
  const row = rows[0];
  if (!row) return null;
  return {
    token: row.token,
    holder: row.holder,
    fencing: Number(row.fencing),
    live: row.token !== null && row.live === true,
  };
}

/** Insert the first lease of a release; null if another acquirer created the row first. */
export async function insertLease(
  client: PoolClient,
  key: string,
  info: LockInfo,
  ttlMs: number,
): Promise<number | null> {
  const { rows } = await client.query<{ fencing: string }>(
    `INSERT INTO rollout_lock (release_key, token, holder, fencing, acquired_at, expires_at)
     VALUES ($1, $2, $3, 1, now(), now() + $4::int * interval '1 millisecond')
     ON CONFLICT (release_key) DO NOTHING RETURNING fencing`,
    [key, info.token, JSON.stringify(info), ttlMs],
  );
  return rows[0] ? Number(rows[0].fencing) : null;
}

/** Take over a free or expired lease (the row is already locked by this transaction). */
export async function takeLease(client: PoolClient, key: string, info: LockInfo, ttlMs: number): Promise<number> {
  const { rows } = await client.query<{ fencing: string }>(
    `UPDATE rollout_lock SET token = $2, holder = $3, fencing = fencing + 1, acquired_at = now(),
       expires_at = now() + $4::int * interval '1 millisecond'
     WHERE release_key = $1 RETURNING fencing`,
    [key, info.token, JSON.stringify(info), ttlMs],
  );
  return Number(rows[0]!.fencing);
}

/** Extend a lease this handle still holds; false once it expired or belongs to someone else. */
export async function renewLease(
  client: PoolClient,
  key: string,
  handle: LeaseHandle,
  ttlMs: number,
): Promise<boolean> {
  const { rowCount } = await client.query(
    `UPDATE rollout_lock SET expires_at = now() + $4::int * interval '1 millisecond'
     WHERE release_key = $1 AND token = $2 AND fencing = $3 AND expires_at > now()`,
    [key, handle.token, handle.fencing, ttlMs],
  );
  return rowCount === 1;
}

/** Free the lease if it is this handle's (the row stays, so the fencing number keeps growing). */
export async function freeLease(client: PoolClient, key: string, token: string | null): Promise<LockInfo | null> {
  const { rows } = await client.query<{ holder: LockInfo | null }>(
    `UPDATE rollout_lock l SET token = NULL, holder = NULL, expires_at = NULL
     FROM (SELECT release_key, holder FROM rollout_lock WHERE release_key = $1 AND token IS NOT NULL
           AND ($2::text IS NULL OR token = $2) FOR UPDATE) old
     WHERE l.release_key = old.release_key RETURNING old.holder`,
    [key, token],
  );
  return rows[0]?.holder ?? null;
}

/** The live holder, or null when the lease is free or expired. */
export async function readLease(client: PoolClient, key: string): Promise<LockInfo | null> {
  const { rows } = await client.query<{ holder: LockInfo }>(
    'SELECT holder FROM rollout_lock WHERE release_key = $1 AND token IS NOT NULL AND expires_at > now()',
    [key],
  );
  return rows[0]?.holder ?? null;
}

/**
 * Fencing check inside a write transaction: the lease must still be this handle's acquisition and
 * unexpired. Locking the row also orders this write against a concurrent takeover.
 */
export async function assertLeaseHeld(client: PoolClient, key: string, handle: LockHandle): Promise<void> {
  const row = await selectLeaseForUpdate(client, key);
  const fencing = (handle as Partial<LeaseHandle>).fencing;
  if (row && row.live && row.token === handle.token && row.fencing === fencing) return;
  const someoneElse = row && row.token !== null && row.token !== handle.token ? row.holder : null;
  throw new LockLostError(handle.token, someoneElse);
}
