import { createHash } from 'node:crypto';
import { canonicalJson, sortKeysDeep } from './canonical-json.js';
import type { AuditEntry, AuditInput, AuditProblem, AuditVerification } from './store.js';

function sha256(text: string): string {
  return `sha256:${createHash('sha256').update(text).digest('hex')}`;
}

/**
 * `prev` of the first entry. A constant rather than one derived from the release, because the log
 * starts before any state exists (the first entry may be a lock takeover or a forced unlock).
 */
export const AUDIT_GENESIS = sha256('rollout-audit-v1:genesis');

/** Hash of an entry: sha256 over the canonical JSON of every field except `hash`. */
export function hashAuditEntry(entry: Omit<AuditEntry, 'hash'> & { hash?: string }): string {
  const { hash: _ignored, ...rest } = entry;
  return sha256(canonicalJson(rest));
}

/**
 * Build the next entry of the chain; `data` is normalised through JSON so what is hashed is what is
 * stored, and its keys are stored sorted (canonical order), which `log --verify` checks fastest.
 */
export function createAuditEntry(input: AuditInput, seq: number, prev: string, ts: string): AuditEntry {
  const body: Omit<AuditEntry, 'hash'> = { v: 1, seq, ts, actor: input.actor, op: input.op, prev };
  if (input.reason !== undefined) body.reason = input.reason;
  if (input.data !== undefined) body.data = sortKeysDeep(JSON.parse(JSON.stringify(input.data)));
  if (input.stateSerial !== undefined) body.stateSerial = input.stateSerial;
  return { ...body, hash: hashAuditEntry(body) };
}

/** Parse one line into an entry, or null when it is not shaped like one. */
export function parseAuditLine(line: string): AuditEntry | null {
  try {
    const v = JSON.parse(line) as Partial<AuditEntry> | null;
    if (v === null || typeof v !== 'object' || v.v !== 1) return null;
    if (!Number.isSafeInteger(v.seq) || (v.seq ?? 0) < 1) return null;
    const strings = [v.ts, v.actor, v.op, v.prev, v.hash];
    return strings.every((s) => typeof s === 'string') ? (v as AuditEntry) : null;
  } catch {
    return null;
  }
}

/** A log split into lines: parsed entries, lines that are not entries, and an incomplete last line. */
export interface ParsedAuditLog {
  entries: Array<{ entry: AuditEntry; line: number }>;
  malformed: number[];
  /** The last line when it does not end with a newline: a crash during an append. */
  tornTail: { line: number; offset: number; text: string } | null;
}

/** Split a log's text; every complete line ends with `\n`, so text after the last `\n` is torn. */
export function parseAuditLog(text: string): ParsedAuditLog {
  const parsed: ParsedAuditLog = { entries: [], malformed: [], tornTail: null };
  const lines = text.split('\n');
  const torn = lines.pop() ?? '';
  lines.forEach((raw, i) => {
    const entry = parseAuditLine(raw);
    if (entry) parsed.entries.push({ entry, line: i + 1 });
    else parsed.malformed.push(i + 1);
  });
  if (torn !== '') {
    parsed.tornTail = { line: lines.length + 1, offset: Buffer.byteLength(text) - Buffer.byteLength(torn), text: torn };
  }
  return parsed;
}

function findContentProblems(
  entries: ParsedAuditLog['entries'],
  bySeq: Map<number, { entry: AuditEntry; line: number }>,
): AuditProblem[] {
  const problems: AuditProblem[] = [];
  let highest = 0;
  let highestLine = 0;
  for (const { entry, line } of entries) {
    if (hashAuditEntry(entry) !== entry.hash) {
      problems.push({
        kind: 'edited',
        line,
        seq: entry.seq,
        message: `entry seq ${entry.seq} was edited: its content no longer matches its hash`,
      });
    }
    const first = bySeq.get(entry.seq);
    if (first) {
      problems.push({
        kind: 'duplicate',
        line,
        seq: entry.seq,
        message: `seq ${entry.seq} appears again (first at line ${first.line})`,
      });
      continue;
    }
    bySeq.set(entry.seq, { entry, line });
    if (entry.seq < highest) {
      problems.push({
        kind: 'reordered',
        line,
        seq: entry.seq,
        message: `entry seq ${entry.seq} (line ${line}) comes after seq ${highest} (line ${highestLine})`,
      });
    } else if (entry.seq > highest) {
      highest = entry.seq;
      highestLine = line;
    }
  }
  return problems;
}

function findChainProblems(bySeq: Map<number, { entry: AuditEntry; line: number }>): AuditProblem[] {
  const problems: AuditProblem[] = [];
  const seqs = [...bySeq.keys()].sort((a, b) => a - b);
  let expected = 1;
  for (const seq of seqs) {
    const { entry, line } = bySeq.get(seq)!;
    if (seq > expected) {
      const range = seq - 1 === expected ? `seq ${expected} is` : `seqs ${expected}–${seq - 1} are`;
      problems.push({ kind: 'deleted', line, seq: expected, message: `${range} missing before line ${line}` });
    }
    expected = seq + 1;
    const before = seq === 1 ? { entry: { hash: AUDIT_GENESIS }, line: 0 } : bySeq.get(seq - 1);
    const selfIntact = hashAuditEntry(entry) === entry.hash;
    if (before && selfIntact && entry.prev !== before.entry.hash) {
      problems.push(
        seq === 1
          ? {
              kind: 'edited',
              line,
              seq,
              message: 'entry seq 1 does not start from the genesis hash: the start of the log was replaced',
            }
          : {
              kind: 'edited',
              line: before.line,
              seq: seq - 1,
              message: `entry seq ${seq - 1} was rewritten and re-hashed: seq ${seq} (line ${line}) recorded a different hash for it`,
            },
      );
    }
  }
  return problems;
}

/** Check the hash chain of a parsed log and say which entries were edited, deleted or moved. */
export function verifyAuditLog(parsed: ParsedAuditLog): AuditVerification {
  const bySeq = new Map<number, { entry: AuditEntry; line: number }>();
  const problems: AuditProblem[] = [
    ...parsed.malformed.map((line): AuditProblem => ({
      kind: 'malformed',
      line,
      message: `line ${line} is not a valid audit entry`,
    })),
    ...findContentProblems(parsed.entries, bySeq),
  ];
  problems.push(...findChainProblems(bySeq));
  if (parsed.tornTail) {
    const { line } = parsed.tornTail;
    problems.push({
      kind: 'truncated-tail',
      line,
      message: `line ${line} is incomplete (interrupted append); the next append removes it and records a repair entry`,
    });
  }
  const unique = problems.filter(
    (p, i) => problems.findIndex((q) => q.kind === p.kind && q.seq === p.seq && q.line === p.line) === i,
  );
  unique.sort((a, b) => a.line - b.line);
  const last = parsed.entries.at(-1);
  return {
    ok: unique.length === 0,
    tampered: unique.some((p) => p.kind !== 'truncated-tail'),
    entries: parsed.entries.length,
    head: last ? last.entry.hash : null,
    problems: unique,
  };
}
