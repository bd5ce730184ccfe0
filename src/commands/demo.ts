import { randomInt } from 'node:crypto';
import type { Ctx } from '../context.js';
import { EXIT } from '../errors/catalogue.js';
import { RolloutError } from '../errors/rollout-error.js';
import type { DemoResult } from '../demo/types.js';
import type { CommandResult } from '../output/command-result.js';

export type { DemoResult } from '../demo/types.js';

/** `rollout demo` options as cli.ts parses them (--seed: 0 … 2^32 − 1). */
export interface DemoOptions {
  seed?: number;
  keep?: boolean;
  /** Where the flag lives: `flagd-file` (default, no service) or `unleash` (a real Unleash server). */
  provider?: 'flagd-file' | 'unleash';
  /** Where unleash-server is installed, for a local server (`--unleash-server <dir>`). */
  unleashServer?: string;
}

/**
 * `rollout demo [--seed S] [--keep] [--provider flagd-file|unleash]`: a complete simulated release in a
 * temporary directory. Exit 0 when it ran as designed (the injected regression was caught and rolled back);
 * exit 1 otherwise, which would be a bug in `rollout`, not in the simulated application. With
 * `--provider unleash`: exit 2 when unleash-server or PostgreSQL is not installed (E_DEMO_PREREQUISITE),
 * 3 when a server fails (E_DEMO_SERVICE, E_FLAG_PROVIDER).
 */
export async function runDemo(options: DemoOptions, _args: string[], ctx: Ctx): Promise<CommandResult<DemoResult>> {
  if (options.unleashServer && options.provider !== 'unleash')
    throw new RolloutError(
      'E_USAGE',
      '--unleash-server goes with --provider unleash (where the local Unleash comes from)',
    );
  const seed = options.seed ?? randomInt(1, 2 ** 31);
  const [{ runDemoRelease }, { renderDemo }] = await Promise.all([
    import('../demo/run.js'),
    import('../demo/render.js'),
  ]);
  const result = await runDemoRelease(ctx, {
    seed,
    keep: options.keep === true,
    provider: options.provider ?? 'flagd-file',
    ...(options.unleashServer ? { unleashServer: options.unleashServer } : {}),
  });
  return { exitCode: result.ok ? EXIT.ok : EXIT.fail, result, human: (s) => renderDemo(result, s) };
}
