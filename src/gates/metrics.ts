import { parseDuration } from '../config/duration.js';
import type { RawConfig } from '../config/schema.js';
import type { AuthEnvNames } from '../metrics/auth.js';
import type { MetricsSource } from '../metrics/types.js';
import type { GateMetrics } from './types.js';

type PrometheusSettings = RawConfig['metrics']['prometheus'];

// Names the adapter reads basic-auth parts from; filled from `basicAuthEnv` ("user:password").
const BASIC_USER = 'ROLLOUT_GATE_PROMETHEUS_USER';
const BASIC_PASSWORD = 'ROLLOUT_GATE_PROMETHEUS_PASSWORD';

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

async function openSource(settings: PrometheusSettings, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ source: MetricsSource } | { problem: string; hint: string }> {
  const url = env[settings.urlEnv];
  if (!url) {
    return { problem: `no Prometheus URL: ${settings.urlEnv} is not set`, hint: `set ${settings.urlEnv} to your Prometheus (e.g. ${settings.urlEnv}=http://prometheus:9090)` };
  }
  const { env: authEnv, auth } = resolveAuth(settings, env);
  const { createMetricsSource, MetricsConfigError } = await import('../metrics/factory.js');
  try {
    const source = await createMetricsSource({ url, env: authEnv, auth, timeoutMs, retries: settings.retries });
    return { source };
  } catch (error) {
    if (error instanceof MetricsConfigError) return { problem: error.message, hint: `set ${settings.urlEnv} to an absolute http(s) URL` };
    throw error;
  }
}

/** Only the variables the plan names reach the adapter: a stray PROMETHEUS_TOKEN is not sent anywhere. */
function resolveAuth(settings: PrometheusSettings, env: NodeJS.ProcessEnv): { env: NodeJS.ProcessEnv; auth: AuthEnvNames } {
  const authEnv: NodeJS.ProcessEnv = {};
  const auth: AuthEnvNames = { tokenEnv: '-', usernameEnv: BASIC_USER, passwordEnv: BASIC_PASSWORD };
  if (settings.bearerTokenEnv && env[settings.bearerTokenEnv]) {
    auth.tokenEnv = settings.bearerTokenEnv;
    authEnv[settings.bearerTokenEnv] = env[settings.bearerTokenEnv];
  }
  const basic = settings.basicAuthEnv ? env[settings.basicAuthEnv] : undefined;
  const colon = basic?.indexOf(':') ?? -1;
  if (basic && colon > 0) {
    authEnv[BASIC_USER] = basic.slice(0, colon);
    authEnv[BASIC_PASSWORD] = basic.slice(colon + 1);
  }
  return { env: authEnv, auth };
}
