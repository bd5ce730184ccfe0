import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeAuditLog } from '../../../bench/lib/audit-log.mjs';
import { loadConfig } from '../../../src/config/load.js';
import { buildReportIncrementally } from '../../../src/report/checkpoint.js';
import { buildReportFromLog } from '../../../src/report/index.js';
import { auditHistoryOf } from '../../../src/state/audit-access.js';
import { verifyAuditFile } from '../../../src/state/audit-verify-file.js';
import { createPostgresStateStore } from '../../../src/state/postgres/create.js';
import type { PostgresStateStore } from '../../../src/state/postgres/store.js';
import { REPO_ROOT } from '../../helpers/cli.js';
import { startPostgres, type TestPostgres } from '../../helpers/postgres.js';

/** Entries in the PostgreSQL log: fewer than the file test's million, to keep the fill under ~10 s. */
const COUNT = 200_000;
const clock = { now: () => new Date('2027-01-01T00:00:00.000Z') };
const { config } = await loadConfig({ file: 'rollout.yaml', cwd: REPO_ROOT });

let server: TestPostgres;
let store: PostgresStateStore;
let generated: { head: string | null; lastSerial: number };
const root = mkdtempSync(join(tmpdir(), 'rollout-pg-scale-'));
const file = join(root, 'audit.jsonl');

beforeAll(async () => {
  server = await startPostgres();
  store = createPostgresStateStore(`${server.url}?release=scale`, { clock, env: {} });
  await store.init();
  generated = writeAuditLog(file, COUNT);
  // The rows hold the exact lines the file backend would write; 20,000 per INSERT … SELECT unnest.
  const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
  for (let i = 0; i < lines.length; i += 20_000) {
    await server.sql(
      `INSERT INTO rollout_audit (release_key, seq, entry) SELECT 'scale', (l::json ->> 'seq')::bigint, l::json FROM unnest($1::text[]) WITH ORDINALITY AS t(l, n) ORDER BY n`,
      [lines.slice(i, i + 20_000)],
      server.database,
    );
  }
  await server.sql('ANALYZE rollout_audit', [], server.database);
}, 180_000);

afterAll(async () => {
  await store?.close();
  await server?.stop();
  rmSync(root, { recursive: true, force: true });
});

const explain = async (query: string, params: unknown[]) =>
  (await server.sql<{ 'QUERY PLAN': string }>(`EXPLAIN ${query}`, params, server.database))
    .map((r) => r['QUERY PLAN'])
    .join('\n');

describe(`the PostgreSQL audit log with ${COUNT.toLocaleString('en-US')} entries`, () => {
  it('answers log --limit and the backfill question from indexes, not from every row', async () => {
    const history = auditHistoryOf(store);
    const tail = await history.tail(5);
    expect(tail.entries.map((e) => e.seq)).toEqual([COUNT - 4, COUNT - 3, COUNT - 2, COUNT - 1, COUNT]);
    expect(tail.lastSeq).toBe(COUNT);
    expect(await history.lastAuditedSerial()).toBe(generated.lastSerial);
    const tailPlan = await explain(
      `SELECT id, seq, entry::text FROM rollout_audit WHERE release_key = $1 ORDER BY id DESC LIMIT 5`,
      ['scale'],
    );
    const serialPlan = await explain(
      `SELECT max(CASE WHEN json_typeof(entry -> 'stateSerial') = 'number' THEN (entry ->> 'stateSerial')::numeric END) FROM rollout_audit WHERE release_key = $1`,
      ['scale'],
    );
    for (const plan of [tailPlan, serialPlan]) {
      expect(plan).toMatch(/Index (Only )?Scan Backward/);
      expect(plan).not.toMatch(/Seq Scan/);
    }
  });

  it('verifies page by page with the same result as the file backend on the same lines', async () => {
    const verification = await store.verifyAudit();
    expect(verification).toEqual(await verifyAuditFile(file));
    expect(verification).toMatchObject({ ok: true, entries: COUNT, head: generated.head });
  });

  it('builds the report from pages of rows, listing the most recent and counting everything', async () => {
    const { report, entries } = await buildReportFromLog(config, null, (visit) => store.scanAudit(visit), clock.now());
    expect(entries).toBe(COUNT);
    expect(report.omitted?.events).toBe(COUNT);
    expect(report.delivery).toMatchObject({ runs: COUNT / 400 + 1, rollbacks: COUNT / 400, incompleteRollbacks: 0 });
    expect(report.timeline).toHaveLength(1_000);
  });

  it('goes on from a report checkpoint by row id: the next report reads only the rows added since', async () => {
    const history = auditHistoryOf(store);
    const checkpoint = join(root, 'report-checkpoint.bin');
    const report = () =>
      buildReportIncrementally({ config, state: null, history, now: clock.now(), version: 'test', file: checkpoint });
    expect((await report()).history).toEqual({ entries: COUNT, read: COUNT, resumed: false });
    const first = await report();
    expect(first.history).toEqual({ entries: COUNT, read: 0, resumed: true });
    const added = await store.appendAudit({ actor: 'ci', op: 'analyze', data: { verdict: 'pass' } });
    const second = await report();
    expect(second.history).toEqual({ entries: COUNT + 1, read: 1, resumed: true });
    const { report: full } = await buildReportFromLog(config, null, (visit) => store.scanAudit(visit), clock.now());
    expect(second.report).toEqual(full);
    // The anchored row deleted (a log pruned or restored by hand): the next report starts again from the first row.
    await server.sql(
      'DELETE FROM rollout_audit WHERE release_key = $1 AND seq = $2',
      ['scale', added.seq],
      server.database,
    );
    expect((await report()).history).toMatchObject({ entries: COUNT, read: COUNT, resumed: false });
  });

  it('adds the stateSerial index to a database created at schema version 1', async () => {
    await server.sql('DROP INDEX rollout_audit_by_state_serial', [], server.database);
    await server.sql('DELETE FROM rollout_schema_version WHERE version = 2', [], server.database);
    const again = createPostgresStateStore(`${server.url}?release=scale`, { clock, env: {} });
    try {
      await again.init();
      const found = await server.sql(
        `SELECT 1 FROM pg_indexes WHERE indexname = 'rollout_audit_by_state_serial'`,
        [],
        server.database,
      );
      expect(found).toHaveLength(1);
      expect(
        await server.sql('SELECT version FROM rollout_schema_version ORDER BY version', [], server.database),
      ).toEqual([{ version: 1 }, { version: 2 }]);
    } finally {
      await again.close();
    }
  });
});
