import type { LoadedConfig } from '../config/load.js';
import { parseDuration } from '../config/duration.js';
import type { Ctx } from '../context.js';
import { RolloutError } from '../errors/rollout-error.js';
import type { Recording } from './recording-format.js';
import type { MetricsSource } from './types.js';

/** The plan's Prometheus (URL and credentials from the environment), or a replayed recording. */
export async function openMetrics(
  ctx: Ctx,
  loaded: LoadedConfig,
  opts: { replay?: string; record?: Recording; now?: () => Date } = {},
): Promise<MetricsSource> {
  if (ctx.metricsSource && !opts.replay) return ctx.metricsSource;
  const { createMetricsSource, MetricsConfigError } = await import('./factory.js');
  const prom = loaded.config.metrics.prometheus;
  try {
    return await createMetricsSource({
      env: ctx.env,
      urlEnv: prom.urlEnv,
      auth: {
        ...(prom.bearerTokenEnv ? { tokenEnv: prom.bearerTokenEnv } : {}),
        ...(prom.usernameEnv ? { usernameEnv: prom.usernameEnv } : {}),
        ...(prom.passwordEnv ? { passwordEnv: prom.passwordEnv } : {}),
      },
      timeoutMs: parseDuration(prom.timeout) ?? 10_000,
      retries: prom.retries,
      now: opts.now ?? (() => ctx.clock.now()),
      ...(opts.replay ? { replay: opts.replay } : {}),
      ...(opts.record ? { record: opts.record } : {}),
    });
  } catch (error) {
    if (error instanceof MetricsConfigError) {
      if (error.code === 'METRICS_NO_SOURCE')
        throw new RolloutError('E_NO_METRICS_SOURCE', `no Prometheus URL: ${prom.urlEnv} is not set`);
      throw new RolloutError('E_USAGE', error.message);
    }
    if ((error as Error).name === 'RecordingFormatError' || (error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new RolloutError('E_USAGE', `--replay: ${(error as Error).message}`);
    }
    throw error;
  }
}
