import { parseDuration } from '../config/duration.js';
import type { RawConfig } from '../config/schema.js';
import type { AuthEnvNames } from '../metrics/auth.js';
import type { MetricsSource } from '../metrics/types.js';
import type { GateMetrics } from './types.js';

type PrometheusSettings = RawConfig['metrics']['prometheus'];

/**
 * One metrics source shared by every prometheus gate of a run, created on first use so that a run
 * without prometheus gates never loads the Prometheus client. No URL is not an error here: each
 * prometheus gate turns it into an inconclusive result with a hint naming the variable.
 */
export function createGateMetrics(settings: PrometheusSettings, env: NodeJS.ProcessEnv): GateMetrics {
  const timeoutMs = parseDuration(settings.timeout) ?? 10_000;
  let pending: ReturnType<GateMetrics['get']> | undefined;
  return {
    timeoutMs,
    get: () => (pending ??= openSource(settings, env, timeoutMs)),
  };
}

async function openSource(
  settings: PrometheusSettings,
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<{ source: MetricsSource } | { problem: string; hint: string }> {
  const url = env[settings.urlEnv];
  if (!url) {
    return {
      problem: `no Prometheus URL: ${settings.urlEnv} is not set`,
      hint: `set ${settings.urlEnv} to your Prometheus (e.g. ${settings.urlEnv}=http://prometheus:9090)`,
    };
  }
  const { env: authEnv, auth } = resolveAuth(settings, env);
  const { createMetricsSource, MetricsConfigError } = await import('../metrics/factory.js');
  try {
    const source = await createMetricsSource({ url, env: authEnv, auth, timeoutMs, retries: settings.retries });
    return { source };
  } catch (error) {
    if (error instanceof MetricsConfigError)
      return { problem: error.message, hint: `set ${settings.urlEnv} to an absolute http(s) URL` };
    throw error;
  }
}

/** Only the variables the plan names reach the adapter: a stray PROMETHEUS_TOKEN is not sent anywhere. */
function resolveAuth(
  settings: PrometheusSettings,
  env: NodeJS.ProcessEnv,
): { env: NodeJS.ProcessEnv; auth: AuthEnvNames } {
  const names = [settings.bearerTokenEnv, settings.usernameEnv, settings.passwordEnv].filter((n): n is string =>
    Boolean(n),
  );
  const authEnv: NodeJS.ProcessEnv = Object.fromEntries(
    names.flatMap((n) => (env[n] !== undefined ? [[n, env[n]]] : [])),
  );
  // Unset names point at a variable that cannot exist, so the adapter's defaults are never read.
  const none = '-';
  return {
    env: authEnv,
    auth: {
      tokenEnv: settings.bearerTokenEnv ?? none,
      usernameEnv: settings.usernameEnv ?? none,
      passwordEnv: settings.passwordEnv ?? none,
    },
  };
}
