import type { AuthEnvNames } from './auth.js';
import { readRecording, recordingSource, replaySource } from './recording.js';
import type { Recording } from './recording.js';
import type { MetricsSource } from './types.js';

/** Where metrics come from, as the CLI and config describe it. */
export interface MetricsSourceConfig {
  /** Prometheus base URL; when absent, `env[urlEnv]` (default `PROMETHEUS_URL`). */
  url?: string;
  /** Environment holding the URL fallback and the credentials. */
  env: NodeJS.ProcessEnv;
  /** Names of the credential variables; see `AuthEnvNames`. */
  auth?: AuthEnvNames;
  /** Variable holding the URL when `url` is absent; default `PROMETHEUS_URL`. */
  urlEnv?: string;
  /** Default overall deadline per query (10 000 ms). */
  timeoutMs?: number;
  /** Extra attempts for transient failures (2). */
  retries?: number;
  /** Answer from this recording (file path or loaded) instead of a server. Wins over `url`. */
  replay?: string | Recording;
  /** Append every query and outcome to this recording (write it with `writeRecording`). */
  record?: Recording;
  /** Clock for relative times in record/replay. */
  now?: () => Date;
}

/** No usable metrics source was configured. */
export class MetricsConfigError extends Error {
  constructor(
    readonly code: 'METRICS_NO_SOURCE' | 'METRICS_BAD_URL' | 'METRICS_REPLAY_AND_RECORD',
    message: string,
  ) {
    super(message);
    this.name = 'MetricsConfigError';
  }
}

/**
 * Picks the adapter: replay when a recording is given, Prometheus otherwise. The Prometheus client is
 * imported only here, lazily, so commands that never query metrics do not pay for loading it.
 */
export async function createMetricsSource(config: MetricsSourceConfig): Promise<MetricsSource> {
  const now = config.now ?? (() => new Date());
  if (config.replay !== undefined) {
    if (config.record)
      throw new MetricsConfigError('METRICS_REPLAY_AND_RECORD', 'cannot record while replaying a recording');
    const recording = typeof config.replay === 'string' ? await readRecording(config.replay) : config.replay;
    const label = typeof config.replay === 'string' ? `replay:${config.replay}` : 'replay';
    return replaySource(recording, now, label);
  }
  const url = config.url ?? config.env[config.urlEnv ?? 'PROMETHEUS_URL'];
  if (!url) {
    throw new MetricsConfigError(
      'METRICS_NO_SOURCE',
      `no Prometheus URL: set it in the config or in ${config.urlEnv ?? 'PROMETHEUS_URL'}, or replay a recording`,
    );
  }
  if (!/^https?:\/\/[^/]/.test(url) || !URL.canParse(url)) {
    throw new MetricsConfigError('METRICS_BAD_URL', 'the Prometheus URL must be an absolute http(s) URL');
  }
  const { createPrometheusSource } = await import('./prometheus.js');
  const source = createPrometheusSource({
    url,
    env: config.env,
    ...(config.auth ? { auth: config.auth } : {}),
    ...(config.timeoutMs !== undefined ? { timeoutMs: config.timeoutMs } : {}),
    ...(config.retries !== undefined ? { retry: { retries: config.retries } } : {}),
  });
  return config.record ? recordingSource(source, config.record, now) : source;
}
