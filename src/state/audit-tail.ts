import type { FileHandle } from 'node:fs/promises';
import { parseAuditLine } from './audit-chain.js';
import { openAuditForRead } from './audit-open.js';
import type { AuditEntry } from './store.js';

const CHUNK = 64 * 1024;
const NEWLINE = 0x0a;

/**
 * Visit the complete lines of a file from the last one backwards (text after the last newline is a
 * torn append, not a line), reading 64 KiB at a time, until `visit` returns false. The cost depends
 * on how far back the caller looks, not on the size of the file.
 */
export async function visitLinesBackward(fh: FileHandle, visit: (line: Buffer) => boolean): Promise<void> {
  let pos = (await fh.stat()).size;
  let carry = Buffer.alloc(0);
  let seenNewline = false;
  while (pos > 0) {
    const start = Math.max(0, pos - CHUNK);
    const chunk = Buffer.alloc(pos - start);
    await fh.read(chunk, 0, chunk.length, start);
    pos = start;
    let buf = carry.length ? Buffer.concat([chunk, carry]) : chunk;
    if (!seenNewline) {
      const last = buf.lastIndexOf(NEWLINE);
      if (last === -1) {
        carry = buf;
        continue;
      }
      seenNewline = true;
      buf = buf.subarray(0, last + 1); // drop the torn tail
    }
    // buf ends with '\n'; every line but the first in buf is complete.
    let end = buf.length - 1;
    for (;;) {
      const nl = end > 0 ? buf.lastIndexOf(NEWLINE, end - 1) : -1;
      if (nl === -1) break;
      if (!visit(buf.subarray(nl + 1, end))) return;
      end = nl;
    }
    carry = Buffer.from(buf.subarray(0, end + 1));
  }
  // The first line of the file (carry ends with its newline).
  if (seenNewline && carry.length > 0) visit(carry.subarray(0, carry.length - 1));
}

/** The end of the log: its last `limit` parseable entries, in log order. */
export interface AuditTailRead {
  entries: AuditEntry[];
  /** seq of the last parseable entry: the number of entries when the log is intact; 0 when empty. */
  lastSeq: number;
}

/** The last `limit` parseable entries (lines that are not entries are skipped, as `readAudit` does). */
export async function readAuditTailEntries(path: string, limit: number): Promise<AuditTailRead> {
  const fh = await openAuditForRead(path);
  if (!fh) return { entries: [], lastSeq: 0 };
  const newestFirst: AuditEntry[] = [];
  try {
    if (limit > 0) {
      await visitLinesBackward(fh, (line) => {
        const entry = parseAuditLine(line.toString('utf8'));
        if (entry) newestFirst.push(entry);
        return newestFirst.length < limit;
      });
    }
  } finally {
    await fh.close();
  }
  const lastSeq = newestFirst[0]?.seq ?? 0;
  return { entries: newestFirst.reverse(), lastSeq };
}

/**
 * The state serial the log last documented: `stateSerial` of the newest entry that carries one, or 0.
 * Entries documenting serials are appended in serial order under the release lock (state first,
 * then its entry; a missed entry is backfilled before the next change), so the newest one is the
 * highest; the entries after it (lock takeovers, forced unlocks) are few.
 */
export async function readLastAuditedSerial(path: string): Promise<number> {
  const fh = await openAuditForRead(path);
  if (!fh) return 0;
  let serial = 0;
  try {
    await visitLinesBackward(fh, (line) => {
      const entry = parseAuditLine(line.toString('utf8'));
      if (entry?.stateSerial === undefined) return true;
      serial = entry.stateSerial;
      return false;
    });
  } finally {
    await fh.close();
  }
  return serial;
}
