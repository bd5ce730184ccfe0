import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { RolloutError } from '../errors/rollout-error.js';

/** The largest plan (or budget) file read at all; a release plan is a few kilobytes. */
export const MAX_PLAN_BYTES = 1024 * 1024;

/**
 * Reads a plan or budget file safely: `null` when it does not exist. Anything but a regular file is
 * refused before a byte is read (a FIFO would block forever, `/dev/zero` never ends), and at most
 * `maxBytes + 1` bytes are read whatever the size claims. Errors never quote the file's content.
 * Loads no parser: the rollback fast path calls it too.
 */
export async function readPlanFile(
  file: string,
  display: string,
  maxBytes: number = MAX_PLAN_BYTES,
): Promise<string | null> {
  return readRegularFile(file, display, maxBytes, { strictUtf8: true });
}

/** The same checks for any text file the plan names (a file gate's CHANGELOG, say), with its own size limit. */
export async function readRegularFile(
  file: string,
  display: string,
  maxBytes: number,
  opts: { strictUtf8?: boolean } = {},
): Promise<string | null> {
  let handle;
  try {
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer before fstat can refuse it.
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw new RolloutError('E_CONFIG', `${display}: cannot read: ${describeErrno(code)}`);
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new RolloutError('E_CONFIG', `${display}: not a regular file (${describeType(stat)})`);
    if (stat.size > maxBytes)
      throw new RolloutError('E_CONFIG', `${display}: file is larger than ${maxBytes} bytes (${stat.size} bytes)`);
    const buffer = Buffer.alloc(maxBytes + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > maxBytes) throw new RolloutError('E_CONFIG', `${display}: file is larger than ${maxBytes} bytes`);
    }
    return opts.strictUtf8 ? decodeUtf8(buffer.subarray(0, length), display) : buffer.toString('utf8', 0, length);
  } catch (error) {
    if (error instanceof RolloutError) throw error;
    throw new RolloutError(
      'E_CONFIG',
      `${display}: cannot read: ${describeErrno((error as NodeJS.ErrnoException).code)}`,
    );
  } finally {
    await handle.close().catch(() => undefined);
  }
}

function decodeUtf8(bytes: Buffer, display: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const offset = firstInvalidUtf8(bytes);
    const before = bytes.subarray(0, offset);
    const line = before.filter((b) => b === 0x0a).length + 1;
    const col = offset - (before.lastIndexOf(0x0a) + 1) + 1;
    throw new RolloutError(
      'E_CONFIG',
      `${display}: not UTF-8 text (invalid byte at line ${line}, column ${col}); is this the plan file?`,
      {
        problems: [{ file: display, line, col, message: 'not UTF-8 text: a plan is a YAML text file' }],
      },
    );
  }
}

function firstInvalidUtf8(bytes: Buffer): number {
  let lo = 0;
  let hi = bytes.length;
  // The longest valid prefix: decoding is monotone in the prefix length, up to a split sequence (3 bytes).
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, mid), { stream: true });
      lo = mid;
    } catch {
      hi = mid - 1;
    }
  }
  return lo;
}

function describeType(stat: {
  isDirectory(): boolean;
  isFIFO(): boolean;
  isCharacterDevice(): boolean;
  isBlockDevice(): boolean;
  isSocket(): boolean;
}): string {
  if (stat.isDirectory()) return 'a directory';
  if (stat.isFIFO()) return 'a named pipe';
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'a device';
  if (stat.isSocket()) return 'a socket';
  return 'not a file';
}

function describeErrno(code: string | undefined): string {
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'it is a directory';
  if (code === 'ELOOP') return 'too many symbolic links';
  return code ?? 'unknown error';
}
