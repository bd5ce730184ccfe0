import { formatDuration, parseDuration } from '../config/duration.js';
import type { Ctx } from '../context.js';
import { EXIT } from '../errors/catalogue.js';
import { RolloutError } from '../errors/rollout-error.js';
import { plainStyle } from '../output/style.js';
import { loadConfigFor } from './load-config.js';
import { collectStatus, renderStatus, type StatusOptions, type StatusResult } from './status.js';
import type { CommandResult } from '../output/command-result.js';

const MAX_INTERVAL_MS = 60 * 60_000;

/**
 * `rollout status --watch`: on a terminal the status is redrawn in place every interval (stderr, so
 * stdout keeps the final status alone); elsewhere one plain line is printed whenever it changes. Ends
 * when the release completes (exit 0) or is rolled back (exit 4), or on SIGINT/SIGTERM (exit 0).
 */
export async function watchStatus(options: StatusOptions, ctx: Ctx): Promise<CommandResult<StatusResult>> {
  const intervalMs = parseInterval(options.interval);
  const loaded = await loadConfigFor(ctx);
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    let previous = '';
    for (;;) {
      const result = await collectStatus(options, ctx, loaded);
      if (ctx.isTTY && ctx.live) {
        ctx.live(`${renderStatus(result, plainStyle)}\n\n${describeWatch(result, ctx.clock.now(), intervalMs)}`);
      } else {
        const line = statusLine(result);
        if (line !== previous) ctx.progress(`${ctx.clock.now().toISOString()} ${line}`);
        previous = line;
      }
      const exitCode = result.status === 'rolled-back' ? EXIT.rolledBack : EXIT.ok;
      if (result.status === 'completed' || result.status === 'rolled-back' || controller.signal.aborted) {
        return { exitCode, result, human: (s) => renderStatus(result, s) };
      }
      await ctx.clock.sleep(intervalMs, controller.signal);
    }
  } finally {
    process.removeListener('SIGINT', stop);
    process.removeListener('SIGTERM', stop);
  }
}

/** cli.ts has checked --interval already; checked again for callers that pass options themselves. */
function parseInterval(value: string | undefined): number {
  const ms = parseDuration(value ?? '5s');
  if (ms === null || ms <= 0 || ms > MAX_INTERVAL_MS) {
    throw new RolloutError('E_USAGE', `--interval ${value}: a duration between 1ms and 1h, e.g. 5s`, {
      details: { interval: value },
    });
  }
  return ms;
}

function describeWatch(r: StatusResult, now: Date, intervalMs: number): string {
  return `watching ${r.release}: redrawn every ${formatDuration(intervalMs)}, last at ${now.toISOString()}; ends when the release completes or is rolled back (Ctrl-C stops)`;
}

/** One line for logs: what changed is easy to spot line by line. */
export function statusLine(r: StatusResult): string {
  const parts = [`${r.status}`, `phase ${r.phase}`];
  if (r.stage)
    parts.push(
      `stage ${r.stage.id}${r.stage.bakeRemaining && r.stage.bakeRemaining !== '0ms' ? ` (bake ends in ${r.stage.bakeRemaining})` : ''}`,
    );
  for (const [key, f] of Object.entries(r.flags))
    parts.push(`${key} ${f.killSwitch ? 'KILL SWITCH' : `${f.percent} %`}`);
  const verdicts = r.latestEvidence.filter((e) => e.key.startsWith('canary:') || e.key.startsWith('preflight:'));
  if (verdicts.length) parts.push(`verdicts ${verdicts.map((e) => `${e.key}=${e.verdict}`).join(' ')}`);
  parts.push(r.lock ? `lock held by ${r.lock.actor} (${r.lock.operation})` : 'lock free');
  const last = r.history[r.history.length - 1];
  if (last) parts.push(`last ${last.action} by ${last.actor} at ${last.at}`);
  parts.push(`next: ${r.nextText}`);
  return parts.join(' | ');
}
