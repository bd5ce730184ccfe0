import { createHash } from 'node:crypto';
import { parseDuration } from '../../config/duration.js';
import { ProviderUnavailableError } from './errors.js';
import { DEFAULT_UNLEASH_TOKEN_ENV, DEFAULT_UNLEASH_URL_ENV } from './registry.js';

// The Unleash admin HTTP API as the unleash provider and its kill switch use it: Node's fetch, a timeout on
// every request, secrets from the environment only. Built-ins only, so the rollback fast path can load it.

/** `flags[].unleash` as the provider uses it. */
export interface UnleashOptions {
  project: string;
  environment: string;
  urlEnv?: string;
  tokenEnv?: string;
  /** Per request (default 5 s): a slow server is a failure, never a hang. */
  timeoutMs?: number;
  /** Context field the percentage is bucketed on (Unleash stickiness), default `userId`. */
  stickiness?: string;
}

export const STAGE_TITLE = 'rollout:stage';
export const GROUPS_TITLE = 'rollout:groups';
export const DEFAULT_UNLEASH_TIMEOUT_MS = 5000;

/** Unleash could not be reached or refused the request; nothing after the failed call was changed. */
export class UnleashUnavailableError extends ProviderUnavailableError {
  constructor(message: string, status: number | null) {
    super(message, status);
    this.name = 'UnleashUnavailableError';
  }
}

export interface Strategy {
  id?: string;
  name: string;
  title?: string | null;
  disabled?: boolean | null;
  parameters?: Record<string, string>;
  constraints?: Array<{
    contextName: string;
    operator: string;
    values?: string[];
    inverted?: boolean;
    caseInsensitive?: boolean;
  }>;
  segments?: number[];
  variants?: unknown[];
}
export interface EnvironmentView {
  enabled: boolean;
  strategies: Strategy[];
}

const text = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

/**
 * `flags[].unleash` (validated, or as the YAML says it on the rollback fast path) → options. A timeout that
 * does not parse or is out of the schema's range falls back to the default, so a typo cannot make a
 * rollback wait for minutes.
 */
export function unleashOptionsOf(settings: Record<string, unknown> | undefined): UnleashOptions {
  const s = settings ?? {};
  const ms = parseDuration(text(s.timeout) ?? '');
  return {
    project: text(s.project) ?? 'default',
    environment: text(s.environment) ?? '',
    urlEnv: text(s.urlEnv) ?? DEFAULT_UNLEASH_URL_ENV,
    tokenEnv: text(s.tokenEnv) ?? DEFAULT_UNLEASH_TOKEN_ENV,
    timeoutMs: ms !== null && ms >= 100 && ms <= 60_000 ? ms : DEFAULT_UNLEASH_TIMEOUT_MS,
    stickiness: text(s.stickiness) ?? 'userId',
  };
}

/** The canonical shape of a toggle's environment: compared field by field, digested for the state. */
export function canonicalEnvironment(env: EnvironmentView): {
  enabled: boolean;
  strategies: Array<{ title: string; rollout: string; stickiness: string; groupId: string; constraints: string[] }>;
} {
  const strategies = env.strategies
    .map((s) => ({
      title: s.title ?? '',
      rollout: s.parameters?.rollout ?? '',
      stickiness: s.parameters?.stickiness ?? '',
      groupId: s.parameters?.groupId ?? '',
      constraints: (s.constraints ?? []).map(
        (c) => `${c.contextName} ${c.inverted ? 'NOT ' : ''}${c.operator} ${[...(c.values ?? [])].sort().join(',')}`,
      ),
      ...(s.name !== 'flexibleRollout' || s.disabled ? { other: `${s.name}${s.disabled ? ' (disabled)' : ''}` } : {}),
    }))
    .sort((a, b) => a.title.localeCompare(b.title));
  return { enabled: env.enabled, strategies };
}

/** sha256 of the canonical environment: what the state records and `status` compares. */
export function digestEnvironment(env: EnvironmentView): string {
  return createHash('sha256')
    .update(JSON.stringify(canonicalEnvironment(env)))
    .digest('hex');
}

export interface UnleashApi {
  readonly options: Required<UnleashOptions>;
  call(method: string, route: string, body?: unknown): Promise<unknown>;
  featurePath(key: string): string;
  envPath(key: string): string;
  /** The toggle's state in the environment; null when the toggle does not exist. */
  readEnvironment(key: string): Promise<EnvironmentView | null>;
  /** The admin API call and the UI action that turn the toggle off by hand (no secret in it). */
  manualKillStep(key: string): string;
}

export function createUnleashApi(
  ctx: { env: NodeJS.ProcessEnv; redact: (text: string) => string },
  options: UnleashOptions,
): UnleashApi {
  const o: Required<UnleashOptions> = {
    urlEnv: DEFAULT_UNLEASH_URL_ENV,
    tokenEnv: DEFAULT_UNLEASH_TOKEN_ENV,
    timeoutMs: DEFAULT_UNLEASH_TIMEOUT_MS,
    stickiness: 'userId',
    ...options,
  };
  // A secret is scrubbed from every message even when the caller's redaction does not know the variable.
  const scrub = (t: string): string => {
    let out = ctx.redact(t);
    for (const name of [o.tokenEnv]) {
      const secret = ctx.env[name];
      if (secret && secret.length >= 4) out = out.split(secret).join('[redacted]');
    }
    return out;
  };

  async function call(method: string, route: string, body?: unknown): Promise<unknown> {
    const base = ctx.env[o.urlEnv];
    const token = ctx.env[o.tokenEnv];
    if (!base)
      throw new UnleashUnavailableError(
        `${o.urlEnv} is not set: the Unleash URL comes from the environment only`,
        null,
      );
    if (!token)
      throw new UnleashUnavailableError(
        `${o.tokenEnv} is not set: the Unleash admin token comes from the environment only`,
        null,
      );
    let response: Response;
    let answer: string;
    try {
      response = await fetch(`${base.replace(/\/+$/, '')}/api/admin${route}`, {
        method,
        headers: { authorization: token, 'content-type': 'application/json', accept: 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(o.timeoutMs),
      });
      // The body counts too: a server that sends headers and then stalls is as slow as one that never answers.
      answer = await response.text();
    } catch (error) {
      const e = error as Error;
      const why =
        e.name === 'TimeoutError' || e.name === 'AbortError'
          ? `no answer within ${o.timeoutMs} ms`
          : ((e.cause as Error | undefined)?.message ?? e.message);
      throw new UnleashUnavailableError(scrub(`Unleash (${o.urlEnv}) unreachable on ${method} ${route}: ${why}`), null);
    }
    if (!response.ok) {
      const what =
        response.status === 401 || response.status === 403
          ? `refused the admin token in ${o.tokenEnv}`
          : `answered ${response.status}`;
      throw new UnleashUnavailableError(
        scrub(`Unleash (${o.urlEnv}) ${what} on ${method} ${route}: ${answer.slice(0, 200)}`),
        response.status,
      );
    }
    try {
      return answer ? (JSON.parse(answer) as unknown) : null;
    } catch {
      throw new UnleashUnavailableError(
        scrub(`Unleash (${o.urlEnv}) answered ${method} ${route} with something that is not JSON`),
        response.status,
      );
    }
  }

  const featurePath = (key: string) => `/projects/${encodeURIComponent(o.project)}/features/${encodeURIComponent(key)}`;
  const envPath = (key: string) => `${featurePath(key)}/environments/${encodeURIComponent(o.environment)}`;

  return {
    options: o,
    call,
    featurePath,
    envPath,
    async readEnvironment(key) {
      try {
        const feature = (await call('GET', featurePath(key))) as {
          environments?: Array<{ name: string; enabled: boolean; strategies?: Strategy[] }>;
        } | null;
        const env = feature?.environments?.find((e) => e.name === o.environment);
        return env ? { enabled: env.enabled, strategies: env.strategies ?? [] } : { enabled: false, strategies: [] };
      } catch (error) {
        if (error instanceof UnleashUnavailableError && error.status === 404) return null;
        throw error;
      }
    },
    manualKillStep(key) {
      return `POST $${o.urlEnv}/api/admin${envPath(key)}/off with the header "Authorization: $${o.tokenEnv}" (in the Unleash UI: project ${o.project} → feature toggle ${key} → switch environment ${o.environment} off; leave its strategies as they are)`;
    },
  };
}
