import type { FileHandle } from 'node:fs/promises';

const READ_CHUNK = 4 * 1024 * 1024;
const NEWLINE = 0x0a;

/** How a forward read of the lines ended. */
export interface LinesRead {
  /** Complete (newline-terminated) lines visited. */
  lines: number;
  /** Text after the last newline ('' when the file ends with one): a torn append. */
  pending: string;
  /** False when `visit` asked to stop early. */
  finished: boolean;
}

/**
 * Visit each newline-terminated line in order, 4 MiB at a time: memory stays bounded by the chunk
 * and the longest line whatever the file's size. Lines are split on the byte 0x0A, which never
 * occurs inside a multi-byte UTF-8 sequence, and decoded one by one: the same text as splitting
 * `readFile(path, 'utf8')` on '\n'. `visit` returns false to stop; it also gets the byte offsets of
 * the line in the file, [start, end) with `end` just past its newline. With `range`, only the bytes
 * [start, end) are read (line numbers then count from the range's start).
 */
export async function visitLinesForward(
  fh: FileHandle,
  visit: (line: string, lineNo: number, start: number, end: number) => boolean,
  range?: { start: number; end: number },
): Promise<LinesRead> {
  let buf = Buffer.allocUnsafe(range ? Math.min(READ_CHUNK, Math.max(1, range.end - range.start)) : READ_CHUNK);
  let filled = 0; // bytes of buf holding data; buf[0, filled) starts at a line start
  let lineNo = 0;
  let position = range?.start ?? null;
  let base = range?.start ?? 0; // file offset of buf[0]
  for (;;) {
    if (filled === buf.length) {
      const bigger = Buffer.allocUnsafe(buf.length * 2); // one line longer than the buffer
      buf.copy(bigger, 0, 0, filled);
      buf = bigger;
    }
    const want = range && position !== null ? Math.min(buf.length - filled, range.end - position) : buf.length - filled;
    const { bytesRead } = want > 0 ? await fh.read(buf, filled, want, position) : { bytesRead: 0 };
    if (bytesRead === 0) return { lines: lineNo, pending: buf.toString('utf8', 0, filled), finished: true };
    if (position !== null) position += bytesRead;
    const end = filled + bytesRead;
    const data = buf.subarray(0, end);
    let from = 0;
    for (let nl = data.indexOf(NEWLINE, filled); nl !== -1; nl = data.indexOf(NEWLINE, from)) {
      lineNo += 1;
      const keepGoing = visit(data.toString('utf8', from, nl), lineNo, base + from, base + nl + 1);
      from = nl + 1;
      if (!keepGoing) return { lines: lineNo, pending: '', finished: false };
    }
    buf.copy(buf, 0, from, end);
    filled = end - from;
    base += from;
  }
}
