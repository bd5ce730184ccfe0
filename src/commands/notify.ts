import type { Ctx } from '../context.js';
import { EXIT } from '../errors/catalogue.js';
import { RolloutError } from '../errors/rollout-error.js';
import { flushNotifications } from '../lifecycle/announce.js';
import type { FlushResult } from '../notify/dispatch.js';
import { loadConfigFor } from './load-config.js';
import type { CommandResult } from '../output/command-result.js';

/** `rollout notify --flush`: deliver every waiting notification now (backoff ignored). */
export async function runNotify(
  options: { flush?: boolean },
  _args: string[],
  ctx: Ctx,
): Promise<CommandResult<FlushResult>> {
  if (!options.flush)
    throw new RolloutError('E_USAGE', 'notify needs --flush (deliver the notifications waiting in the outbox)');
  const loaded = await loadConfigFor(ctx);
  const result = await flushNotifications(ctx, loaded, { force: true, deadlineMs: 20_000 });
  return {
    exitCode: result.remaining > 0 || result.errors.length > 0 ? EXIT.fail : EXIT.ok,
    result,
    human: (s) =>
      [
        `${result.delivered} delivered, ${result.failed} failed, ${Math.max(0, result.remaining)} still waiting`,
        ...result.errors.map((e) => s.red(e)),
      ].join('\n'),
  };
}
