import { PrometheusDriver } from 'prometheus-query';
import { listSecrets, readAuth, stripUserinfo } from './auth.js';
import type { AuthEnvNames, PrometheusAuth } from './auth.js';
import { parseAnswerBody, type ParsedAnswer } from './answer.js';
import { classifyAnswer, classifyFailure } from './outcome.js';
import type { AttemptFailure } from './outcome.js';
import { redactUrl } from './redact.js';
import { DEFAULT_RETRY, runWithRetries } from './retry.js';
import type { RetryPolicy } from './retry.js';
import type { InstantOptions, MetricsSource, OutcomeBase, QueryOutcome, RangeOptions, Series } from './types.js';

/** Options of the Prometheus adapter. */
export interface PrometheusSourceOptions {
  /** Base URL, e.g. `http://127.0.0.1:9090` or `https://host/prometheus`. Userinfo is used as basic auth. */
  url: string;
  /** Where credentials are read from; only `env` is consulted, and values are never logged. */
  env: NodeJS.ProcessEnv;
  /** Names of the credential variables (defaults `PROMETHEUS_TOKEN`, `PROMETHEUS_USERNAME`/`_PASSWORD`). */
  auth?: AuthEnvNames;
  /** Default overall deadline per query, retries included (10 000 ms). */
  timeoutMs?: number;
  /** Retry policy for transient failures (network, timeout, 5xx). */
  retry?: Partial<RetryPolicy>;
  /** Backoff waits go through this (tests pass a fake clock's sleep). */
  sleep?: (ms: number) => Promise<void>;
  /** Largest answer body read (64 MiB); a proxy streaming without end must not exhaust memory. */
  maxBodyBytes?: number;
}

export const DEFAULT_TIMEOUT_MS = 10_000;
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024;

type Call = { method: 'instant'; time?: Date } | { method: 'range'; start: Date; end: Date; stepSeconds: number };

/** Creates the MetricsSource that talks to a real Prometheus over its HTTP API. */
export function createPrometheusSource(options: PrometheusSourceOptions): MetricsSource {
  const auth = readAuth(options.env, options.url, options.auth);
  const endpoint = stripUserinfo(options.url);
  const shownUrl = redactUrl(options.url);
  const secrets = listSecrets(auth);
  const policy: RetryPolicy = { ...DEFAULT_RETRY, ...options.retry };
  const defaultTimeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;

  async function run(query: string, call: Call, timeoutMs: number, maxSeries?: number): Promise<QueryOutcome> {
    const startedAt = performance.now();
    const base = (): OutcomeBase => ({ query, url: shownUrl, durationMs: 0, attempts: 0 });
    const ctx = { deadline: startedAt + timeoutMs, now: () => performance.now(), sleep };
    const attempt = async (deadline: number): Promise<QueryOutcome> => {
      const answer = await requestOnce({ endpoint, auth, query, call, deadline, timeoutMs, maxBodyBytes });
      if ('failure' in answer) return classifyFailure(answer.failure, base(), secrets);
      const outcome = classifyAnswer(answer.result, base(), maxSeries);
      return answer.warnings.length > 0 ? { ...outcome, warnings: answer.warnings } : outcome;
    };
    const { outcome, attempts } = await runWithRetries(attempt, policy, ctx);
    return { ...outcome, attempts, durationMs: Math.round(performance.now() - startedAt) };
  }

  return {
    description: shownUrl,
    instant: (query: string, opts: InstantOptions = {}) =>
      run(query, { method: 'instant', time: opts.time }, opts.timeoutMs ?? defaultTimeout, opts.maxSeries),
    range: (query: string, opts: RangeOptions) => {
      if (!(opts.stepSeconds > 0)) throw new RangeError(`stepSeconds must be > 0, got ${opts.stepSeconds}`);
      const call: Call = { method: 'range', start: opts.start, end: opts.end, stepSeconds: opts.stepSeconds };
      return run(query, call, opts.timeoutMs ?? defaultTimeout, opts.maxSeries);
    },
    checkOnline: async (opts = {}) => {
      const outcome = await run('vector(1)', { method: 'instant' }, opts.timeoutMs ?? defaultTimeout, 1);
      const online = outcome.kind === 'ok' && outcome.series[0]?.values[0]?.v === 1;
      return { online, outcome };
    },
  };
}

interface AttemptInput {
  endpoint: string;
  auth: PrometheusAuth | undefined;
  query: string;
  call: Call;
  deadline: number;
  timeoutMs: number;
  maxBodyBytes: number;
}

type AttemptAnswer =
  { result: { resultType: string; series: Series[] }; warnings: string[] } | { failure: AttemptFailure };

/**
 * What the response interceptors saw; prometheus-query's own error objects lose the HTTP status of
 * non-JSON bodies, and its parse turns a malformed body into a TypeError, so a 2xx body is read here.
 */
interface Captured {
  status?: number;
  body?: unknown;
  parsed?: ParsedAnswer;
  warnings: string[];
}

/**
 * One HTTP request, bounded by `deadline` twice over: an AbortController cancels the socket, and a
 * timer settles the promise even if the library ignored the abort.
 */
async function requestOnce(input: AttemptInput): Promise<AttemptAnswer> {
  const remaining = Math.max(1, input.deadline - performance.now());
  const controller = new AbortController();
  const captured: Captured = { warnings: [] };
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<'deadline'>((resolve) => {
    timer = setTimeout(() => {
      controller.abort();
      resolve('deadline');
    }, remaining);
  });
  const driver = buildDriver(input, controller.signal, captured, remaining);
  const call = input.call;
  // Prometheus gets its own evaluation timeout (whole seconds) so a heavy query is cut server-side too.
  const serverTimeout = `${Math.max(1, Math.floor(remaining / 1000))}s`;
  const work =
    call.method === 'instant'
      ? driver.instantQuery(input.query, call.time ?? new Date(), serverTimeout)
      : driver.rangeQuery(input.query, call.start, call.end, call.stepSeconds, serverTimeout);
  try {
    const settled = await Promise.race([work.then(() => 'answered' as const), expired]);
    if (settled === 'deadline') return { failure: { type: 'deadline', timeoutMs: input.timeoutMs } };
    return (
      readParsed(captured) ?? {
        failure: { type: 'malformed', status: captured.status ?? 200, problem: 'the answer could not be read' },
      }
    );
  } catch (error) {
    if (controller.signal.aborted) return { failure: { type: 'deadline', timeoutMs: input.timeoutMs } };
    // The library may choke on a body we already judged (e.g. a JSON string): our reading decides.
    return readParsed(captured) ?? { failure: describeFailure(error, captured, input.timeoutMs, input.maxBodyBytes) };
  } finally {
    clearTimeout(timer);
    work.catch(() => undefined);
  }
}

function buildDriver(
  input: AttemptInput,
  signal: AbortSignal,
  captured: Captured,
  remaining: number,
): PrometheusDriver {
  const headers: Record<string, string> = {};
  if (input.auth?.type === 'bearer') headers.Authorization = `Bearer ${input.auth.token}`;
  return new PrometheusDriver({
    endpoint: input.endpoint,
    baseURL: '/api/v1/',
    headers,
    auth: input.auth?.type === 'basic' ? { username: input.auth.username, password: input.auth.password } : undefined,
    // Our timer is the authority; the library's socket timeout is only a backstop.
    timeout: remaining + 1000,
    // POST with a form body keeps queries (and label values in them) out of URLs and access logs.
    preferPost: true,
    requestInterceptor: {
      onFulfilled: (config) => {
        config.signal = signal;
        config.maxContentLength = input.maxBodyBytes;
        // axios reads HTTP(S)_PROXY from the environment unless told not to; queries go direct.
        config.proxy = false;
        return config;
      },
    },
    responseInterceptor: {
      onFulfilled: (response) => {
        captured.status = response.status;
        captured.body = response.data;
        captured.parsed = parseAnswerBody(response.data);
        readWarnings(response.data, captured);
        // prometheus-query parses the body again after us; a body it cannot walk must not leak a TypeError.
        if (!captured.parsed.ok) return Promise.reject(new Error(captured.parsed.problem));
        return response;
      },
      onRejected: (error: { response?: { status: number; data: unknown } }) => {
        captured.status = error.response?.status;
        captured.body = error.response?.data;
        return Promise.reject(error);
      },
    },
  });
}

function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${Math.round(bytes / (1024 * 1024))} MiB` : `${bytes} bytes`;
}

function describeFailure(error: unknown, captured: Captured, timeoutMs: number, maxBodyBytes: number): AttemptFailure {
  if (captured.status !== undefined) return { type: 'http', status: captured.status, body: captured.body };
  const record = (typeof error === 'object' && error !== null ? error : {}) as Record<string, unknown>;
  const code = typeof record.code === 'string' ? record.code : 'EUNKNOWN';
  if (code === 'ECONNABORTED' || code === 'ETIMEDOUT' || code === 'ERR_CANCELED')
    return { type: 'deadline', timeoutMs };
  const message =
    typeof record.error === 'string' ? record.error : error instanceof Error ? error.message : String(error);
  if (/maxContentLength size of \d+ exceeded/.test(message)) {
    return {
      type: 'malformed',
      status: captured.status ?? 200,
      problem: `the body is larger than ${formatBytes(maxBodyBytes)}, the most an answer may be`,
    };
  }
  return { type: 'network', code, message };
}

function readWarnings(data: unknown, captured: Captured): void {
  // prometheus-query's warningHook looks for warnings on the axios response, not in the JSON body.
  const warnings = (data as { warnings?: unknown } | null)?.warnings;
  if (Array.isArray(warnings)) captured.warnings.push(...warnings.map(String));
}

function readParsed(captured: Captured): AttemptAnswer | undefined {
  const parsed = captured.parsed;
  if (!parsed) return undefined;
  if (!parsed.ok) return { failure: { type: 'malformed', status: captured.status ?? 200, problem: parsed.problem } };
  return { result: { resultType: parsed.resultType, series: parsed.series }, warnings: captured.warnings };
}
