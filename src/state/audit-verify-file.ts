import { hash } from 'node:crypto';
import { AUDIT_GENESIS, hashAuditEntry, parseAuditLine, parseAuditLog, verifyAuditLog } from './audit-chain.js';
import { readAuditText } from './audit-file.js';
import { visitLinesForward, type LinesRead } from './audit-lines.js';
import { openAuditForRead } from './audit-open.js';
import { canonicalJsonOfParsed } from './canonical-json.js';
import { isCanonicalJsonText } from './canonical-scan.js';
import type { AuditProblem, AuditVerification } from './store.js';
import { verifySplit } from './audit-verify-split.js';

/**
 * A JSON string with nothing to escape (no quote, backslash, control character or lone surrogate):
 * its text is exactly what `JSON.stringify` writes for it.
 */
const PLAIN = '"(?:[^"\\\\\\u0000-\\u001f\\ud800-\\udfff]|[\\ud800-\\udbff][\\udc00-\\udfff])*"';
/** A number whose text `JSON.stringify(Number(text))` gives back (no sign, exponent or leading zero; ≤ 15 digits). */
const DIGITS = '(?:0|[1-9]\\d{0,14})';
/** The members before `data`, exactly as `JSON.stringify(entry)` writes them (see `checkWrittenLine`). */
const WRITTEN_HEAD = new RegExp(
  `^\\{"v":1,"seq":(${DIGITS}),"ts":(${PLAIN}),"actor":(${PLAIN}),"op":(${PLAIN}),"prev":(${PLAIN})(?:,"reason":(${PLAIN}))?`,
);
const SERIAL_MEMBER = ',"stateSerial":';
const SERIAL_DIGITS = new RegExp(`^${DIGITS}$`);
const HEX64 = /^[0-9a-f]{64}$/;
const HASH_MEMBER = ',"hash":"sha256:';
/** `,"hash":"sha256:` + 64 hex digits + `"}`. */
const TAIL_LENGTH = HASH_MEMBER.length + 64 + 2;
const DATA_MEMBER = ',"data":';

interface LineFacts {
  seq: number;
  prev: string;
  hash: string;
  intact: boolean;
}

/**
 * The hash check of one line in the form `JSON.stringify(entry)` writes — members in the order
 * v, seq, ts, actor, op, prev, [reason], [data], [stateSerial], hash; strings with nothing to escape;
 * short plain integers — without parsing the whole entry. For such a line the canonical text is the
 * same members in code-unit order with their text unchanged, except `data`, which is parsed and
 * canonicalised; `data` parsing as one JSON value proves the split matches the line's structure
 * (a JSON text has one parse). Any other line returns null, and the caller takes the reference path
 * (`parseAuditLine` + `hashAuditEntry`); both give the same answer on every line this accepts.
 */
export function checkWrittenLine(line: string): LineFacts | null {
  const tailAt = line.length - TAIL_LENGTH;
  if (tailAt < 0 || !line.startsWith(HASH_MEMBER, tailAt) || !line.endsWith('"}')) return null;
  const hex = line.slice(tailAt + HASH_MEMBER.length, line.length - 2);
  const m = WRITTEN_HEAD.exec(line);
  if (!m) return null;
  const [head, seqText, ts, actor, op, prev, reason] = m as unknown as [
    string,
    string,
    string,
    string,
    string,
    string,
    string | undefined,
  ];
  const seq = Number(seqText);
  if (seq < 1) return null;
  let restEnd = tailAt;
  let serialMember = '';
  const serialAt = line.lastIndexOf(SERIAL_MEMBER, tailAt);
  if (serialAt >= head.length && SERIAL_DIGITS.test(line.slice(serialAt + SERIAL_MEMBER.length, tailAt))) {
    serialMember = `"stateSerial":${line.slice(serialAt + SERIAL_MEMBER.length, tailAt)},`;
    restEnd = serialAt;
  }
  const rest = line.slice(head.length, restEnd);
  let dataMember = '';
  if (rest !== '') {
    if (!rest.startsWith(DATA_MEMBER)) return null;
    const dataText = rest.slice(DATA_MEMBER.length);
    if (isCanonicalJsonText(dataText)) dataMember = `"data":${dataText},`;
    else {
      try {
        dataMember = `"data":${canonicalJsonOfParsed(JSON.parse(dataText))},`;
      } catch {
        return null;
      }
    }
  }
  const reasonMember = reason !== undefined ? `"reason":${reason},` : '';
  const canonical = `{"actor":${actor},${dataMember}"op":${op},"prev":${prev},${reasonMember}"seq":${seqText},${serialMember}"ts":${ts},"v":1}`;
  if (hash('sha256', canonical) === hex) return { seq, prev: prev.slice(1, -1), hash: `sha256:${hex}`, intact: true };
  // A mismatch is rare (an edited entry): check the stored hash's text is what parsing would give.
  return HEX64.test(hex) ? { seq, prev: prev.slice(1, -1), hash: `sha256:${hex}`, intact: false } : null;
}

function factsOf(line: string): LineFacts | null {
  const fast = checkWrittenLine(line);
  if (fast) return fast;
  const entry = parseAuditLine(line);
  return entry
    ? { seq: entry.seq, prev: entry.prev, hash: entry.hash, intact: hashAuditEntry(entry) === entry.hash }
    : null;
}

/** Chain state while every entry so far is the next seq after the previous one (the normal log). */
export class LinearChain {
  entries = 0;
  head: string | null = null;
  readonly malformed: number[] = [];
  readonly content: AuditProblem[] = [];
  readonly chain: AuditProblem[] = [];
  /** seq of the line last added, or null when it was not an entry. */
  lastSeq: number | null = null;
  /** The first entry seen (a floating chain does not check its link to what came before). */
  first: { seq: number; prev: string; intact: boolean; line: number } | null = null;
  private prevHash = AUDIT_GENESIS;
  private prevLine = 0;

  /**
   * `floating`: this chain checks a later part of the file, so its first entry may start at any
   * seq and its link backwards is checked by whoever joins the parts (see audit-verify-split.ts).
   */
  constructor(private readonly floating = false) {}

  /** Line of the last entry added (0 before any). */
  get lastLine(): number {
    return this.prevLine;
  }

  /** False when the entry breaks the linear order: only the reference checker can judge that log. */
  add(line: string, lineNo: number): boolean {
    const facts = factsOf(line);
    this.lastSeq = facts?.seq ?? null;
    if (!facts) {
      this.malformed.push(lineNo);
      return true;
    }
    const { seq } = facts;
    if (this.first === null) {
      this.first = { seq, prev: facts.prev, intact: facts.intact, line: lineNo };
      if (this.floating) {
        this.entries = seq - 1;
        this.prevHash = facts.prev;
      }
    }
    if (seq !== this.entries + 1) return false;
    if (!facts.intact)
      this.content.push({
        kind: 'edited',
        line: lineNo,
        seq,
        message: `entry seq ${seq} was edited: its content no longer matches its hash`,
      });
    else if (facts.prev !== this.prevHash) {
      this.chain.push(
        seq === 1
          ? {
              kind: 'edited',
              line: lineNo,
              seq,
              message: 'entry seq 1 does not start from the genesis hash: the start of the log was replaced',
            }
          : {
              kind: 'edited',
              line: this.prevLine,
              seq: seq - 1,
              message: `entry seq ${seq - 1} was rewritten and re-hashed: seq ${seq} (line ${lineNo}) recorded a different hash for it`,
            },
      );
    }
    this.entries = seq;
    this.prevHash = facts.hash;
    this.prevLine = lineNo;
    this.head = facts.hash;
    return true;
  }

  result(tornLine: number | null): AuditVerification {
    const problems: AuditProblem[] = [
      ...this.malformed.map((line): AuditProblem => ({
        kind: 'malformed',
        line,
        message: `line ${line} is not a valid audit entry`,
      })),
      ...this.content,
      ...this.chain,
    ];
    if (tornLine !== null) {
      problems.push({
        kind: 'truncated-tail',
        line: tornLine,
        message: `line ${tornLine} is incomplete (interrupted append); the next append removes it and records a repair entry`,
      });
    }
    const seen = new Set<string>();
    const unique = problems.filter((p) => {
      const key = `${p.kind}\u0000${p.seq}\u0000${p.line}`;
      return seen.has(key) ? false : (seen.add(key), true);
    });
    unique.sort((a, b) => a.line - b.line);
    return {
      ok: unique.length === 0,
      tampered: unique.some((p) => p.kind !== 'truncated-tail'),
      entries: this.entries,
      head: this.head,
      problems: unique,
    };
  }
}

/**
 * `verifyAuditLog(parseAuditLog(<the file>))`, streamed: the file is read in 4 MiB chunks and each
 * line is checked as it comes, keeping only the previous hash. While the seqs run 1, 2, 3, … (every
 * log this program writes, torn tails and edited entries included), the findings are computed on
 * the way; the first entry out of that order (deleted, duplicated, reordered) hands the whole file
 * to the reference checker, which needs the order of all seqs to name the damage.
 */
export async function verifyAuditFile(
  path: string,
  opts: { splitAt?: number | null } = {},
): Promise<AuditVerification> {
  const split = await verifySplit(path, opts.splitAt);
  if (split) return split;
  const fh = await openAuditForRead(path);
  const chain = new LinearChain();
  if (!fh) return chain.result(null);
  let read: LinesRead;
  try {
    read = await visitLinesForward(fh, (line, lineNo) => chain.add(line, lineNo));
  } finally {
    await fh.close();
  }
  if (!read.finished) return verifyAuditLog(parseAuditLog(await readAuditText(path)));
  return chain.result(read.pending === '' ? null : read.lines + 1);
}
