import type { PoolClient } from 'pg';
import { AUDIT_GENESIS, createAuditEntry, parseAuditLine, verifyAuditLog } from '../audit-chain.js';
import type { ParsedAuditLog } from '../audit-chain.js';
import { AuditWriteError } from '../errors.js';
import type { AuditEntry, AuditInput, AuditProblem, AuditVerification } from '../store.js';
import { ADVISORY_CLASS } from './schema.js';

/**
 * The audit log as rows of `rollout_audit`: each row holds the exact JSON line the file backend
 * would write (same fields, same canonical hash), so `verifyAudit` runs the same chain check. The
 * row position (`id`, insertion order) plays the part of the line number, which is how a reordered
 * or re-numbered row is told apart from an intact log.
 */

/** Serialise appends of one release: concurrent appenders would otherwise chain onto the same head. */
async function lockAuditChain(client: PoolClient, key: string): Promise<void> {
  await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [ADVISORY_CLASS, `audit:${key}`]);
}

/** Append one entry inside the caller's transaction; the chain continues from the highest seq. */
export async function insertAuditEntry(client: PoolClient, key: string, input: AuditInput, ts: string, label: string): Promise<AuditEntry> {
  await lockAuditChain(client, key);
  const { rows } = await client.query<{ entry: string }>(
    'SELECT entry::text AS entry FROM rollout_audit WHERE release_key = $1 ORDER BY seq DESC LIMIT 1',
    [key],
  );
  const lastText = rows[0]?.entry;
  const last = lastText === undefined ? null : parseAuditLine(lastText);
  if (lastText !== undefined && !last) throw new AuditWriteError(label, 'the last entry is not a valid entry (tampering?): run `rollout log --verify`');
  const entry = createAuditEntry(input, (last?.seq ?? 0) + 1, last?.hash ?? AUDIT_GENESIS, ts);
  await client.query('INSERT INTO rollout_audit (release_key, seq, entry) VALUES ($1, $2, $3)', [key, entry.seq, JSON.stringify(entry)]);
  return entry;
}

/** Insert entries exactly as they are (a migration): their hashes must keep verifying. */
export async function insertAuditVerbatim(client: PoolClient, key: string, entries: readonly AuditEntry[]): Promise<void> {
  await lockAuditChain(client, key);
  for (const entry of entries) {
    await client.query('INSERT INTO rollout_audit (release_key, seq, entry) VALUES ($1, $2, $3)', [key, entry.seq, JSON.stringify(entry)]);
  }
}

interface AuditRow {
  seq: string;
  entry: string;
}

async function selectAuditRows(client: PoolClient, key: string): Promise<AuditRow[]> {
  const { rows } = await client.query<AuditRow>('SELECT seq, entry::text AS entry FROM rollout_audit WHERE release_key = $1 ORDER BY id', [key]);
  return rows;
}

function parseRows(rows: AuditRow[]): { parsed: ParsedAuditLog; mismatched: AuditProblem[] } {
  const parsed: ParsedAuditLog = { entries: [], malformed: [], tornTail: null };
  const mismatched: AuditProblem[] = [];
  rows.forEach((row, i) => {
    const line = i + 1;
    const entry = parseAuditLine(row.entry);
    if (!entry) return void parsed.malformed.push(line);
    parsed.entries.push({ entry, line });
    if (Number(row.seq) !== entry.seq) {
      mismatched.push({ kind: 'edited', line, seq: entry.seq, message: `row ${line}: its seq column says ${row.seq} but the entry says ${entry.seq}` });
    }
  });
  return { parsed, mismatched };
}

/** Every parseable entry in row order. */
export async function selectAuditEntries(client: PoolClient, key: string): Promise<AuditEntry[]> {
  return parseRows(await selectAuditRows(client, key)).parsed.entries.map((e) => e.entry);
}

/** The same chain check as the file log, plus agreement of each row's seq column with its entry. */
export async function verifyAuditRows(client: PoolClient, key: string): Promise<AuditVerification> {
  const { parsed, mismatched } = parseRows(await selectAuditRows(client, key));
  const result = verifyAuditLog(parsed);
  if (mismatched.length === 0) return result;
  const problems = [...result.problems, ...mismatched].sort((a, b) => a.line - b.line);
  return { ...result, ok: false, tampered: true, problems };
}
