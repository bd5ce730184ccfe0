import path from 'node:path';
import type { LoadedConfig } from '../config/load.js';
import type { Ctx } from '../context.js';
import { resolveStateUrl } from '../state/open-state.js';
import type { FlushResult } from '../notify/dispatch.js';
import type { ReleaseEvent } from '../notify/types.js';

/**
 * Where notifications wait to be delivered: the file state directory, or `.rollout/` beside the plan
 * when the state lives elsewhere (the outbox is per machine: whoever runs the next command delivers).
 */
export function notificationDir(ctx: Ctx, loaded: LoadedConfig): string {
  const url = resolveStateUrl(ctx, loaded);
  if (url.startsWith('file:') && !url.startsWith('file://')) {
    const dir = url.slice('file:'.length);
    return path.isAbsolute(dir) ? dir : path.resolve(ctx.cwd, dir);
  }
  return path.resolve(ctx.cwd, '.rollout');
}

async function notifiersFor(ctx: Ctx, loaded: LoadedConfig, dir: string) {
  const notify = await import('../notify/index.js');
  const set = notify.createNotifiers(
    loaded.config.notifications,
    ctx.env,
    { stderr: { write: (s: string) => ctx.progress(s.replace(/\n$/, '')) } },
    { incidentLedger: notify.createFileIncidentLedger(dir) },
  );
  return { notify, set, outbox: notify.createFileOutbox(dir) };
}

export interface AnnounceResult {
  delivered: string[];
  queued: string[];
  errors: string[];
  warnings: string[];
}

/**
 * Tell Slack (or the console) and open incidents. Never throws and never blocks longer than its
 * deadline: an undelivered notification waits in the outbox for the next command or `notify --flush`.
 * `fireAndForget` (rollback) returns once the outbox entry is safely written.
 */
export async function announce(
  ctx: Ctx,
  loaded: LoadedConfig,
  events: ReleaseEvent[],
  opts: { fireAndForget?: boolean; deadlineMs?: number } = {},
): Promise<AnnounceResult> {
  const out: AnnounceResult = { delivered: [], queued: [], errors: [], warnings: [] };
  try {
    const dir = notificationDir(ctx, loaded);
    const { notify, set, outbox } = await notifiersFor(ctx, loaded, dir);
    out.warnings.push(...set.warnings);
    for (const event of events) {
      const r = await notify.dispatchEvent(event, {
        notifiers: set.notifiers,
        outbox,
        clock: ctx.clock,
        deadlineMs: opts.deadlineMs ?? 2000,
        ...(opts.fireAndForget ? { fireAndForget: true } : {}),
      });
      out.delivered.push(...r.delivered);
      out.queued.push(...r.queued);
      out.errors.push(...r.errors);
    }
  } catch (error) {
    out.errors.push(ctx.redact((error as Error).message));
  }
  return out;
}

/** Deliver what earlier commands could not. Never throws. */
export async function flushNotifications(
  ctx: Ctx,
  loaded: LoadedConfig,
  opts: { deadlineMs?: number; force?: boolean } = {},
): Promise<FlushResult> {
  try {
    const dir = notificationDir(ctx, loaded);
    const { notify, set, outbox } = await notifiersFor(ctx, loaded, dir);
    if ((await outbox.list()).length === 0) return { delivered: 0, failed: 0, remaining: 0, errors: [] };
    return await notify.flushOutbox({
      notifiers: set.notifiers,
      outbox,
      clock: ctx.clock,
      deadlineMs: opts.deadlineMs ?? 5000,
      ...(opts.force ? { force: true } : {}),
    });
  } catch (error) {
    return { delivered: 0, failed: 0, remaining: -1, errors: [ctx.redact((error as Error).message)] };
  }
}

/** How many notifications are waiting (for `status`); cheap, no client is loaded. */
export async function countPendingNotifications(ctx: Ctx, loaded: LoadedConfig): Promise<number> {
  try {
    const { createFileOutbox } = await import('../notify/outbox.js');
    return (await createFileOutbox(notificationDir(ctx, loaded)).list()).length;
  } catch {
    return -1;
  }
}
