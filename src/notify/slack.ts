import type { Logger, LogLevel, WebClient, WebClientOptions } from '@slack/web-api';
import { scrubSecrets } from './redact.js';
import { buildSlackBlocks, buildSlackText } from './slack-blocks.js';
import type { DeliveryResult, Notifier, ReleaseEvent, SendOptions } from './types.js';

/** Settings of the Slack Web API client (reliability.md §7.3). */
export interface SlackClientOptions {
  /** Bot token (`SLACK_BOT_TOKEN`). Never logged, never part of an error. */
  token: string;
  /** Base URL of the Web API (`SLACK_API_URL`), e.g. a loopback recorder or a proxy. */
  apiUrl?: string;
  /** Per-request timeout; default 5000 ms. */
  timeoutMs?: number;
  /** Retries after a network error or HTTP 5xx; default 2. A 429 is never retried here. */
  retries?: number;
  /** First retry delay (doubles each time); default 1000 ms. */
  minRetryDelayMs?: number;
}

/** The Slack Web API methods this layer calls. */
export type SlackMethod = 'chat.postMessage' | 'conversations.create' | 'pins.add';

/** A thin, redacting wrapper over `WebClient.apiCall`. */
export interface SlackApi {
  /** Call a method; resolves with Slack's JSON result or rejects with a {@link SlackCallError}. */
  call(method: SlackMethod, args: Record<string, unknown>, options?: SendOptions): Promise<Record<string, unknown>>;
}

/** A failed Slack call, with a message that never contains the token. */
export class SlackCallError extends Error {
  readonly retryable: boolean;
  /** Slack's `error` string for `ok: false` answers, e.g. `name_taken`. */
  readonly slackError: string | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(message: string, details: { retryable: boolean; slackError?: string; retryAfterMs?: number }) {
    super(message);
    this.name = 'SlackCallError';
    this.retryable = details.retryable;
    this.slackError = details.slackError;
    this.retryAfterMs = details.retryAfterMs;
  }
}

/** Environment variable names read by {@link readSlackClientOptions}. */
export const SLACK_TOKEN_ENV = 'SLACK_BOT_TOKEN';
export const SLACK_API_URL_ENV = 'SLACK_API_URL';

/** Client options from the environment, or null when no token is set. */
export function readSlackClientOptions(env: Record<string, string | undefined>): SlackClientOptions | null {
  const token = env[SLACK_TOKEN_ENV];
  if (token === undefined || token === '') return null;
  const apiUrl = env[SLACK_API_URL_ENV];
  return apiUrl === undefined || apiUrl === '' ? { token } : { token, apiUrl };
}

// `ok: false` answers worth retrying later; everything else (invalid_auth, channel_not_found…) needs a human.
const RETRYABLE_PLATFORM_ERRORS = new Set([
  'ratelimited',
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
]);

// WebClient logs through this; we keep it silent because our own results carry the redacted error.
const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  setLevel: () => undefined,
  getLevel: () => 'error' as LogLevel,
  setName: () => undefined,
};

let slackModule: Promise<{ WebClient: typeof WebClient }> | undefined;

// Loaded on first use: the Slack SDK pulls in axios and friends, which `rollout status` should not pay for.
function loadWebClient(): Promise<typeof WebClient> {
  slackModule ??= import('@slack/web-api');
  return slackModule.then((m) => m.WebClient);
}

/**
 * Start loading the Slack SDK now (it takes about half a second on a small machine) so that the
 * first send's deadline is not spent on module loading. Safe to call more than once.
 */
export function preloadSlackClient(): Promise<void> {
  return loadWebClient().then(
    () => undefined,
    () => undefined,
  );
}

/** Build the WebClient options; `signal` cancels the request in flight and stops further retries. */
export function buildWebClientOptions(options: SlackClientOptions, signal?: AbortSignal): WebClientOptions {
  const retryConfig = {
    retries: options.retries ?? 2,
    factor: 2,
    minTimeout: options.minRetryDelayMs ?? 1000,
    maxTimeout: 5000,
    maxRetryTime: 15_000,
    // Retry timers must not keep a finished CLI process alive.
    unref: true,
    onFailedAttempt: () => {
      if (signal?.aborted === true) throw new Error('aborted');
    },
  };
  return {
    ...(options.apiUrl === undefined ? {} : { slackApiUrl: options.apiUrl }),
    timeout: options.timeoutMs ?? 5000,
    retryConfig,
    // Surface 429 at once (with its Retry-After) instead of sleeping inside the client: the outbox waits instead.
    rejectRateLimitedCalls: true,
    logger: silentLogger,
    // The original axios error holds the request config, including the Authorization header.
    attachOriginalToWebAPIRequestError: false,
    ...(signal === undefined ? {} : { requestInterceptor: (config) => Object.assign(config, { signal }) }),
  };
}

/** A Slack API wrapper using the real `WebClient`. */
export function createSlackApi(options: SlackClientOptions): SlackApi {
  return {
    async call(method, args, callOptions = {}) {
      const { signal } = callOptions;
      try {
        const WebClientClass = await loadWebClient();
        // One client per call so that this call's abort signal reaches axios and the retry loop.
        const client = new WebClientClass(options.token, buildWebClientOptions(options, signal));
        return (await client.apiCall(method, args)) as unknown as Record<string, unknown>;
      } catch (error) {
        throw toSlackCallError(error, options.token, signal);
      }
    },
  };
}

/** Map anything the WebClient throws to a redacted {@link SlackCallError}. */
export function toSlackCallError(error: unknown, token: string, signal?: AbortSignal): SlackCallError {
  const scrub = (text: string): string => scrubSecrets(text, [token]);
  if (signal?.aborted === true)
    return new SlackCallError('slack: deadline exceeded, request aborted', { retryable: true });
  const e = (error ?? {}) as {
    code?: unknown;
    message?: unknown;
    retryAfter?: unknown;
    statusCode?: unknown;
    data?: { error?: unknown };
  };
  switch (e.code) {
    case 'slack_webapi_rate_limited_error': {
      const seconds = typeof e.retryAfter === 'number' ? e.retryAfter : 1;
      return new SlackCallError(`slack: rate limited (retry after ${seconds}s)`, {
        retryable: true,
        retryAfterMs: seconds * 1000,
      });
    }
    case 'slack_webapi_platform_error': {
      const slackError = typeof e.data?.error === 'string' ? e.data.error : 'unknown_error';
      return new SlackCallError(scrub(`slack: ${slackError}`), {
        retryable: RETRYABLE_PLATFORM_ERRORS.has(slackError),
        slackError,
      });
    }
    case 'slack_webapi_http_error': {
      const status = typeof e.statusCode === 'number' ? e.statusCode : 0;
      return new SlackCallError(`slack: HTTP ${status}`, {
        retryable: status >= 500 || status === 408 || status === 429,
      });
    }
    case 'slack_webapi_request_error':
      return new SlackCallError(scrub(`slack: ${String(e.message)}`), { retryable: true });
    default:
      return new SlackCallError(scrub(`slack: ${error instanceof Error ? error.message : String(error)}`), {
        retryable: true,
      });
  }
}

/** Turn a caught error into a failed {@link DeliveryResult}. */
export function toFailedDelivery(error: unknown, secrets: readonly (string | undefined)[]): DeliveryResult {
  if (error instanceof SlackCallError) {
    const failed = {
      status: 'failed' as const,
      retryable: error.retryable,
      error: scrubSecrets(error.message, secrets),
    };
    return error.retryAfterMs === undefined ? failed : { ...failed, retryAfterMs: error.retryAfterMs };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { status: 'failed', retryable: true, error: scrubSecrets(message, secrets) };
}

/** Options of {@link createSlackNotifier}. */
export interface SlackNotifierOptions {
  api: SlackApi;
  /** Channel id or name to post to. */
  channel: string;
  /** Secret values to scrub from errors (the token is scrubbed by the API wrapper already). */
  secrets?: readonly string[];
}

/** Posts every release event to one channel as a Block Kit message. */
export function createSlackNotifier(options: SlackNotifierOptions): Notifier {
  return {
    name: 'slack',
    async send(event: ReleaseEvent, sendOptions?: SendOptions): Promise<DeliveryResult> {
      try {
        const args = {
          channel: options.channel,
          text: buildSlackText(event),
          blocks: buildSlackBlocks(event),
          unfurl_links: false,
        };
        await options.api.call('chat.postMessage', args, sendOptions);
        return { status: 'delivered' };
      } catch (error) {
        return toFailedDelivery(error, options.secrets ?? []);
      }
    },
  };
}
