import type { Ctx } from '../context.js';
import { EXIT } from '../errors/catalogue.js';
import { RolloutError } from '../errors/rollout-error.js';
import type { Style } from '../output/style.js';
import { StateCorruptError, StateUnsafePathError } from '../state/errors.js';
import { FileStateStore } from '../state/file-store.js';
import { rebuildStateFromAudit, type RebuildResult } from '../state/rebuild.js';
import type { ReleaseState } from '../state/types.js';
import { loadConfigFor } from './load-config.js';
import { openState } from '../state/open-state.js';
import type { CommandResult } from '../output/command-result.js';

export interface StateRepairResult {
  /** Where the state lives. */
  store: string;
  /** Why the current state cannot be used; null when it can (nothing to repair). */
  problem: string | null;
  /** True when the rebuilt state was written (`--write`). */
  written: boolean;
  /** The broken file, renamed aside when the rebuilt state was written. */
  brokenCopy: string | null;
  /** The rebuilt document (also in a dry run). */
  state: ReleaseState | null;
  usedEntries: RebuildResult['usedEntries'];
  notes: string[];
}

function isUnusable(error: unknown): error is StateCorruptError | StateUnsafePathError {
  return error instanceof StateCorruptError || error instanceof StateUnsafePathError;
}

/** `rollout state repair` options as cli.ts parses them. */
export interface StateRepairOptions {
  write?: boolean;
  reason?: string;
}

/**
 * `rollout state repair [--write]`: rebuild an unusable `state.json` from the audit log. A dry run by
 * default: prints the document it would write. `--write` renames the broken file aside, writes the
 * rebuilt one under the release lock and records `state:repair` in the audit log.
 */
export async function runStateRepair(
  options: StateRepairOptions,
  _args: string[],
  ctx: Ctx,
): Promise<CommandResult<StateRepairResult>> {
  const loaded = await loadConfigFor(ctx);
  const store = openState(ctx, loaded);
  if (!(store instanceof FileStateStore)) {
    throw new RolloutError(
      'E_USAGE',
      `state repair works on a file: state; for ${store.describe()} restore the rollout_state row from a database backup (rollout runbook show state-corrupt)`,
    );
  }
  const base = { store: store.describe(), written: false, brokenCopy: null, usedEntries: [], notes: [] };
  let problem: string | null = null;
  try {
    await store.read();
  } catch (error) {
    if (!isUnusable(error)) throw error;
    problem = error.message;
  }
  if (problem === null) {
    const result: StateRepairResult = { ...base, problem: null, state: null };
    return { exitCode: EXIT.ok, result, human: () => 'the state is readable: nothing to repair' };
  }
  const verification = await store.verifyAudit();
  if (verification.tampered) {
    throw new RolloutError(
      'E_AUDIT_TAMPERED',
      `the audit log does not verify (${verification.problems.length} problem(s)): it cannot be trusted to rebuild the state; restore from a backup instead`,
    );
  }
  const rebuilt = rebuildStateFromAudit(await store.readAudit(), loaded.config);
  if (options.write !== true) {
    const result: StateRepairResult = {
      ...base,
      problem,
      state: rebuilt.state,
      usedEntries: rebuilt.usedEntries,
      notes: rebuilt.notes,
    };
    return { exitCode: EXIT.ok, result, human: (s) => render(result, s) };
  }
  const lock = await store.acquireLock({ actor: ctx.actor, operation: 'state repair' });
  try {
    const brokenCopy = await store.replaceUnusableState(rebuilt.state, lock);
    await store.appendAudit({
      actor: ctx.actor,
      op: 'state:repair',
      ...(options.reason !== undefined ? { reason: options.reason } : {}),
      data: {
        problem: ctx.redact(problem),
        brokenCopy,
        fromEntries: rebuilt.usedEntries.map((e) => e.seq),
        position: { phase: rebuilt.state.phase, stage: rebuilt.state.stage?.id ?? null, status: rebuilt.state.status },
      },
      stateSerial: rebuilt.state.serial,
    });
    const result: StateRepairResult = {
      ...base,
      problem,
      written: true,
      brokenCopy,
      state: rebuilt.state,
      usedEntries: rebuilt.usedEntries,
      notes: rebuilt.notes,
    };
    return { exitCode: EXIT.ok, result, human: (s) => render(result, s) };
  } finally {
    await store.releaseLock(lock);
  }
}

function render(r: StateRepairResult, s: Style): string {
  const st = r.state;
  const position = st
    ? `${st.status}, phase ${st.phase ?? '-'}, stage ${st.stage?.id ?? '-'}, serial ${st.serial}${Object.entries(
        st.flags,
      )
        .map(([k, f]) => `, ${k} ${f.killSwitch ? 'kill switch on' : `${f.percent}%`}`)
        .join('')}`
    : '';
  const lines = [
    s.yellow(`state cannot be used: ${r.problem ?? ''}`),
    `rebuilt from ${r.usedEntries.length} audit entr${r.usedEntries.length === 1 ? 'y' : 'ies'}: ${position}`,
    ...r.notes.map((n) => `  note: ${n}`),
  ];
  if (r.written) lines.push(s.green(`written; the broken file was kept as ${r.brokenCopy ?? '(there was none)'}`));
  else
    lines.push(
      'dry run: nothing was changed. Check the position above against `rollout flags show`, then run `rollout state repair --write`.',
      JSON.stringify(st, null, 2),
    );
  return lines.join('\n');
}
