import type { PoolClient } from 'pg';
import type { PgConnector } from './connector.js';
import { AUDIT_GENESIS, createAuditEntry, parseAuditLine, verifyAuditLog } from '../audit-chain.js';
import type { AuditTailRead } from '../audit-tail.js';
import type { AuditAnchor } from '../audit-access.js';
import { LinearChain } from '../audit-verify-file.js';
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
export async function insertAuditEntry(
  client: PoolClient,
  key: string,
  input: AuditInput,
  ts: string,
  label: string,
): Promise<AuditEntry> {
  await lockAuditChain(client, key);
  const { rows } = await client.query<{ entry: string }>(
    'SELECT entry::text AS entry FROM rollout_audit WHERE release_key = $1 ORDER BY seq DESC LIMIT 1',
    [key],
  );
  const lastText = rows[0]?.entry;
  const last = lastText === undefined ? null : parseAuditLine(lastText);
  if (lastText !== undefined && !last)
    throw new AuditWriteError(label, 'the last entry is not a valid entry (tampering?): run `rollout log --verify`');
  const entry = createAuditEntry(input, (last?.seq ?? 0) + 1, last?.hash ?? AUDIT_GENESIS, ts);
  await client.query('INSERT INTO rollout_audit (release_key, seq, entry) VALUES ($1, $2, $3)', [
    key,
    entry.seq,
    JSON.stringify(entry),
  ]);
  return entry;
}

/** Insert entries exactly as they are (a migration): their hashes must keep verifying. */
export async function insertAuditVerbatim(
  client: PoolClient,
  key: string,
  entries: readonly AuditEntry[],
): Promise<void> {
  await lockAuditChain(client, key);
  for (const entry of entries) {
    await client.query('INSERT INTO rollout_audit (release_key, seq, entry) VALUES ($1, $2, $3)', [
      key,
      entry.seq,
      JSON.stringify(entry),
    ]);
  }
}

interface AuditRow {
  seq: string;
  entry: string;
}

async function selectAuditRows(client: PoolClient, key: string): Promise<AuditRow[]> {
  const { rows } = await client.query<AuditRow>(
    'SELECT seq, entry::text AS entry FROM rollout_audit WHERE release_key = $1 ORDER BY id',
    [key],
  );
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
      mismatched.push({
        kind: 'edited',
        line,
        seq: entry.seq,
        message: `row ${line}: its seq column says ${row.seq} but the entry says ${entry.seq}`,
      });
    }
  });
  return { parsed, mismatched };
}

/** Every parseable entry in row order. */
export async function selectAuditEntries(client: PoolClient, key: string): Promise<AuditEntry[]> {
  return parseRows(await selectAuditRows(client, key)).parsed.entries.map((e) => e.entry);
}

function withMismatches(result: AuditVerification, mismatched: AuditProblem[]): AuditVerification {
  if (mismatched.length === 0) return result;
  const problems = [...result.problems, ...mismatched].sort((a, b) => a.line - b.line);
  return { ...result, ok: false, tampered: true, problems };
}

/** The same chain check as the file log, plus agreement of each row's seq column with its entry (every row in memory). */
export async function verifyAuditRows(client: PoolClient, key: string): Promise<AuditVerification> {
  const { parsed, mismatched } = parseRows(await selectAuditRows(client, key));
  return withMismatches(verifyAuditLog(parsed), mismatched);
}

/** Rows fetched per query when the whole log is read (verify, report). */
const PAGE = 5_000;

/**
 * Every row of the release's log in order, PAGE rows per query (keyset on the primary key, served by
 * the (release_key, id) index): memory holds one page, whatever the length of the log.
 */
export async function visitAuditRows(
  connector: PgConnector,
  key: string,
  visit: (row: AuditRow & { id: string }, position: number) => boolean,
  afterRow = '0',
): Promise<boolean> {
  let after = afterRow;
  let position = 0;
  for (;;) {
    const { rows } = await connector.read((c) =>
      c.query<AuditRow & { id: string }>(
        'SELECT id, seq, entry::text AS entry FROM rollout_audit WHERE release_key = $1 AND id > $2 ORDER BY id LIMIT $3',
        [key, after, PAGE],
      ),
    );
    for (const row of rows) if (!visit(row, ++position)) return false;
    if (rows.length < PAGE) return true;
    after = rows.at(-1)!.id;
  }
}

/**
 * `verifyAuditRows`, streamed page by page with the file log's linear check; a log whose seqs are
 * out of order goes to the reference check, which needs every row at once.
 */
export async function verifyAuditStreaming(connector: PgConnector, key: string): Promise<AuditVerification> {
  const chain = new LinearChain();
  const mismatched: AuditProblem[] = [];
  const linear = await visitAuditRows(connector, key, (row, line) => {
    if (!chain.add(row.entry, line)) return false;
    if (chain.lastSeq !== null && Number(row.seq) !== chain.lastSeq) {
      mismatched.push({
        kind: 'edited',
        line,
        seq: chain.lastSeq,
        message: `row ${line}: its seq column says ${row.seq} but the entry says ${chain.lastSeq}`,
      });
    }
    return true;
  });
  if (!linear) return connector.read((c) => verifyAuditRows(c, key));
  return withMismatches(chain.result(null), mismatched);
}

/**
 * Every parseable entry in row order after the anchored row (from the first when null), one page at
 * a time through the primary key. `resumed` is false, and nothing visited, when the anchored row is
 * gone or no longer holds the anchored entry.
 */
export async function scanAuditRowsAfter(
  connector: PgConnector,
  key: string,
  anchor: AuditAnchor | null,
  visit: (entry: AuditEntry) => void,
): Promise<{ resumed: boolean; anchor: AuditAnchor | null }> {
  if (anchor) {
    if (anchor.row === undefined || !/^[0-9]{1,19}$/.test(anchor.row)) return { resumed: false, anchor: null };
    const { rows } = await connector.read((c) =>
      c.query<AuditRow>('SELECT seq, entry::text AS entry FROM rollout_audit WHERE release_key = $1 AND id = $2', [
        key,
        anchor.row,
      ]),
    );
    const held = rows[0] ? parseAuditLine(rows[0].entry) : null;
    if (!held || held.seq !== anchor.seq || held.hash !== anchor.hash) return { resumed: false, anchor: null };
  }
  let last = anchor;
  await visitAuditRows(
    connector,
    key,
    (row) => {
      const entry = parseAuditLine(row.entry);
      if (entry) {
        visit(entry);
        last = { seq: entry.seq, hash: entry.hash, row: row.id };
      }
      return true;
    },
    anchor?.row ?? '0',
  );
  return { resumed: true, anchor: last };
}

/** The last `limit` parseable entries, newest rows first through the (release_key, id) index. */
export async function selectAuditTail(client: PoolClient, key: string, limit: number): Promise<AuditTailRead> {
  const newestFirst: AuditEntry[] = [];
  let before: string | null = null;
  while (newestFirst.length < limit) {
    const want = limit - newestFirst.length;
    const { rows }: { rows: Array<AuditRow & { id: string }> } = await client.query(
      `SELECT id, seq, entry::text AS entry FROM rollout_audit WHERE release_key = $1 ${before === null ? '' : 'AND id < $3'} ORDER BY id DESC LIMIT $2`,
      before === null ? [key, want] : [key, want, before],
    );
    for (const row of rows) {
      const entry = parseAuditLine(row.entry);
      if (entry) newestFirst.push(entry);
    }
    if (rows.length < want) break;
    before = rows.at(-1)!.id;
  }
  const lastSeq = newestFirst[0]?.seq ?? 0;
  return { entries: newestFirst.reverse(), lastSeq };
}

/** The highest `stateSerial` in the log (0 when none), from the index of schema version 2. */
export async function selectLastAuditedSerial(client: PoolClient, key: string): Promise<number> {
  const { rows } = await client.query<{ serial: string | null }>(
    `SELECT max(CASE WHEN json_typeof(entry -> 'stateSerial') = 'number' THEN (entry ->> 'stateSerial')::numeric END)::text AS serial
       FROM rollout_audit WHERE release_key = $1`,
    [key],
  );
  return Number(rows[0]?.serial ?? 0);
}
