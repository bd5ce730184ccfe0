import { randomUUID } from 'node:crypto';
import { hostname as osHostname } from 'node:os';
import type { PoolClient } from 'pg';
import { AuditWriteError, LockBusyError, StaleStateError, StateCorruptError } from '../errors.js';
import { isProcessAlive } from '../lock-file.js';
import type { AuditEntry, AuditInput, AuditVerification, Clock, LockHandle, LockInfo, StateStore } from '../store.js';
import { assertStateDocument } from '../state-document.js';
import type { ReleaseState } from '../types.js';
import {
  insertAuditEntry,
  insertAuditVerbatim,
  scanAuditRowsAfter,
  selectAuditEntries,
  selectAuditTail,
  selectLastAuditedSerial,
  verifyAuditStreaming,
} from './audit-table.js';
import type { AuditAnchor, AuditHistorySource, AuditTailRead } from '../audit-access.js';
import { DEFAULT_PG_SETTINGS, PgConnector, type PgSettings } from './connector.js';
import {
  assertLeaseHeld,
  freeLease,
  insertLease,
  readLease,
  renewLease,
  selectLeaseForUpdate,
  takeLease,
  type LeaseHandle,
} from './lease.js';
import { LeaseRenewer } from './renewer.js';
import { ensureSchema } from './schema.js';
import type { PostgresTarget } from './url.js';

/** Options of the PostgreSQL backend. */
export interface PostgresStateStoreOptions {
  target: PostgresTarget;
  clock: Clock;
  /** This machine's name, recorded in the lease and compared before judging a holder's pid. */
  hostname?: string;
  /** Lease lifetime without renewal (default 30 s). */
  leaseTtlMs?: number;
  /** Renewal period while held (default a third of the TTL). */
  renewEveryMs?: number;
  /** Client timeouts and retries; defaults in `DEFAULT_PG_SETTINGS`. */
  settings?: Partial<PgSettings>;
  /** Test seam: runs inside every write transaction just before COMMIT, given that transaction's connection. */
  beforeCommit?: (connection: PoolClient) => Promise<void>;
}

export const DEFAULT_LEASE_TTL_MS = 30_000;

/**
 * State, lease-based lock and hash-chained audit log of one release in PostgreSQL. Every write is
 * one transaction that checks the lease (token, fencing number, expiry) and compares-and-sets the
 * serial, so neither a stale reader nor a holder that lost its lease can overwrite newer state.
 */
export class PostgresStateStore implements StateStore, AuditHistorySource {
  readonly target: PostgresTarget;
  private readonly connector: PgConnector;
  private readonly clock: Clock;
  private readonly hostname: string;
  private readonly ttlMs: number;
  private readonly renewer: LeaseRenewer;
  private readonly beforeCommit: ((connection: PoolClient) => Promise<void>) | undefined;
  private schemaReady: Promise<number> | undefined;

  constructor(options: PostgresStateStoreOptions) {
    this.target = options.target;
    this.clock = options.clock;
    this.hostname = options.hostname ?? osHostname();
    this.ttlMs = options.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS;
    this.connector = new PgConnector(options.target, { ...DEFAULT_PG_SETTINGS, ...options.settings });
    this.beforeCommit = options.beforeCommit;
    this.renewer = new LeaseRenewer(options.renewEveryMs ?? Math.floor(this.ttlMs / 3), (handle) =>
      this.connector.read((c) => renewLease(c, this.key, handle, this.ttlMs)),
    );
  }

  private get key(): string {
    return this.target.releaseKey;
  }

  describe(): string {
    return `${this.target.redacted.replace(/\?.*$/, '')}?release=${encodeURIComponent(this.key)}`;
  }

  async init(): Promise<void> {
    this.schemaReady ??= ensureSchema(this.connector).catch((error: unknown) => {
      this.schemaReady = undefined; // let the next call try again (e.g. after a network blip)
      throw error;
    });
    await this.schemaReady;
  }

  private async tx<T>(work: (c: PoolClient) => Promise<T>): Promise<T> {
    await this.init();
    return this.connector.transaction(work, this.beforeCommit);
  }

  private async query<T>(work: (c: PoolClient) => Promise<T>): Promise<T> {
    await this.init();
    return this.connector.read(work);
  }

  async read(): Promise<ReleaseState | null> {
    const { rows } = await this.query((c) =>
      c.query<{ doc: unknown; serial: string; lineage: string }>(
        'SELECT doc, serial, lineage FROM rollout_state WHERE release_key = $1',
        [this.key],
      ),
    );
    const row = rows[0];
    if (!row) return null;
    const doc = await assertStateDocument(row.doc, this.describe());
    if (Number(row.serial) !== doc.serial || row.lineage !== doc.lineage) {
      throw new StateCorruptError(
        this.describe(),
        `the stored document disagrees with its columns (serial ${row.serial} vs ${doc.serial}, or another lineage)`,
      );
    }
    return doc;
  }

  async write(next: ReleaseState, guard: { expectSerial: number; lock: LockHandle }): Promise<ReleaseState> {
    return (await this.writeWithAudit(next, guard)).state;
  }

  /**
   * `write` and, in the same transaction, the audit entry documenting it (`stateSerial` is filled
   * in): either both are stored or neither, so the log never misses a serial.
   */
  async writeWithAudit(
    next: ReleaseState,
    guard: { expectSerial: number; lock: LockHandle },
    audit?: AuditInput,
  ): Promise<{ state: ReleaseState; entry?: AuditEntry }> {
    return this.tx(async (c) => {
      await assertLeaseHeld(c, this.key, guard.lock);
      const { rows } = await c.query<{ serial: string; lineage: string }>(
        'SELECT serial, lineage FROM rollout_state WHERE release_key = $1 FOR UPDATE',
        [this.key],
      );
      const actual = rows[0] ? Number(rows[0].serial) : 0;
      if (actual !== guard.expectSerial) throw new StaleStateError(guard.expectSerial, actual);
      if (rows[0] && rows[0].lineage !== next.lineage) throw new StaleStateError(guard.expectSerial, actual, 'lineage');
      const state: ReleaseState = { ...next, serial: guard.expectSerial + 1 };
      await upsertState(c, this.key, state, guard.expectSerial);
      const entry = audit
        ? await insertAuditEntry(c, this.key, { ...audit, stateSerial: state.serial }, this.now(), this.describe())
        : undefined;
      return entry ? { state, entry } : { state };
    });
  }

  async acquireLock(info: { actor: string; operation: string; host?: string }): Promise<LeaseHandle> {
    const record: LockInfo = {
      actor: info.actor,
      operation: info.operation,
      pid: process.pid,
      host: info.host ?? this.hostname,
      startedAt: this.now(),
      token: randomUUID(),
    };
    const handle = await this.tx(async (c) => {
      const row = await selectLeaseForUpdate(c, this.key);
      if (!row) {
        const fencing = await insertLease(c, this.key, record, this.ttlMs);
        if (fencing === null) throw new LockBusyError((await readLease(c, this.key)) ?? record);
        return { token: record.token, info: record, fencing };
      }
      if (row.live && !this.isDeadHere(row.holder)) throw new LockBusyError(row.holder!);
      const fencing = await takeLease(c, this.key, record, this.ttlMs);
      if (!row.token || !row.holder) return { token: record.token, info: record, fencing };
      const why = row.live
        ? `previous holder (pid ${row.holder.pid} on ${row.holder.host}) is no longer running`
        : `the previous holder's lease expired (${row.holder.actor}, pid ${row.holder.pid} on ${row.holder.host})`;
      await insertAuditEntry(
        c,
        this.key,
        {
          actor: info.actor,
          op: 'lock:takeover',
          reason: why,
          data: { previous: row.holder, operation: info.operation },
        },
        this.now(),
        this.describe(),
      );
      return { token: record.token, info: record, fencing, takenOverFrom: row.holder };
    });
    this.renewer.start(handle);
    return handle;
  }

  async releaseLock(handle: LockHandle): Promise<boolean> {
    this.renewer.stop(handle.token);
    const freed = await this.tx((c) => freeLease(c, this.key, handle.token));
    return freed !== null;
  }

  readLock(): Promise<LockInfo | null> {
    return this.query((c) => readLease(c, this.key));
  }

  forceUnlock(): Promise<LockInfo | null> {
    return this.tx((c) => freeLease(c, this.key, null));
  }

  appendAudit(entry: AuditInput): Promise<AuditEntry> {
    return this.tx((c) => insertAuditEntry(c, this.key, entry, this.now(), this.describe()));
  }

  readAudit(): Promise<AuditEntry[]> {
    return this.query((c) => selectAuditEntries(c, this.key));
  }

  /** The chain check, reading the log a page of rows at a time. */
  async verifyAudit(): Promise<AuditVerification> {
    await this.init();
    return verifyAuditStreaming(this.connector, this.key);
  }

  /** The last `limit` entries, through the (release_key, id) index: the cost does not grow with the log. */
  readAuditTail(limit: number): Promise<AuditTailRead> {
    return this.query((c) => selectAuditTail(c, this.key, limit));
  }

  /** The highest documented state serial, through the stateSerial index (schema version 2). */
  readLastAuditedSerial(): Promise<number> {
    return this.query((c) => selectLastAuditedSerial(c, this.key));
  }

  /** Every entry in order, a page of rows at a time (the report). */
  async scanAudit(visit: (entry: AuditEntry) => void): Promise<void> {
    await this.scanAuditAfter(null, visit);
  }

  /** The entries after an anchored row (the report's checkpoint), through the primary key. */
  async scanAuditAfter(
    anchor: AuditAnchor | null,
    visit: (entry: AuditEntry) => void,
  ): Promise<{ resumed: boolean; anchor: AuditAnchor | null }> {
    await this.init();
    return scanAuditRowsAfter(this.connector, this.key, anchor, visit);
  }

  /**
   * Store a release copied from another backend exactly as it is (same serial, lineage and audit
   * entries, so hashes still verify). Refused unless the target is empty, or `replace` is set.
   */
  async importRelease(
    state: ReleaseState,
    entries: readonly AuditEntry[],
    guard: { lock: LockHandle; replace: boolean },
  ): Promise<void> {
    await this.tx(async (c) => {
      await assertLeaseHeld(c, this.key, guard.lock);
      const { rows } = await c.query<{ serial: string }>(
        'SELECT serial FROM rollout_state WHERE release_key = $1 FOR UPDATE',
        [this.key],
      );
      if (rows[0] && !guard.replace) throw new StaleStateError(0, Number(rows[0].serial));
      const audited = await c.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM rollout_audit WHERE release_key = $1',
        [this.key],
      );
      if ((audited.rows[0]?.n ?? 0) > 0 && !guard.replace)
        throw new AuditWriteError(
          this.describe(),
          `it already holds ${audited.rows[0]?.n} audit entries for this release`,
        );
      if (guard.replace) {
        await c.query('DELETE FROM rollout_state WHERE release_key = $1', [this.key]);
        await c.query('DELETE FROM rollout_audit WHERE release_key = $1', [this.key]);
      }
      await c.query('INSERT INTO rollout_state (release_key, serial, lineage, doc) VALUES ($1, $2, $3, $4)', [
        this.key,
        state.serial,
        state.lineage,
        JSON.stringify(state),
      ]);
      await insertAuditVerbatim(c, this.key, entries);
    });
  }

  /** Stop lease renewals and close the connections. */
  async close(): Promise<void> {
    this.renewer.stopAll();
    await this.connector.end();
  }

  private now(): string {
    return this.clock.now().toISOString();
  }

  /** Same rule as the file lock: only a holder on this host whose pid is certainly gone is dead. */
  private isDeadHere(holder: LockInfo | null): boolean {
    return holder !== null && holder.host === this.hostname && !isProcessAlive(holder.pid);
  }
}

async function upsertState(c: PoolClient, key: string, state: ReleaseState, expectSerial: number): Promise<void> {
  const doc = JSON.stringify(state);
  if (expectSerial === 0) {
    await c.query('INSERT INTO rollout_state (release_key, serial, lineage, doc) VALUES ($1, $2, $3, $4)', [
      key,
      state.serial,
      state.lineage,
      doc,
    ]);
    return;
  }
  const { rowCount } = await c.query(
    'UPDATE rollout_state SET serial = $2, lineage = $3, doc = $4, updated_at = now() WHERE release_key = $1 AND serial = $5',
    [key, state.serial, state.lineage, doc, expectSerial],
  );
  if (rowCount !== 1) throw new StaleStateError(expectSerial, -1);
}
