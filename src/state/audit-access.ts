import type { FileHandle } from 'node:fs/promises';
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
  /**
   * The parseable entries after `anchor` (all of them when null), in log order, at a cost that grows
   * with what follows the anchor only. `resumed` is false, and nothing was visited, when the log no
   * longer holds the anchored entry where it was (rewritten, replaced, truncated). The returned anchor
   * is that of the last entry visited (the given one when there was none).
   */
  scanAfter(
    anchor: AuditAnchor | null,
    visit: (entry: AuditEntry) => void,
  ): Promise<{ resumed: boolean; anchor: AuditAnchor | null }>;
  /** Same findings as `StateStore.verifyAudit`, streamed. */
  verify(): Promise<AuditVerification>;
  /** Throws when the log cannot be used at all (a symlinked audit.jsonl): call before changing anything. */
  check(): Promise<void>;
}

/**
 * Where an entry is in the log, to read on from it: its seq and hash, plus where the backend keeps it
 * (the byte range of its line in a file log, the row id in PostgreSQL).
 */
export interface AuditAnchor {
  seq: number;
  hash: string;
  /** File log: byte offsets of the entry's line, `end` just past its newline. */
  start?: number;
  end?: number;
  /** PostgreSQL: the row's id (bigint as text). */
  row?: string;
}

/** A backend that answers the questions of `AuditHistory` itself (the PostgreSQL store, with indexed queries). */
export interface AuditHistorySource {
  readAuditTail(limit: number): Promise<AuditTailRead>;
  readLastAuditedSerial(): Promise<number>;
  scanAudit(visit: (entry: AuditEntry) => void): Promise<void>;
  scanAuditAfter(
    anchor: AuditAnchor | null,
    visit: (entry: AuditEntry) => void,
  ): Promise<{ resumed: boolean; anchor: AuditAnchor | null }>;
}

function isHistorySource(store: StateStore): store is StateStore & AuditHistorySource {
  const s = store as Partial<AuditHistorySource>;
  return (
    typeof s.readAuditTail === 'function' &&
    typeof s.readLastAuditedSerial === 'function' &&
    typeof s.scanAudit === 'function' &&
    typeof s.scanAuditAfter === 'function'
  );
}

/** The longest line an anchor may span (a larger one cannot be an entry this tool wrote). */
const MAX_ANCHOR_LINE = 64 * 1024 * 1024;

/** True when the file still holds the anchored entry's line, as a whole line, where it was. */
async function anchorHolds(fh: FileHandle, anchor: AuditAnchor, size: number): Promise<boolean> {
  const { start, end } = anchor;
  if (start === undefined || end === undefined || !Number.isSafeInteger(start) || !Number.isSafeInteger(end))
    return false;
  if (start < 0 || end <= start || end > size || end - start > MAX_ANCHOR_LINE) return false;
  // One byte before the line (a newline, unless it is the first) and the line with its newline.
  const from = Math.max(0, start - 1);
  const buf = Buffer.alloc(end - from);
  const { bytesRead } = await fh.read(buf, 0, buf.length, from);
  if (bytesRead !== buf.length || buf[buf.length - 1] !== 0x0a || (start > 0 && buf[0] !== 0x0a)) return false;
  const entry = parseAuditLine(buf.toString('utf8', start - from, buf.length - 1));
  return entry !== null && entry.seq === anchor.seq && entry.hash === anchor.hash;
}

/**
 * Stream the parseable entries of a JSONL log file after `anchor` (from the first when null); a torn
 * last line is left out, as `readAudit` does. See `AuditHistory.scanAfter`.
 */
export async function scanAuditFileAfter(
  path: string,
  anchor: AuditAnchor | null,
  visit: (entry: AuditEntry) => void,
): Promise<{ resumed: boolean; anchor: AuditAnchor | null }> {
  const fh = await openAuditForRead(path);
  if (!fh) return { resumed: anchor === null, anchor: null };
  try {
    // Entries appended while this runs are left for the next scan: they start past `size`.
    const size = (await fh.stat()).size;
    if (anchor && !(await anchorHolds(fh, anchor, size))) return { resumed: false, anchor: null };
    let last = anchor;
    await visitLinesForward(
      fh,
      (line, _lineNo, start, end) => {
        const entry = parseAuditLine(line);
        if (entry) {
          visit(entry);
          last = { seq: entry.seq, hash: entry.hash, start, end };
        }
        return true;
      },
      { start: anchor?.end ?? 0, end: size },
    );
    return { resumed: true, anchor: last };
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
      scan: async (visit) => void (await scanAuditFileAfter(path, null, visit)),
      scanAfter: (anchor, visit) => scanAuditFileAfter(path, anchor, visit),
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
      scanAfter: (anchor, visit) => store.scanAuditAfter(anchor, visit),
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
    scanAfter: async (anchor, visit) => {
      const all = await store.readAudit();
      const from = anchor ? all.findIndex((e) => e.seq === anchor.seq && e.hash === anchor.hash) + 1 : 0;
      if (anchor && from === 0) return { resumed: false, anchor: null };
      for (let i = from; i < all.length; i++) visit(all[i]!);
      const last = all.at(-1);
      return { resumed: true, anchor: from < all.length && last ? { seq: last.seq, hash: last.hash } : anchor };
    },
    verify: () => store.verifyAudit(),
    check: async () => undefined,
  };
}
