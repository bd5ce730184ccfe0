import type { LoadedConfig } from '../config/load.js';
import type { Ctx } from '../context.js';
import { createStateStore } from './factory.js';
import type { StateStore } from './store.js';

/** `--state`, then `state:` in rollout.yaml, then `$ROLLOUT_STATE`, then `file:.rollout`. */
export function resolveStateUrl(ctx: Ctx, loaded: LoadedConfig | null): string {
  return ctx.global.state ?? loaded?.config.state ?? ctx.env.ROLLOUT_STATE ?? 'file:.rollout';
}

export function openState(ctx: Ctx, loaded: LoadedConfig | null): StateStore {
  const urlSource = ctx.global.state ? 'command-line' : loaded?.config.state ? 'config' : 'environment';
  return createStateStore(resolveStateUrl(ctx, loaded), {
    cwd: ctx.cwd,
    clock: ctx.clock,
    env: ctx.env,
    urlSource,
    ...(loaded ? { release: loaded.config.release } : {}),
  });
}
