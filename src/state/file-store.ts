import { randomUUID } from 'node:crypto';
import { mkdir, rename } from 'node:fs/promises';
import { hostname as osHostname } from 'node:os';
import { join, resolve } from 'node:path';
import { parseAuditLog, verifyAuditLog } from './audit-chain.js';
import { appendAuditEntry, readAuditText } from './audit-file.js';
import { writeFileAtomic } from './atomic-file.js';
import { crashPoint } from './crash-points.js';
import { LockLostError, StaleStateError, StateCorruptError } from './errors.js';
import { checkStateDirectory, readStateFileText, toStatePathError } from './fs-guard.js';
import { acquireLockFile, readLockFile, removeLockFile, sweepDeadTempFiles } from './lock-file.js';
import type { AuditEntry, AuditInput, AuditVerification, Clock, LockHandle, LockInfo, StateStore } from './store.js';
import { parseStateText } from './state-document.js';
import type { ReleaseState } from './types.js';

/** Default state directory, relative to the working directory. */
export const DEFAULT_STATE_DIR = '.rollout';

/** Options of the file backend. */
export interface FileStateStoreOptions {
  /** The state directory (created 0700 on first use). */
  dir: string;
  clock: Clock;
  /** This machine's name, compared with a lock's host before judging its pid; default `os.hostname()`. */
  hostname?: string;
}

/**
 * State in a local directory: `state.json` (replaced atomically), `lock.json` (exclusive create)
 * and `audit.jsonl` (hash-chained, append-only). Files are 0600, the directory 0700.
 */
export class FileStateStore implements StateStore {
  readonly dir: string;
  private readonly clock: Clock;
  private readonly hostname: string;
  private readonly statePath: string;
  private readonly lockPath: string;
  private readonly auditPath: string;

  constructor(options: FileStateStoreOptions) {
    this.dir = resolve(options.dir);
    this.clock = options.clock;
    this.hostname = options.hostname ?? osHostname();
    this.statePath = join(this.dir, 'state.json');
    this.lockPath = join(this.dir, 'lock.json');
    this.auditPath = join(this.dir, 'audit.jsonl');
  }

  describe(): string {
    return `file:${this.dir}`;
  }

  async init(): Promise<void> {
    if (await checkStateDirectory(this.dir)) return;
    try {
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOTDIR' || code === 'EEXIST')
        throw new StateCorruptError(this.dir, 'a part of this path is a file, not a directory', { cause: error });
      throw toStatePathError(error, this.dir);
    }
  }

  /** The stored state, checked against the schema (`state-schema.ts`); symbolic links are refused. */
  async read(): Promise<ReleaseState | null> {
    if (!(await checkStateDirectory(this.dir))) return null;
    const text = await readStateFileText(this.statePath);
    return text === null ? null : parseStateText(text, this.statePath);
  }

  async write(next: ReleaseState, guard: { expectSerial: number; lock: LockHandle }): Promise<ReleaseState> {
    await this.assertLockHeld(guard.lock);
    const current = await this.read();
    const actual = current?.serial ?? 0;
    if (actual !== guard.expectSerial) throw new StaleStateError(guard.expectSerial, actual);
    if (current && current.lineage !== next.lineage) throw new StaleStateError(guard.expectSerial, actual, 'lineage');
    const stored: ReleaseState = { ...next, serial: guard.expectSerial + 1 };
    await writeFileAtomic(this.statePath, `${JSON.stringify(stored, null, 2)}\n`, { crashPoints: true });
    return stored;
  }

  /**
   * Put `next` in place of a `state.json` that cannot be used (`rollout state repair`), holding the lock.
   * Whatever is there now (garbage, a directory, a link) is renamed aside, never deleted or followed;
   * returns that copy's path, or null when there was nothing.
   */
  async replaceUnusableState(next: ReleaseState, lock: LockHandle): Promise<string | null> {
    await this.assertLockHeld(lock);
    const aside = `${this.statePath}.broken-${this.clock.now().toISOString().replace(/[:.]/g, '-')}`;
    let moved: string | null = aside;
    await rename(this.statePath, aside).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw toStatePathError(error, this.statePath);
      moved = null;
    });
    await writeFileAtomic(this.statePath, `${JSON.stringify(next, null, 2)}\n`, { crashPoints: true });
    return moved;
  }

  async acquireLock(info: { actor: string; operation: string; host?: string }): Promise<LockHandle> {
    await this.init();
    const record: LockInfo = {
      actor: info.actor,
      operation: info.operation,
      pid: process.pid,
      host: info.host ?? this.hostname,
      startedAt: this.clock.now().toISOString(),
      token: randomUUID(),
    };
    const { takenOverFrom } = await acquireLockFile(this.lockPath, record, this.hostname);
    crashPoint('lock:after-create');
    const handle: LockHandle = takenOverFrom
      ? { token: record.token, info: record, takenOverFrom }
      : { token: record.token, info: record };
    try {
      // Holding the lock, nobody else writes state: scratch files of dead processes are garbage.
      await sweepDeadTempFiles(this.dir);
      if (takenOverFrom) {
        await this.appendAudit({
          actor: info.actor,
          op: 'lock:takeover',
          reason: `previous holder (pid ${takenOverFrom.pid} on ${takenOverFrom.host}) is no longer running`,
          data: { previous: takenOverFrom, operation: info.operation },
        });
      }
    } catch (error) {
      await this.releaseLock(handle);
      throw error;
    }
    return handle;
  }

  async releaseLock(handle: LockHandle): Promise<boolean> {
    const holder = await readLockFile(this.lockPath);
    if (holder?.token !== handle.token) return false;
    const removed = await removeLockFile(this.lockPath);
    return removed?.token === handle.token;
  }

  readLock(): Promise<LockInfo | null> {
    return readLockFile(this.lockPath);
  }

  forceUnlock(): Promise<LockInfo | null> {
    return removeLockFile(this.lockPath);
  }

  async appendAudit(entry: AuditInput): Promise<AuditEntry> {
    await this.init();
    return appendAuditEntry(this.auditPath, entry, { clock: this.clock, hostname: this.hostname });
  }

  async readAudit(): Promise<AuditEntry[]> {
    return parseAuditLog(await readAuditText(this.auditPath)).entries.map((e) => e.entry);
  }

  async verifyAudit(): Promise<AuditVerification> {
    return verifyAuditLog(parseAuditLog(await readAuditText(this.auditPath)));
  }

  /** Fencing: the write is refused unless the lock on disk is still the one this handle took. */
  private async assertLockHeld(handle: LockHandle): Promise<void> {
    const holder = await readLockFile(this.lockPath);
    if (holder?.token !== handle.token) throw new LockLostError(handle.token, holder);
  }
}
