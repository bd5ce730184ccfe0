import { createHash } from 'node:crypto';
import { chmod, mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { warn } from '../output/warnings.js';
import { readTextOrNull, writeFileAtomic } from '../state/atomic-file.js';
import type { FlagdDocument } from './types.js';
import { diffDocuments, type FlagDiff } from './diff.js';

// Keep this module light: the kill switch goes through it and must hit the disk within ~300 ms of
// process start, so it imports node built-ins, ./diff.js and the atomic writer only (never flagd-core).

/** Outcome of FlagStore.write. */
export interface FlagWriteResult {
  /** The new document differs from the stored one (true even in dry-run). */
  changed: boolean;
  /** Exactly what differs; empty when unchanged. */
  diff: FlagDiff;
  /** Something was actually persisted (false in dry-run and when unchanged). */
  written: boolean;
  /** The stored document could not be parsed; the diff was computed against an empty store. */
  previousInvalid: boolean;
}

/**
 * Where the flag document that applications evaluate lives. One adapter per backend
 * (today: a flagd JSON file read by the flagd provider in offline file mode).
 *
 * Dry-run is enforced here, not by callers: a store created with `dryRun: true` computes
 * diffs and never changes anything.
 */
export interface FlagStore {
  /** Human-readable location, e.g. the file path, for messages and the audit log. */
  readonly location: string;
  readonly dryRun: boolean;
  /**
   * The stored document, or null when none exists yet.
   * Throws FlagStoreError `FLAG_FILE_INVALID` when the stored content is not a flagd document.
   */
  read(): Promise<FlagdDocument | null>;
  /**
   * Replaces the stored document atomically (readers see the old or the new file, never a mix).
   * Skips the write when nothing changed, so file watchers are not woken for nothing. A corrupt
   * stored document is overwritten (a kill switch must not be blocked by it) and reported.
   */
  write(doc: FlagdDocument, options?: FlagWriteOptions): Promise<FlagWriteResult>;
}

/** Options of FlagStore.write. */
export interface FlagWriteOptions {
  /**
   * Also write when the stored document means the same but its bytes differ (reformatted by hand):
   * `flags sync` restores the exact bytes whose sha256 the state records.
   */
  force?: boolean;
}

/** Error codes of the flag store. */
export type FlagStoreErrorCode = 'FLAG_FILE_INVALID' | 'FLAG_FILE_UNREADABLE';

export class FlagStoreError extends Error {
  constructor(
    readonly code: FlagStoreErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'FlagStoreError';
  }
}

/** Options of the flagd file adapter. */
export interface FileFlagStoreOptions {
  path: string;
  dryRun: boolean;
}

/** Applications (often another user or a container) read the file; only the owner writes it. */
export const FLAG_FILE_MODE = 0o644;
/** The directory the flag file lives in: readable and searchable by applications, writable by the owner only. */
export const FLAG_DIR_MODE = 0o755;

/** sha256 (hex) of a text: of a flag file's bytes, what the state records for each step. */
export function digestText(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The bytes the store writes for a document (their sha256 is what the state records). */
export function serializeFlagDocument(doc: FlagdDocument): string {
  return `${JSON.stringify(doc, null, 2)}\n`;
}

function parseDocument(text: string, path: string): FlagdDocument {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new FlagStoreError('FLAG_FILE_INVALID', `${path} is not valid JSON`, { cause: err });
  }
  const flags = (parsed as { flags?: unknown } | null)?.flags;
  if (
    typeof parsed !== 'object' ||
    parsed === null ||
    typeof flags !== 'object' ||
    flags === null ||
    Array.isArray(flags)
  ) {
    throw new FlagStoreError('FLAG_FILE_INVALID', `${path} has no "flags" map`);
  }
  return parsed as FlagdDocument;
}

/** The flag file replaced atomically (src/state/atomic-file.ts) in a directory created with FLAG_DIR_MODE. */
async function writeFlagFile(target: string, content: string): Promise<void> {
  await ensureFlagDirectory(dirname(target));
  await writeFileAtomic(target, content, { mode: FLAG_FILE_MODE });
}

/**
 * Create the directory with an explicit mode (mkdir's mode is filtered by the umask: 0777 under umask 0,
 * 0700 under umask 077, which applications of another user could not read). An existing directory that
 * others can write is reported, never refused: the kill switch must not fail because of a mode.
 */
async function ensureFlagDirectory(dir: string): Promise<void> {
  const created = await mkdir(dir, { recursive: true, mode: FLAG_DIR_MODE });
  if (created !== undefined) {
    await chmod(dir, FLAG_DIR_MODE);
    return;
  }
  const info = await stat(dir).catch(() => null);
  if (info && (info.mode & 0o022) !== 0) {
    warn(
      `flag directory ${dir} has mode 0${(info.mode & 0o777).toString(8)}: other users can replace the flag file applications read (fix: chmod 755 ${dir})`,
    );
  }
}

async function readText(path: string): Promise<string | null> {
  try {
    return await readTextOrNull(path);
  } catch (err) {
    throw new FlagStoreError('FLAG_FILE_UNREADABLE', `cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
}

/** FlagStore backed by one flagd JSON file. */
export function createFileFlagStore({ path, dryRun }: FileFlagStoreOptions): FlagStore {
  const read = async (): Promise<FlagdDocument | null> => {
    const text = await readText(path);
    return text === null ? null : parseDocument(text, path);
  };
  const write = async (doc: FlagdDocument, options: FlagWriteOptions = {}): Promise<FlagWriteResult> => {
    let current: FlagdDocument | null = null;
    let previousInvalid = false;
    try {
      current = await read();
    } catch (err) {
      if (!(err instanceof FlagStoreError && err.code === 'FLAG_FILE_INVALID')) throw err;
      previousInvalid = true;
    }
    const diff = diffDocuments(current, doc);
    const content = serializeFlagDocument(doc);
    const changed =
      diff.changes.length > 0 || previousInvalid || (options.force === true && (await readText(path)) !== content);
    if (!changed || dryRun) return { changed, diff, written: false, previousInvalid };
    await writeFlagFile(path, content);
    return { changed, diff, written: true, previousInvalid };
  };
  return { location: path, dryRun, read, write };
}
