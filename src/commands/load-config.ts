import { configCacheDir } from '../config/cache.js';
import { loadConfig, type LoadedConfig } from '../config/load.js';
import type { Ctx } from '../context.js';

/** The plan, validated (or taken from the per-user cache of plans validated with the same bytes). */
export function loadConfigFor(ctx: Ctx, opts: { noCache?: boolean } = {}): Promise<LoadedConfig> {
  return loadConfig({ file: ctx.global.config, cwd: ctx.cwd, cacheDir: opts.noCache ? null : configCacheDir(ctx.env) });
}
