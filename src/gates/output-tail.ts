/** Keeps the last `maxLines` lines (at most `maxBytes`) of a stream of chunks: CI logs want the end. */
export interface OutputTail {
  push(chunk: Buffer | string): void;
  /** The kept text; starts with a note when earlier lines were dropped. */
  text(): string;
  /** Bytes seen in total. */
  readonly bytes: number;
}

export function createOutputTail(maxLines = 40, maxBytes = 8192): OutputTail {
  let kept = '';
  let bytes = 0;
  let dropped = false;
  return {
    push(chunk) {
      const s = typeof chunk === 'string' ? chunk : chunk.toString('utf8');
      bytes += Buffer.byteLength(s);
      kept += s;
      // Trim only at line boundaries and only when over twice the limits, so pushing stays cheap.
      if (kept.length > maxBytes * 2 || countLines(kept) > maxLines * 2) {
        const trimmed = trimTo(kept, maxLines, maxBytes);
        if (trimmed.length < kept.length) dropped = true;
        kept = trimmed;
      }
    },
    text() {
      const trimmed = trimTo(kept, maxLines, maxBytes);
      const note = dropped || trimmed.length < kept.length ? `[… ${formatBytes(bytes)} of output; last lines:]\n` : '';
      return note + trimmed.replace(/\s+$/, '');
    },
    get bytes() {
      return bytes;
    },
  };
}

function countLines(s: string): number {
  let n = 0;
  for (let i = s.indexOf('\n'); i !== -1; i = s.indexOf('\n', i + 1)) n++;
  return n;
}

function trimTo(s: string, maxLines: number, maxBytes: number): string {
  const body = s.endsWith('\n') ? s.slice(0, -1) : s;
  let lines = body.split('\n');
  if (lines.length > maxLines) lines = lines.slice(-maxLines);
  let out = lines.join('\n');
  if (out.length > maxBytes) out = out.slice(out.length - maxBytes);
  return out + (s.endsWith('\n') ? '\n' : '');
}

function formatBytes(n: number): string {
  return n >= 1024 ? `${Math.round(n / 1024)} KiB` : `${n} bytes`;
}
