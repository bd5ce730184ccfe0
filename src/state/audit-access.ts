import { join } from 'node:path';
import { parseAuditLine } from './audit-chain.js';
import { visitLinesForward } from './audit-lines.js';
import { openAuditForRead } from './audit-open.js';
import { readAuditTailEntries, readLastAuditedSerial, type AuditTailRead } from './audit-tail.js';
import { verifyAuditFile } from './audit-verify-file.js';
import { FileStateStore } from './file-store.js';
import type { AuditEntry, AuditVerification, StateStore } from './store.js';

export type { AuditTailRead } from './audit-tail.js';

/**
 * Reading the audit log at a cost that does not grow with its history, except where the whole log
 * is the point (`scan`, `verify`), which stream it in bounded memory. `status`, `advance`,
 * `rollback` and `log --limit` use only `tail` and `lastAuditedSerial`.
 */
export interface AuditHistory {
  /** The last `limit` entries in log order, and the seq of the last one. */
  tail(limit: number): Promise<AuditTailRead>;
  /** The state serial the log last documented (0 when none): what `backfillAudit` compares. */
  lastAuditedSerial(): Promise<number>;
  /** Every parseable entry in log order, one at a time (what `readAudit` returns, not held in memory). */
  scan(visit: (entry: AuditEntry) => void): Promise<void>;
  /** Same findings as `StateStore.verifyAudit`, streamed. */
  verify(): Promise<AuditVerification>;
  /** Throws when the log cannot be used at all (a symlinked audit.jsonl): call before changing anything. */
  check(): Promise<void>;
}

/** A backend that answers the questions of `AuditHistory` itself (the PostgreSQL store, with indexed queries). */
export interface AuditHistorySource {
  readAuditTail(limit: number): Promise<AuditTailRead>;
  readLastAuditedSerial(): Promise<number>;
  scanAudit(visit: (entry: AuditEntry) => void): Promise<void>;
}

function isHistorySource(store: StateStore): store is StateStore & AuditHistorySource {
  const s = store as Partial<AuditHistorySource>;
  return typeof s.readAuditTail === 'function' && typeof s.readLastAuditedSerial === 'function' && typeof s.scanAudit === 'function';
}

/** Stream the parseable entries of a JSONL log file (a torn last line is left out, as `readAudit` does). */
export async function scanAuditFile(path: string, visit: (entry: AuditEntry) => void): Promise<void> {
  const fh = await openAuditForRead(path);
  if (!fh) return;
  try {
    await visitLinesForward(fh, (line) => {
      const entry = parseAuditLine(line);
      if (entry) visit(entry);
      return true;
    });
  } finally {
    await fh.close();
  }
}

/** The cheapest way this store offers to read its audit log. */
export function auditHistoryOf(store: StateStore): AuditHistory {
  if (store instanceof FileStateStore) {
    const path = join(store.dir, 'audit.jsonl');
    return {
      tail: (limit) => readAuditTailEntries(path, limit),
      lastAuditedSerial: () => readLastAuditedSerial(path),
      scan: (visit) => scanAuditFile(path, visit),
      verify: () => verifyAuditFile(path),
      check: async () => {
        const fh = await openAuditForRead(path);
        await fh?.close();
      },
    };
  }
  if (isHistorySource(store)) {
    return {
      tail: (limit) => store.readAuditTail(limit),
      lastAuditedSerial: () => store.readLastAuditedSerial(),
      scan: (visit) => store.scanAudit(visit),
      verify: () => store.verifyAudit(),
      check: async () => undefined,
    };
  }
  // Any other StateStore (test doubles): correct, at the cost of reading everything.
  return {
    tail: async (limit) => {
      const all = await store.readAudit();
      return { entries: all.slice(-limit), lastSeq: all.at(-1)?.seq ?? 0 };
    },
    lastAuditedSerial: async () => (await store.readAudit()).reduce((max, e) => Math.max(max, e.stateSerial ?? 0), 0),
    scan: async (visit) => (await store.readAudit()).forEach((e) => visit(e)),
    verify: () => store.verifyAudit(),
    check: async () => undefined,
  };
}
