import { loadConfig, type LoadedConfig } from '../config/load.js';
import type { Ctx } from '../context.js';

export function loadConfigFor(ctx: Ctx): Promise<LoadedConfig> {
  return loadConfig({ file: ctx.global.config, cwd: ctx.cwd });
}
