import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runStateMigrate } from '../../../src/commands/state-migrate.js';
import type { Ctx } from '../../../src/context.js';
import { createRedactor } from '../../../src/output/redact.js';
import { FileStateStore } from '../../../src/state/file-store.js';
import { createPostgresStateStore } from '../../../src/state/postgres/create.js';
import type { PostgresStateStore } from '../../../src/state/postgres/store.js';
import type { StateStore } from '../../../src/state/store.js';
import { createInitialState } from '../../../src/state/types.js';
import { runCli, tempProject } from '../../helpers/cli.js';
import { startPostgres, type TestPostgres } from '../../helpers/postgres.js';

const clock = { now: () => new Date('2026-05-02T09:00:00.000Z') };
let server: TestPostgres;
let root: string;
const stores: PostgresStateStore[] = [];

beforeAll(async () => {
  server = await startPostgres();
  root = mkdtempSync(join(tmpdir(), 'rollout-migrate-'));
}, 120_000);
afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
  await server?.stop();
  rmSync(root, { recursive: true, force: true });
});

function makeCtx(): Ctx {
  return {
    cwd: root,
    env: {},
    clock: { ...clock, sleep: async () => undefined },
    actor: 'ana',
    global: { config: 'rollout.yaml', json: false, color: false },
    progress: () => undefined,
    isTTY: false,
    redact: createRedactor({}),
  };
}

function openPg(url: string): PostgresStateStore {
  const store = createPostgresStateStore(url, { clock, env: {} });
  stores.push(store);
  return store;
}

/** A release with three transitions, each with its history entry and audit entry, plus an unlock entry. */
async function makeHistory(store: StateStore, transitions: number): Promise<void> {
  const lock = await store.acquireLock({ actor: 'ana', operation: 'advance' });
  let state = await store.write(createInitialState('v2.1.0', 'h', clock.now()), { expectSerial: 0, lock });
  await store.appendAudit({ actor: 'ana', op: 'create', stateSerial: state.serial });
  for (let i = 1; i <= transitions; i++) {
    const history = [
      ...state.history,
      {
        at: clock.now().toISOString(),
        actor: 'ana',
        action: 'advance',
        to: { phase: `P${i}` },
        serial: state.serial + 1,
      },
    ];
    state = await store.write({ ...state, phase: `P${i}`, history }, { expectSerial: state.serial, lock });
    await store.appendAudit({
      actor: 'ana',
      op: 'advance',
      reason: `step ${i}`,
      data: { to: `P${i}` },
      stateSerial: state.serial,
    });
  }
  await store.releaseLock(lock);
  await store.appendAudit({ actor: 'bob', op: 'unlock', reason: 'stale CI job', data: { brokenLock: null } });
}

describe('rollout state migrate', () => {
  it('moves a file release to postgres and back with its history and audit log; both chains verify', async () => {
    const fileDir = join(root, 'source');
    const source = new FileStateStore({ dir: fileDir, clock });
    await makeHistory(source, 3);
    const sourceState = (await source.read())!;
    const sourceAudit = await source.readAudit();

    const toPg = await runStateMigrate(
      { from: `file:${fileDir}`, to: server.url, reason: 'moving to shared state' },
      [],
      makeCtx(),
    );
    expect(toPg.result).toMatchObject({
      release: 'v2.1.0',
      serial: 4,
      historyEntries: 4,
      auditEntries: 5,
      replaced: false,
      head: sourceAudit.at(-1)!.hash,
    });
    expect(toPg.result.to).toBe(`${server.url}?release=v2.1.0`);

    const pg = openPg(`${server.url}?release=v2.1.0`);
    expect(await pg.read()).toEqual(sourceState);
    const pgAudit = await pg.readAudit();
    expect(pgAudit.slice(0, 5)).toEqual(sourceAudit);
    expect(pgAudit[5]).toMatchObject({
      op: 'state:migrate-in',
      actor: 'ana',
      reason: 'moving to shared state',
      stateSerial: 4,
      prev: sourceAudit.at(-1)!.hash,
    });
    expect(await pg.verifyAudit()).toMatchObject({ ok: true, entries: 6 });
    expect((await source.readAudit()).at(-1)).toMatchObject({ op: 'state:migrate-out' });

    // The copy continues where the file release stopped: same lineage, next serial.
    const lock = await pg.acquireLock({ actor: 'ana', operation: 'advance' });
    const next = await pg.write({ ...sourceState, phase: 'P4' }, { expectSerial: 4, lock });
    await pg.appendAudit({ actor: 'ana', op: 'advance', stateSerial: next.serial });
    await pg.releaseLock(lock);

    const backDir = join(root, 'back');
    const back = await runStateMigrate({ from: `${server.url}?release=v2.1.0`, to: `file:${backDir}` }, [], makeCtx());
    expect(back.result).toMatchObject({ serial: 5, auditEntries: 7 });
    const returned = new FileStateStore({ dir: backDir, clock });
    expect(await returned.read()).toEqual(next);
    expect((await returned.readAudit()).slice(0, 7)).toEqual(await pg.readAudit().then((a) => a.slice(0, 7)));
    expect(await returned.verifyAudit()).toMatchObject({ ok: true, tampered: false, entries: 8 });
    expect(await returned.readLock()).toBeNull();
    expect(await pg.readLock()).toBeNull();
  });

  it('refuses a target that already holds the release unless --force, and --dry-run changes nothing', async () => {
    const fileDir = join(root, 'twice');
    await makeHistory(new FileStateStore({ dir: fileDir, clock }), 1);
    const target = `${server.url}?release=twice`;
    await runStateMigrate({ from: `file:${fileDir}`, to: target }, [], makeCtx());
    await expect(runStateMigrate({ from: `file:${fileDir}`, to: target }, [], makeCtx())).rejects.toMatchObject({
      code: 'E_USAGE',
    });
    const dry = await runStateMigrate(
      { from: `file:${fileDir}`, to: target, force: true, dryRun: true },
      [],
      makeCtx(),
    );
    expect(dry.result).toMatchObject({ dryRun: true, replaced: true });
    expect(await openPg(target).verifyAudit()).toMatchObject({ ok: true, entries: 4 });
    const forced = await runStateMigrate({ from: `file:${fileDir}`, to: target, force: true }, [], makeCtx());
    expect(forced.result).toMatchObject({ replaced: true, auditEntries: 4 }); // 3 + the first migrate-out
    expect(await openPg(target).verifyAudit()).toMatchObject({ ok: true, entries: 5 });
  });

  it('refuses to copy a source whose audit log does not verify, and an empty source', async () => {
    const url = `${server.url}?release=tampered`;
    await makeHistory(openPg(url), 2);
    await server.sql(
      `UPDATE rollout_audit SET entry = jsonb_set(entry::jsonb, '{actor}', '"eve"')::json WHERE release_key = 'tampered' AND seq = 2`,
      [],
      server.database,
    );
    await expect(
      runStateMigrate({ from: url, to: `file:${join(root, 'never')}` }, [], makeCtx()),
    ).rejects.toMatchObject({ code: 'E_AUDIT_TAMPERED' });
    await expect(
      runStateMigrate({ from: `file:${join(root, 'empty')}`, to: server.url }, [], makeCtx()),
    ).rejects.toMatchObject({ code: 'E_NO_RELEASE' });
  });

  it('runs from the CLI with --json', async () => {
    const fileDir = join(root, 'cli');
    await makeHistory(new FileStateStore({ dir: fileDir, clock }), 2);
    const run = await runCli(
      ['state', 'migrate', '--from', `file:${fileDir}`, '--to', `${server.url}?release=cli`, '--json'],
      { cwd: root },
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.json()).toMatchObject({
      ok: true,
      exitCode: 0,
      result: { release: 'v2.1.0', serial: 3, auditEntries: 4 },
    });
    expect(await openPg(`${server.url}?release=cli`).verifyAudit()).toMatchObject({ ok: true, entries: 5 });

    // `rollout log --verify` on the PostgreSQL copy, then after a row is edited.
    const project = await tempProject();
    const state = `${server.url}?release=cli`;
    const clean = await runCli(['log', '--verify', '--state', state, '--json'], { cwd: project });
    expect(clean.code, clean.stderr).toBe(0);
    expect(clean.json()).toMatchObject({ result: { verification: { ok: true, entries: 5 } } });
    await server.sql(`DELETE FROM rollout_audit WHERE release_key = 'cli' AND seq = 3`, [], server.database);
    const broken = await runCli(['log', '--verify', '--state', state, '--json'], { cwd: project });
    expect(broken.code).toBe(1);
    expect(broken.json()).toMatchObject({
      result: { verification: { ok: false, problems: [{ kind: 'deleted', seq: 3 }] } },
    });
    rmSync(project, { recursive: true, force: true });
  });
});
