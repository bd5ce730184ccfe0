import type { Ctx } from '../context.js';
import { EXIT } from '../errors/catalogue.js';
import { RolloutError } from '../errors/rollout-error.js';
import { redactDeep } from '../output/redact.js';
import { createStateStore } from '../state/factory.js';
import { importRelease } from '../state/postgres/transfer.js';
import type { LockHandle, StateStore } from '../state/store.js';
import { loadConfigFor } from './load-config.js';
import type { CommandResult, MutatingOptions } from '../output/command-result.js';

export interface StateMigrateResult {
  from: string;
  to: string;
  release: string;
  serial: number;
  lineage: string;
  historyEntries: number;
  auditEntries: number;
  /** Hash of the last copied audit entry; the target's chain verifies up to it. */
  head: string | null;
  /** True when --force replaced a release that already existed in the target. */
  replaced: boolean;
  dryRun: boolean;
}

/** `rollout state migrate` options as cli.ts parses them (--from and --to are required there). */
export interface StateMigrateOptions extends MutatingOptions {
  from: string;
  to: string;
  release?: string;
  force?: boolean;
}

/** The plan's release name, used as the PostgreSQL row key (unless `?release=` says otherwise). */
async function findReleaseName(options: StateMigrateOptions, ctx: Ctx): Promise<string | undefined> {
  if (options.release) return options.release;
  try {
    return (await loadConfigFor(ctx)).config.release;
  } catch {
    return undefined; // no plan here: the source state's own release name is used below
  }
}

function openStore(url: string, ctx: Ctx, release: string | undefined): StateStore {
  return createStateStore(url, { cwd: ctx.cwd, clock: ctx.clock, env: ctx.env, release, urlSource: 'command-line' });
}

async function closeStore(store: StateStore | undefined): Promise<void> {
  // Backends that hold connections (PostgreSQL) have close(); the file store has none.
  if (store && 'close' in store && typeof store.close === 'function')
    await Promise.resolve(store.close()).catch(() => undefined);
}

/**
 * Move a release between state backends with its full history and audit log: entries are copied
 * verbatim (their hashes still verify), the serial and lineage are kept, both locks are held
 * during the copy, and the target's chain is verified before anything is reported as done.
 */
export async function runStateMigrate(
  options: StateMigrateOptions,
  _args: string[],
  ctx: Ctx,
): Promise<CommandResult<StateMigrateResult>> {
  const { from, to } = options;
  if (!from || !to) throw new RolloutError('E_USAGE', 'state migrate needs --from <url> and --to <url>');
  if (from === to) throw new RolloutError('E_USAGE', '--from and --to name the same state');
  const releaseName = await findReleaseName(options, ctx);
  const source = openStore(from, ctx, releaseName);
  let target: StateStore | undefined;
  try {
    const peek = await source.read();
    if (!peek) throw new RolloutError('E_NO_RELEASE', `${source.describe()} holds no release to migrate`);
    target = openStore(to, ctx, releaseName ?? peek.release);
    const result = await migrate(
      source,
      target,
      { force: options.force === true, dryRun: options.dryRun === true, reason: options.reason },
      ctx,
    );
    return { exitCode: EXIT.ok, result, human: (s) => renderMigrate(result, s.green('ok')) };
  } finally {
    await Promise.all([closeStore(source), closeStore(target)]);
  }
}

async function migrate(
  source: StateStore,
  target: StateStore,
  opts: { force: boolean; dryRun: boolean; reason: string | undefined },
  ctx: Ctx,
): Promise<StateMigrateResult> {
  const lockInfo = { actor: ctx.actor, operation: 'state migrate' };
  const held: Array<[StateStore, LockHandle]> = [];
  try {
    if (!opts.dryRun) held.push([source, await source.acquireLock(lockInfo)]);
    const state = (await source.read())!;
    const entries = await source.readAudit();
    const check = await source.verifyAudit();
    if (check.tampered)
      throw new RolloutError(
        'E_AUDIT_TAMPERED',
        `the audit log of ${source.describe()} does not verify (${check.problems[0]?.message ?? 'damaged'}); refusing to copy it`,
      );
    const existing = await target.read();
    const existingAudit = (await target.readAudit()).length;
    const occupied = existing !== null || existingAudit > 0;
    if (occupied && !opts.force) {
      throw new RolloutError(
        'E_USAGE',
        `${target.describe()} already holds ${existing ? `release ${existing.release} at serial ${existing.serial}` : `${existingAudit} audit entries`}; pass --force to replace it`,
      );
    }
    const result: StateMigrateResult = {
      from: source.describe(),
      to: target.describe(),
      release: state.release,
      serial: state.serial,
      lineage: state.lineage,
      historyEntries: state.history.length,
      auditEntries: entries.length,
      head: check.head,
      replaced: occupied,
      dryRun: opts.dryRun,
    };
    if (opts.dryRun) return result;
    const targetLock = await target.acquireLock(lockInfo);
    held.push([target, targetLock]);
    await importRelease(target, state, entries, { lock: targetLock, replace: opts.force });
    await assertCopied(target, state.serial, state.lineage, entries.length, check.head);
    const { reason } = opts;
    const data = redactDeep(
      { from: result.from, to: result.to, serial: state.serial, auditEntries: entries.length, head: check.head },
      ctx.redact,
    );
    await target.appendAudit({ actor: ctx.actor, op: 'state:migrate-in', reason, data, stateSerial: state.serial });
    await source.appendAudit({ actor: ctx.actor, op: 'state:migrate-out', reason, data, stateSerial: state.serial });
    return result;
  } finally {
    for (const [store, lock] of held.reverse()) await store.releaseLock(lock).catch(() => false);
  }
}

/** The copy is done only when the target reads back the same serial and lineage and its chain verifies to the same head. */
async function assertCopied(
  target: StateStore,
  serial: number,
  lineage: string,
  entries: number,
  head: string | null,
): Promise<void> {
  const copied = await target.read();
  const verification = await target.verifyAudit();
  if (
    copied?.serial !== serial ||
    copied.lineage !== lineage ||
    !verification.ok ||
    verification.entries !== entries ||
    verification.head !== head
  ) {
    throw new RolloutError(
      'E_AUDIT_WRITE',
      `the copy in ${target.describe()} does not match the source (serial ${copied?.serial}, ${verification.entries} entries, ok=${verification.ok}); the source is unchanged`,
    );
  }
}

function renderMigrate(r: StateMigrateResult, ok: string): string {
  const what = `release ${r.release} (serial ${r.serial}, ${r.historyEntries} history entries, ${r.auditEntries} audit entries)`;
  if (r.dryRun)
    return `dry run: would copy ${what}\n  from ${r.from}\n  to   ${r.to}${r.replaced ? '\n  replacing what the target holds (--force)' : ''}`;
  return `${ok} copied ${what}\n  from ${r.from}\n  to   ${r.to}\n  audit chain verified in the target, head ${r.head ?? '(empty)'}${r.replaced ? "\n  the target's previous release was replaced (--force)" : ''}`;
}
