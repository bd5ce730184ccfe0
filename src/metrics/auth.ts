/**
 * Prometheus credentials come from the environment only (never from `rollout.yaml`). The variable
 * names are configurable so that a team can point at whatever its CI already provides.
 */

/** Credentials sent to Prometheus. Never logged; see `redact.ts`. */
export type PrometheusAuth = { type: 'bearer'; token: string } | { type: 'basic'; username: string; password: string };

/** Names of the environment variables holding credentials. */
export interface AuthEnvNames {
  /** Bearer token variable; default `PROMETHEUS_TOKEN`. Wins over basic auth when both are set. */
  tokenEnv?: string;
  /** Basic-auth user variable; default `PROMETHEUS_USERNAME`. */
  usernameEnv?: string;
  /** Basic-auth password variable; default `PROMETHEUS_PASSWORD`. */
  passwordEnv?: string;
}

export const DEFAULT_AUTH_ENV: Required<AuthEnvNames> = {
  tokenEnv: 'PROMETHEUS_TOKEN',
  usernameEnv: 'PROMETHEUS_USERNAME',
  passwordEnv: 'PROMETHEUS_PASSWORD',
};

/** Reads credentials from `env`; falls back to user:password embedded in `url`; undefined when none. */
export function readAuth(env: NodeJS.ProcessEnv, url: string, names: AuthEnvNames = {}): PrometheusAuth | undefined {
  const resolved = { ...DEFAULT_AUTH_ENV, ...names };
  const token = env[resolved.tokenEnv];
  if (token) return { type: 'bearer', token };
  const username = env[resolved.usernameEnv];
  const password = env[resolved.passwordEnv];
  if (username && password) return { type: 'basic', username, password };
  const parsed = safeParse(url);
  if (parsed?.username) {
    return {
      type: 'basic',
      username: decodeURIComponent(parsed.username),
      password: decodeURIComponent(parsed.password),
    };
  }
  return undefined;
}

/** The values that must never appear in any output. */
export function listSecrets(auth: PrometheusAuth | undefined): string[] {
  if (!auth) return [];
  if (auth.type === 'bearer') return [auth.token];
  return [auth.password, Buffer.from(`${auth.username}:${auth.password}`).toString('base64')];
}

/** `url` without userinfo, for sending requests (credentials travel in headers instead). */
export function stripUserinfo(url: string): string {
  const parsed = safeParse(url);
  if (!parsed) return url;
  parsed.username = '';
  parsed.password = '';
  return parsed.toString().replace(/\/$/, '');
}

function safeParse(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}
