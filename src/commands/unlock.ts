import type { Ctx } from '../context.js';
import { EXIT } from '../errors/catalogue.js';
import { RolloutError } from '../errors/rollout-error.js';
import { redactDeep } from '../output/redact.js';
import type { LockInfo } from '../state/store.js';
import { loadConfigFor } from './load-config.js';
import { openState } from '../state/open-state.js';
import type { CommandResult, MutatingOptions } from '../output/command-result.js';

export interface UnlockResult {
  broken: LockInfo | null;
  dryRun: boolean;
}

/** Breaking a lock is deliberate: it needs --force and a --reason, and it is audited. */
export async function runUnlock(
  options: MutatingOptions & { force?: boolean },
  _args: string[],
  ctx: Ctx,
): Promise<CommandResult<UnlockResult>> {
  if (!options.force)
    throw new RolloutError(
      'E_USAGE',
      'unlock needs --force: breaking a lock can let two operations change the release at once',
    );
  const reason = options.reason?.trim() ?? '';
  if (!reason) throw new RolloutError('E_USAGE', 'unlock needs --reason "<why>": it is recorded in the audit log');
  const loaded = await loadConfigFor(ctx);
  const store = openState(ctx, loaded);
  const dryRun = options.dryRun === true;
  const broken = dryRun ? await store.readLock() : await store.forceUnlock();
  if (!dryRun && broken)
    await store.appendAudit(
      redactDeep({ actor: ctx.actor, op: 'unlock', reason, data: { brokenLock: broken } }, ctx.redact),
    );
  const result: UnlockResult = { broken, dryRun };
  return {
    exitCode: EXIT.ok,
    result,
    human: (s) => {
      if (!broken) return 'no lock is held; nothing to do';
      const who = `${broken.actor} (${broken.operation}, pid ${broken.pid} on ${broken.host}, since ${broken.startedAt})`;
      return dryRun
        ? `${s.yellow('dry run')}: would break the lock held by ${who}`
        : `${s.yellow('broke')} the lock held by ${who}; recorded in the audit log`;
    },
  };
}
