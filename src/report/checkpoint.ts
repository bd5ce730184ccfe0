import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import v8 from 'node:v8';
import type { RawConfig } from '../config/schema.js';
import type { AuditAnchor, AuditHistory } from '../state/audit-access.js';
import { writeFileAtomic } from '../state/atomic-file.js';
import type { AuditEntry } from '../state/store.js';
import type { ReleaseState } from '../state/types.js';
import { ReportBuilder, type ReleaseReport, type ReportBuilderData } from './build-report.js';
import { REPORT_LIMITS, type ReportLimits } from './timeline.js';

/**
 * Report checkpoints: the report builder's running totals after the last entry a report read, so the
 * next report reads only the entries appended since. The cost of `rollout report` then depends on
 * what happened since the previous report, not on the length of the history.
 *
 * A checkpoint is used only when everything it was computed from still holds: the same rollout
 * version and checkpoint format, the same plan and limits, a state whose history starts with the
 * history the checkpoint saw, and a log that still holds the anchored entry (seq and hash; for a file,
 * at the same byte offsets). Anything else, including a damaged or unreadable checkpoint file, means
 * the report is built from the first entry and a new checkpoint replaces the old one. Trusting the
 * prefix is what makes it cheap: an entry edited in place before the anchor is not seen by the next
 * report (`rollout log --verify` is what detects that), and `report --no-checkpoint` rebuilds.
 */
export const CHECKPOINT_FORMAT = 2;

/** Bigger than any checkpoint this code writes (the builder holds a bounded number of events). */
const MAX_CHECKPOINT_BYTES = 256 * 1024 * 1024;
const DIGEST_BYTES = 32;

interface Saved {
  format: number;
  version: string;
  plan: string;
  limits: string;
  /** Entries folded in, from the first. */
  entries: number;
  anchor: AuditAnchor;
  builder: ReportBuilderData;
}

export interface CheckpointKey {
  version: string;
  config: RawConfig;
  limits: ReportLimits;
}

const sha256 = (data: string | Uint8Array): Buffer => createHash('sha256').update(data).digest();

function identity(key: CheckpointKey): { version: string; plan: string; limits: string } {
  return {
    version: key.version,
    plan: sha256(JSON.stringify(key.config)).toString('hex'),
    limits: JSON.stringify(key.limits),
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The checkpoint in `file` when it is intact and was made for this key; null otherwise (never throws). */
export async function loadCheckpoint(file: string, key: CheckpointKey): Promise<Saved | null> {
  let bytes: Buffer;
  try {
    const fh = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      const info = await fh.stat();
      if (!info.isFile() || info.size <= DIGEST_BYTES || info.size > MAX_CHECKPOINT_BYTES) return null;
      bytes = Buffer.alloc(info.size);
      const { bytesRead } = await fh.read(bytes, 0, info.size, 0);
      if (bytesRead !== info.size) return null;
    } finally {
      await fh.close();
    }
  } catch {
    return null;
  }
  const payload = bytes.subarray(DIGEST_BYTES);
  if (!sha256(payload).equals(bytes.subarray(0, DIGEST_BYTES))) return null;
  let saved: unknown;
  try {
    saved = v8.deserialize(payload);
  } catch {
    return null;
  }
  const want = identity(key);
  if (
    !isRecord(saved) ||
    saved.format !== CHECKPOINT_FORMAT ||
    saved.version !== want.version ||
    saved.plan !== want.plan ||
    saved.limits !== want.limits
  )
    return null;
  if (!Number.isSafeInteger(saved.entries) || !isRecord(saved.anchor) || !isRecord(saved.builder)) return null;
  return saved as unknown as Saved;
}

/** Replace the checkpoint in `file` (written whole or not at all: a scratch file renamed over it, mode 0600). */
export async function saveCheckpoint(
  file: string,
  key: CheckpointKey,
  entries: number,
  anchor: AuditAnchor,
  builder: ReportBuilderData,
): Promise<void> {
  const saved: Saved = { format: CHECKPOINT_FORMAT, ...identity(key), entries, anchor, builder };
  const payload = v8.serialize(saved);
  await writeFileAtomic(file, Buffer.concat([sha256(payload), payload]), { dirMode: 0o700 });
}

/** How a report read the log. */
export interface HistoryRead {
  /** Entries the report covers, from the first. */
  entries: number;
  /** Entries read this time (all of them unless a checkpoint was used). */
  read: number;
  /** True when the report went on from a checkpoint. */
  resumed: boolean;
  /** Why a checkpoint that was there could not be used (absent when none was there or it was used). */
  rebuiltBecause?: string;
  /** Set when the new checkpoint could not be written (the report itself is complete). */
  checkpointError?: string;
}

export interface IncrementalReportOptions {
  config: RawConfig;
  state: ReleaseState | null;
  history: AuditHistory;
  now: Date;
  version: string;
  /** Where the checkpoint lives; null: read the whole log and keep no checkpoint. */
  file: string | null;
  limits?: ReportLimits;
}

/**
 * The release report, going on from the checkpoint when it still holds, then leaving a checkpoint
 * at the last entry read. The report is the same as one built from the first entry (tested in
 * test/unit/report/checkpoint.test.ts).
 */
export async function buildReportIncrementally(
  options: IncrementalReportOptions,
): Promise<{ report: ReleaseReport; history: HistoryRead }> {
  const { config, state, history, now, file } = options;
  const limits = options.limits ?? REPORT_LIMITS;
  const key: CheckpointKey = { version: options.version, config, limits };
  let saved = file ? await loadCheckpoint(file, key) : null;
  let rebuiltBecause: string | undefined;
  if (saved && !ReportBuilder.canResume(state, saved.builder)) {
    saved = null;
    rebuiltBecause = 'the release state no longer extends the history the checkpoint saw';
  }
  let builder = new ReportBuilder(config, state, now, limits, saved?.builder);
  let read = 0;
  const visit = (entry: AuditEntry): void => {
    read += 1;
    builder.add(entry);
  };
  let scan = await history.scanAfter(saved?.anchor ?? null, visit);
  if (!scan.resumed) {
    // Nothing was visited: the log no longer holds the anchored entry where it was.
    saved = null;
    rebuiltBecause = 'the audit log no longer holds the entry the checkpoint ends at';
    builder = new ReportBuilder(config, state, now, limits);
    scan = await history.scanAfter(null, visit);
  }
  const result: HistoryRead = {
    entries: (saved?.entries ?? 0) + read,
    read,
    resumed: saved !== null,
    ...(rebuiltBecause ? { rebuiltBecause } : {}),
  };
  // Saved before `finish`, which settles what is still open against the clock and the state.
  if (file && scan.anchor && (read > 0 || !saved)) {
    try {
      await saveCheckpoint(file, key, result.entries, scan.anchor, builder.data());
    } catch (error) {
      result.checkpointError = (error as Error).message;
    }
  }
  return { report: builder.finish(), history: result };
}
