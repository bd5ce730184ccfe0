import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { FileStateStore } from '../../../src/state/file-store.js';
import { createPostgresStateStore } from '../../../src/state/postgres/create.js';
import type { PostgresStateStore } from '../../../src/state/postgres/store.js';
import { startPostgres, type TestPostgres } from '../../helpers/postgres.js';
import { contractClock, describeStateStoreContract } from './state-contract.js';

const roots: string[] = [];
afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

describeStateStoreContract('file', async () => {
  const root = mkdtempSync(join(tmpdir(), 'rollout-contract-'));
  roots.push(root);
  const dir = join(root, '.rollout');
  const auditPath = join(dir, 'audit.jsonl');
  const lines = () => readFileSync(auditPath, 'utf8').split('\n').filter(Boolean);
  const save = (l: string[]) => writeFileSync(auditPath, `${l.join('\n')}\n`);
  return {
    store: new FileStateStore({ dir, clock: contractClock }),
    openAgain: () => new FileStateStore({ dir, clock: contractClock }),
    async editEntry(seq) {
      const l = lines();
      l[seq - 1] = l[seq - 1]!.replace('"actor":"ana"', '"actor":"eve"');
      save(l);
    },
    async deleteEntry(seq) {
      save(lines().filter((_, i) => i !== seq - 1));
    },
    async swapEntries(a, b) {
      const l = lines();
      [l[a - 1], l[b - 1]] = [l[b - 1]!, l[a - 1]!];
      save(l);
    },
  };
});

let server: TestPostgres;
const stores: PostgresStateStore[] = [];
let counter = 0;
beforeAll(async () => {
  server = await startPostgres();
}, 120_000);
afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
  await server?.stop();
});

describeStateStoreContract('postgres', async () => {
  const release = `contract-${++counter}`;
  const url = `${server.url}?release=${release}`;
  const open = () => {
    const store = createPostgresStateStore(url, { clock: contractClock, env: {} });
    stores.push(store);
    return store;
  };
  const sql = (text: string, params: unknown[]) => server.sql(text, params, server.database);
  return {
    store: open(),
    openAgain: open,
    async editEntry(seq) {
      await sql(
        `UPDATE rollout_audit SET entry = jsonb_set(entry::jsonb, '{actor}', '"eve"')::json WHERE release_key = $1 AND seq = $2`,
        [release, seq],
      );
    },
    async deleteEntry(seq) {
      await sql('DELETE FROM rollout_audit WHERE release_key = $1 AND seq = $2', [release, seq]);
    },
    async swapEntries(a, b) {
      // Move the rows' contents (entry and seq column), not their insertion positions.
      const rows = await sql(
        'SELECT id, seq, entry::text AS entry FROM rollout_audit WHERE release_key = $1 AND seq IN ($2, $3) ORDER BY seq',
        [release, a, b],
      );
      const [ra, rb] = rows as Array<{ id: string; seq: string; entry: string }>;
      await sql('UPDATE rollout_audit SET seq = -1 WHERE id = $1', [ra!.id]);
      await sql('UPDATE rollout_audit SET seq = $2, entry = $3::json WHERE id = $1', [rb!.id, ra!.seq, ra!.entry]);
      await sql('UPDATE rollout_audit SET seq = $2, entry = $3::json WHERE id = $1', [ra!.id, rb!.seq, rb!.entry]);
    },
  };
});
