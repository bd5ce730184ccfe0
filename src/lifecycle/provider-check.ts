import type { LoadedConfig } from '../config/load.js';
import type { Ctx } from '../context.js';
import { RolloutError } from '../errors/rollout-error.js';
import { ProviderHandEditError, ProviderUnavailableError } from '../flags/providers/errors.js';
import { openProvider } from '../flags/providers/registry.js';
import type { FlagState, ReleaseState } from '../state/types.js';
import { toProviderFlag } from './flag-sync.js';

/**
 * Before `advance` writes its intent (and before `retry` writes the re-opened state), every remote provider (an
 * Unleash server) is asked three things: can it be reached with the token (else exit 3), does it still hold what the release
 * wrote last (else exit 1 with the difference: a hand edit is never overwritten), and would it take the
 * step (a dry-run write). Nothing is changed by any of this, so a failure leaves state and toggle as they were.
 * Flag files need none of it: assertFlagFilesUsable checks them.
 */
export async function assertProvidersReady(
  ctx: Ctx,
  loaded: LoadedConfig,
  state: ReleaseState,
  target: Record<string, FlagState>,
  command: 'advance' | 'retry' = 'advance',
): Promise<void> {
  // Every remote flag, not only the one that moves: each step rewrites them all (idempotently), and an edit in
  // an unchanged toggle must not be overwritten either.
  for (const flag of loaded.config.flags) {
    if (flag.provider === 'flagd-file') continue;
    const key = flag.key;
    const next = target[key] ?? { percent: 0, groups: [], killSwitch: false };
    const provider = await openProvider(flag.provider, { planDir: loaded.dir, env: ctx.env, redact: ctx.redact });
    const pf = toProviderFlag(loaded.config, flag);
    try {
      const recorded = state.flags[key];
      if (recorded?.sha256 && provider.handEdits) {
        const served = await provider.readServed(pf);
        if (served?.killSwitch && !recorded.killSwitch)
          throw new RolloutError(
            'E_ROLLBACK_IN_PROGRESS',
            `the kill switch of ${key} is on in ${pf.location}: a rollback is under way, or one was interrupted before it was recorded (then \`rollout rollback\` records it; \`rollout status\` shows which); ${command} stopped before changing anything`,
          );
        const edits = await provider.handEdits(pf, {
          percent: recorded.percent,
          groups: recorded.groups,
          killSwitch: recorded.killSwitch,
        });
        if (edits.length) throw new ProviderHandEditError(pf.location, edits);
      }
      await provider.writeStage(
        [{ flag: pf, position: { percent: next.percent, groups: next.groups, killSwitch: next.killSwitch } }],
        { dryRun: true, publish: 'never' },
      );
    } catch (error) {
      throw stoppedBeforeChange(error, key, pf.location, command);
    }
  }
}

/** A provider failure as advance (or retry) reports it: which flag, where, and that nothing was changed. */
export function stoppedBeforeChange(
  error: unknown,
  key: string,
  location: string,
  command: 'advance' | 'retry' = 'advance',
): unknown {
  if (error instanceof ProviderUnavailableError)
    return new RolloutError(
      'E_FLAG_PROVIDER',
      `flag ${key} (${location}): ${error.message}; ${command} stopped before changing anything (the state and the flag are as they were)`,
      { details: { status: error.status } },
    );
  if (error instanceof ProviderHandEditError)
    return new RolloutError(
      'E_FLAG_HAND_EDIT',
      `flag ${key}: ${error.message}\n${command} stopped before changing anything: rollout never overwrites an edit it did not make. Undo it in the provider (or \`rollout flags sync\` to put back what the release wrote), then ${command} again`,
      { details: { location, diff: error.diff } },
    );
  return error;
}
