import type { LockInfo } from './store.js';

/** Base class of every state-layer error; `code` is stable and is what callers and tests match on. */
export abstract class StateError extends Error {
  abstract readonly code: string;
}

/** Another operation holds the release lock. */
export class LockBusyError extends StateError {
  readonly code = 'E_LOCK_BUSY';
  constructor(readonly holder: LockInfo) {
    super(
      holder.token === '' && holder.pid === 0
        ? 'release lock file exists but does not name its holder (damaged or written by hand); if no rollout operation is running, `rollout unlock --force --reason "…"` removes it'
        : `release lock is held by ${holder.actor} (${holder.operation}, pid ${holder.pid} on ${holder.host}, since ${holder.startedAt})`,
    );
    this.name = 'LockBusyError';
  }
}

/** The lock this handle took is no longer ours (force-unlocked or taken over): the write is refused. */
export class LockLostError extends StateError {
  readonly code = 'E_LOCK_LOST';
  constructor(
    readonly token: string,
    readonly holder: LockInfo | null,
  ) {
    super(
      holder
        ? `release lock was lost: now held by ${holder.actor} (${holder.operation}, token ${holder.token})`
        : 'release lock was lost: it was removed while this operation held it',
    );
    this.name = 'LockLostError';
  }
}

/** The stored state is not the one the writer read (another writer won, or another release history). */
export class StaleStateError extends StateError {
  readonly code = 'E_STATE_STALE';
  constructor(
    readonly expectedSerial: number,
    readonly actualSerial: number,
    readonly reason: 'serial' | 'lineage' = 'serial',
  ) {
    super(
      reason === 'serial'
        ? `state changed underneath: expected serial ${expectedSerial}, found ${actualSerial}; re-read and retry`
        : `state belongs to another release history (lineage differs); refusing to overwrite`,
    );
    this.name = 'StaleStateError';
  }
}

/** A defect of a state document at a position (the same shape as a plan's problems, printed `file:line:col: message`). */
export interface StateProblem {
  file: string;
  line: number;
  col: number;
  message: string;
}

/**
 * A state file exists but cannot be understood (or the state location is not a directory of files).
 * `problems` lists every defect of the document with its position, when there is a document at all.
 */
export class StateCorruptError extends StateError {
  readonly code = 'E_STATE_CORRUPT';
  readonly problems: StateProblem[];
  constructor(
    readonly path: string,
    detail: string,
    options?: { cause?: unknown; problems?: StateProblem[] },
  ) {
    super(
      `state ${path} cannot be used: ${detail}`,
      options?.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = 'StateCorruptError';
    this.problems = options?.problems ?? [];
  }
}

/** A state or lock path is a symbolic link: following it could read or clobber a file outside the state directory. */
export class StateUnsafePathError extends StateError {
  readonly code = 'E_STATE_UNSAFE';
  constructor(
    readonly path: string,
    detail: string,
  ) {
    super(`refusing to use ${path}: ${detail}`);
    this.name = 'StateUnsafePathError';
  }
}

/** An audit entry could not be written (or the log's tail is damaged in a way that is not a crash). */
export class AuditWriteError extends StateError {
  readonly code = 'E_AUDIT_WRITE';
  constructor(
    readonly path: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`cannot append to audit log ${path}: ${detail}`, options);
    this.name = 'AuditWriteError';
  }
}

/** The `--state` URL could not be understood. */
export class StateUrlError extends StateError {
  readonly code = 'E_STATE_URL';
  constructor(
    readonly url: string,
    detail: string,
  ) {
    super(`invalid --state URL '${url}': ${detail} (expected file:.rollout, file:/abs/dir or postgres://…)`);
    this.name = 'StateUrlError';
  }
}

/** The `--state` URL names a backend this build cannot use yet. */
export class StateBackendUnavailableError extends StateError {
  readonly code = 'E_STATE_BACKEND_UNAVAILABLE';
  constructor(readonly scheme: string) {
    super(`the ${scheme} state backend is not available yet; use --state file:<dir>`);
    this.name = 'StateBackendUnavailableError';
  }
}
