import { randomInt } from 'node:crypto';
import type { Ctx } from '../context.js';
import { EXIT } from '../errors/catalogue.js';
import { RolloutError } from '../errors/rollout-error.js';
import type { DemoResult } from '../demo/types.js';
import type { CommandResult } from '../output/command-result.js';

export type { DemoResult } from '../demo/types.js';

function readSeed(value: unknown): number {
  if (value === undefined) return randomInt(1, 2 ** 31);
  const seed = Number(value);
  if (typeof value !== 'string' || !/^\d+$/.test(value) || !Number.isSafeInteger(seed) || seed > 2 ** 32 - 1) {
    throw new RolloutError('E_USAGE', `--seed ${String(value)}: a whole number from 0 to 4294967295`);
  }
  return seed;
}

/**
 * `rollout demo [--seed S] [--keep]`: a complete simulated release in a temporary directory.
 * Exit 0 when it ran as designed (the injected regression was caught and rolled back); exit 1
 * otherwise, which would be a bug in `rollout`, not in the simulated application.
 */
export async function runDemo(options: Record<string, unknown>, _args: string[], ctx: Ctx): Promise<CommandResult<DemoResult>> {
  const seed = readSeed(options.seed);
  const [{ runDemoRelease }, { renderDemo }] = await Promise.all([import('../demo/run.js'), import('../demo/render.js')]);
  const result = await runDemoRelease(ctx, { seed, keep: Boolean(options.keep) });
  return { exitCode: result.ok ? EXIT.ok : EXIT.fail, result, human: (s) => renderDemo(result, s) };
}
