import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AUDIT_GENESIS, parseAuditLog, verifyAuditLog } from './audit-chain.js';
import { readAuditText } from './audit-file.js';
import { visitLinesForward } from './audit-lines.js';
import { openAuditForRead } from './audit-open.js';
import { LinearChain } from './audit-verify-file.js';
import type { AuditProblem, AuditVerification } from './store.js';

/**
 * `log --verify` on a long log, on two cores: the file is cut in two at a line boundary, the second
 * half is checked in a worker thread while this thread checks the first, and the halves are joined
 * at the seam (the first entry of the second half must be the next seq and link to the last hash of
 * the first). The findings are exactly those of the single pass (tests compare them at every cut).
 */

/** Below this size one pass is quicker than starting a worker. */
export const SPLIT_MIN_BYTES = 16 * 1024 * 1024;
const NEWLINE = 0x0a;

/** What one part of the file says; line numbers are relative to the part. */
export interface RangeResult {
  lines: number;
  pending: string;
  linear: boolean;
  first: LinearChain['first'];
  entries: number;
  head: string | null;
  lastLine: number;
  malformed: number[];
  content: AuditProblem[];
  chain: AuditProblem[];
}

/** Checks the lines in bytes [start, end) of the log; `floating` for every part but the first. */
export async function verifyRange(file: string, start: number, end: number, floating: boolean): Promise<RangeResult> {
  const fh = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  const chain = new LinearChain(floating);
  try {
    const read = await visitLinesForward(fh, (line, lineNo) => chain.add(line, lineNo), { start, end });
    return {
      lines: read.lines,
      pending: read.pending,
      linear: read.finished,
      first: chain.first,
      entries: chain.entries,
      head: chain.head,
      lastLine: chain.lastLine,
      malformed: chain.malformed,
      content: chain.content,
      chain: chain.chain,
    };
  } finally {
    await fh.close();
  }
}

/** The offset just after the first newline at or after `at`, or null when there is none before the end. */
async function lineBoundary(fh: FileHandle, at: number, size: number): Promise<number | null> {
  const buf = Buffer.allocUnsafe(64 * 1024);
  for (let pos = at; pos < size; pos += buf.length) {
    const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
    const nl = buf.subarray(0, bytesRead).indexOf(NEWLINE);
    if (nl !== -1) return pos + nl + 1 < size ? pos + nl + 1 : null;
    if (bytesRead === 0) return null;
  }
  return null;
}

/**
 * The bundled worker (dist/bundle/audit-verify-worker.js), found from the bundle or from the compiled
 * modules in dist/; null when running from the TypeScript sources (the part then runs in this thread).
 */
function workerFile(): string | null {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 3; i++) {
    if (path.basename(dir) === 'bundle') return path.join(dir, 'audit-verify-worker.js');
    if (path.basename(dir) === 'dist') return path.join(dir, 'bundle', 'audit-verify-worker.js');
    dir = path.dirname(dir);
  }
  return null;
}

async function verifyRangeElsewhere(file: string, start: number, end: number): Promise<RangeResult> {
  const worker = workerFile();
  if (!worker) return verifyRange(file, start, end, true);
  const { existsSync } = await import('node:fs');
  if (!existsSync(worker)) return verifyRange(file, start, end, true);
  const { Worker } = await import('node:worker_threads');
  return new Promise<RangeResult>((resolve, reject) => {
    const w = new Worker(worker, { workerData: { file, start, end } });
    w.once('message', (m: { ok: boolean; result?: RangeResult; error?: string }) => {
      void w.terminate();
      if (m.ok && m.result) resolve(m.result);
      else reject(new Error(m.error ?? 'the verify worker failed'));
    });
    w.once('error', reject);
  });
}

const shift = (p: AuditProblem, by: number): AuditProblem => ({
  ...p,
  line: p.line + by,
  message: p.message.replace(/\(line (\d+)\)/, (_m, n: string) => `(line ${Number(n) + by})`),
});

/**
 * Verifies a long log in two parts; null when the file is short (or `splitAt` is null) and one pass
 * should do it. `splitAt` (tests) chooses where to cut; the cut moves to the next line start.
 */
export async function verifySplit(file: string, splitAt: number | null | undefined): Promise<AuditVerification | null> {
  if (splitAt === null) return null;
  const fh = await openAuditForRead(file);
  if (!fh) return null;
  let cut: number | null;
  let size: number;
  try {
    size = (await fh.stat()).size;
    if (splitAt === undefined && size < SPLIT_MIN_BYTES) return null;
    cut = await lineBoundary(fh, Math.max(0, Math.min(size, splitAt ?? Math.floor(size / 2))), size);
  } finally {
    await fh.close();
  }
  if (cut === null) return null;
  const [a, b] = await Promise.all([verifyRange(file, 0, cut, false), verifyRangeElsewhere(file, cut, size)]);
  const reference = async () => verifyAuditLog(parseAuditLog(await readAuditText(file)));
  if (!a.linear || !b.linear) return reference();
  const joined = new LinearChain();
  joined.malformed.push(...a.malformed, ...b.malformed.map((l) => l + a.lines));
  joined.content.push(...a.content, ...b.content.map((p) => shift(p, a.lines)));
  joined.chain.push(...a.chain);
  joined.entries = a.entries;
  joined.head = a.head;
  if (b.first) {
    const { seq, prev, intact, line } = b.first;
    if (seq !== a.entries + 1) return reference();
    const at = line + a.lines;
    if (intact && prev !== (a.head ?? AUDIT_GENESIS)) {
      joined.chain.push(
        seq === 1
          ? {
              kind: 'edited',
              line: at,
              seq,
              message: 'entry seq 1 does not start from the genesis hash: the start of the log was replaced',
            }
          : {
              kind: 'edited',
              line: a.lastLine,
              seq: seq - 1,
              message: `entry seq ${seq - 1} was rewritten and re-hashed: seq ${seq} (line ${at}) recorded a different hash for it`,
            },
      );
    }
    joined.chain.push(...b.chain.map((p) => shift(p, a.lines)));
    joined.entries = b.entries;
    joined.head = b.head;
  }
  return joined.result(b.pending === '' ? null : a.lines + b.lines + 1);
}
