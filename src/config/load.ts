import { createHash } from 'node:crypto';
import path from 'node:path';
import { RolloutError, type Problem } from '../errors/rollout-error.js';
import { readConfigCache, writeConfigCache } from './cache.js';
import { readPlanFile } from './read-plan.js';
import type { PerfBudget, RawConfig } from './schema.js';

/** A validated plan, with where it came from. Warnings do not stop anything; errors never get here. */
export interface LoadedConfig {
  config: RawConfig;
  budget: PerfBudget | null;
  file: string;
  dir: string;
  /** sha256 of the plan's bytes: state remembers which plan each transition was made with. */
  hash: string;
  warnings: Problem[];
}

/**
 * Parse → schema → rules; every problem of both files at once, as `file:line:col: message`.
 * A plan already validated with the same bytes (plan and budget), path and rollout version is taken
 * from the per-user cache (`cacheDir`), which spares read-only commands loading the validator.
 */
export async function loadConfig(options: {
  file: string;
  cwd: string;
  cacheDir?: string | null;
}): Promise<LoadedConfig> {
  const absolute = path.resolve(options.cwd, options.file);
  const display = path.relative(options.cwd, absolute) || options.file;
  const text = await readPlanFile(absolute, display);
  if (text === null)
    throw new RolloutError('E_CONFIG_NOT_FOUND', `${display}: no such file`, { details: { file: display } });
  const hash = createHash('sha256').update(text).digest('hex');
  const dir = path.dirname(absolute);
  const cached = options.cacheDir
    ? await readConfigCache(options.cacheDir, { hash, absolute, cwd: options.cwd })
    : null;
  if (cached)
    return { config: cached.config, budget: cached.budget, file: absolute, dir, hash, warnings: cached.warnings };
  const { validateText } = await import('./validate-text.js');
  const { problems, config, budget, budgetFile } = await validateText(display, text, dir, options.cwd);
  const errors = problems.filter((p) => p.severity !== 'warning');
  if (errors.length > 0 || !config) {
    throw new RolloutError('E_CONFIG', `${display}: ${errors.length} problem${errors.length === 1 ? '' : 's'}`, {
      problems,
    });
  }
  const warnings = problems.filter((p) => p.severity === 'warning');
  if (options.cacheDir)
    await writeConfigCache(
      options.cacheDir,
      { hash, absolute, cwd: options.cwd },
      { config, budget, warnings, budgetFile },
    );
  return { config, budget, file: absolute, dir, hash, warnings };
}
