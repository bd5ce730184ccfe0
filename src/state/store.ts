import type { ReleaseState } from './types.js';

/** Source of the current time; injected so tests and timestamps agree. */
export interface Clock {
  now(): Date;
}

/** Who holds the release lock. Shown to anyone who finds the lock busy. */
export interface LockInfo {
  /** Who took the lock (`--actor`). */
  actor: string;
  /** The command that holds it, e.g. `advance`. */
  operation: string;
  /** Process id of the holder, meaningful on `host` only. */
  pid: number;
  /** Host the holder runs on; dead holders are detected only when this is the current host. */
  host: string;
  /** ISO time the lock was taken. */
  startedAt: string;
  /** Random nonce identifying this acquisition; the fencing check compares it on every write. */
  token: string;
}

/** Proof of holding the release lock; pass it to `write` and `releaseLock`. */
export interface LockHandle {
  /** Nonce of this acquisition (equal to `info.token`). */
  readonly token: string;
  /** What was recorded in the lock. */
  readonly info: LockInfo;
  /** Set when the lock was taken over from a holder found dead on this host (already audited). */
  readonly takenOverFrom?: LockInfo;
}

/** What a caller supplies to append an audit entry; the store adds seq, ts, prev and hash. */
export interface AuditInput {
  /** Who did it. */
  actor: string;
  /** What was done, e.g. `advance`, `rollback`, `unlock:force`. */
  op: string;
  /** The operator's reason (required by the CLI for overrides). */
  reason?: string;
  /** Details, already redacted by the caller: secrets must never reach the log. */
  data?: unknown;
  /** The state serial the operation produced (write the state first, then the audit entry). */
  stateSerial?: number;
}

/** One entry of the hash-chained audit log. */
export interface AuditEntry extends AuditInput {
  /** Format version of the entry. */
  v: 1;
  /** 1-based position in the log; contiguous. */
  seq: number;
  /** ISO time the entry was written. */
  ts: string;
  /** `hash` of the previous entry, or the genesis hash for seq 1. */
  prev: string;
  /** `sha256:<hex>` over the canonical JSON of this entry without `hash`. */
  hash: string;
}

/** Kinds of audit damage `verifyAudit` tells apart. */
export type AuditProblemKind =
  | 'edited' // an entry's content no longer matches its hash, or was re-hashed (next entry's prev disagrees)
  | 'deleted' // a seq is missing
  | 'reordered' // entries are not in seq order
  | 'duplicate' // the same seq appears twice
  | 'malformed' // a complete line in the middle is not a valid entry
  | 'truncated-tail'; // the last line is incomplete: a crash mid-append, repaired by the next append

/** One problem found by `verifyAudit`. */
export interface AuditProblem {
  kind: AuditProblemKind;
  /** 1-based line number in the log (for the file backend) or row position. */
  line: number;
  /** The seq concerned, when known (for `deleted`: the missing seq). */
  seq?: number;
  /** Human explanation. */
  message: string;
}

/** Result of checking the audit log's hash chain. */
export interface AuditVerification {
  /** True when the log is intact: no problems at all. */
  ok: boolean;
  /** True when some problem other than `truncated-tail` was found (someone changed the log). */
  tampered: boolean;
  /** Number of complete, parseable entries. */
  entries: number;
  /** Hash of the last entry (the head to anchor elsewhere), or null for an empty log. */
  head: string | null;
  /** Every problem found, in line order. */
  problems: AuditProblem[];
}

/**
 * Where a release's state, lock and audit log live. The file backend keeps them in a directory;
 * a PostgreSQL backend implements the same contract for teams whose pipelines run on many hosts.
 *
 * Contract for callers: take the lock, read, write with `{ expectSerial: <serial read>, lock }`,
 * then append the audit entry carrying the new `stateSerial`, then release the lock.
 */
export interface StateStore {
  /** Where the state lives, for messages: e.g. `file:/repo/.rollout`. */
  describe(): string;
  /** Prepare the backend (create the directory / tables). Optional: other methods prepare lazily. */
  init?(): Promise<void>;
  /** The current state, or null when the release has never been written. */
  read(): Promise<ReleaseState | null>;
  /**
   * Atomically replace the state. Fails with `StaleStateError` unless the stored serial equals
   * `expectSerial` (0 when no state exists) and the lineage matches, with `LockLostError` unless
   * `lock` still holds the lock. Stores and returns `next` with `serial = expectSerial + 1`.
   */
  write(next: ReleaseState, guard: { expectSerial: number; lock: LockHandle }): Promise<ReleaseState>;
  /**
   * Take the release lock or throw `LockBusyError` with the holder. A holder whose process is dead
   * on this host is taken over, and the takeover is written to the audit log.
   */
  acquireLock(info: { actor: string; operation: string; host?: string }): Promise<LockHandle>;
  /** Release the lock if this handle still holds it; false when it no longer did. */
  releaseLock(handle: LockHandle): Promise<boolean>;
  /** The current holder, or null. */
  readLock(): Promise<LockInfo | null>;
  /** Remove the lock whoever holds it and return who did; the caller audits this with a reason. */
  forceUnlock(): Promise<LockInfo | null>;
  /** Append one entry to the hash-chained audit log (repairing a torn tail first). */
  appendAudit(entry: AuditInput): Promise<AuditEntry>;
  /** Every complete entry in log order (a torn last line is left out). */
  readAudit(): Promise<AuditEntry[]>;
  /** Recompute the chain and report edited, deleted, reordered entries and a torn tail. */
  verifyAudit(): Promise<AuditVerification>;
}
