import { parseDuration } from '../config/duration.js';
import type { ExperimentCheckConfig } from '../config/schema.js';

type RequestConfig = Extract<ExperimentCheckConfig, { kind: 'write-read' }>['read'];

/** What one request of a check saw. `ok` means the status (and `bodyMatches`) were as expected. */
export interface CheckAnswer {
  ok: boolean;
  reason: string;
  status?: number;
  body?: string;
}

/** Sends the requests of one check to the application; placeholders are filled from `vars`. */
export type CheckRequester = (request: RequestConfig, vars: Record<string, string>) => Promise<CheckAnswer>;

const PLACEHOLDER = /\{\{\s*(key|value|run)\s*\}\}/g;

export function fillPlaceholders(text: string, vars: Record<string, string>, encode = false): string {
  return text.replace(PLACEHOLDER, (whole, name: string) => {
    const value = vars[name];
    if (value === undefined) return whole;
    return encode ? encodeURIComponent(value) : value;
  });
}

function isExpected(expected: RequestConfig['expectStatus'], status: number): boolean {
  if (expected === undefined) return status >= 200 && status < 300;
  return Array.isArray(expected) ? expected.includes(status) : status === expected;
}

/**
 * The requester of a check, or why there is none (the base URL variable is unset). Every request has
 * the check's timeout; an unreachable application or a timeout is a failed request, not an error.
 */
export function createCheckRequester(
  check: ExperimentCheckConfig,
  env: NodeJS.ProcessEnv,
  doFetch: typeof fetch = fetch,
): CheckRequester | { problem: string } {
  const base = check.url ?? (check.urlEnv ? env[check.urlEnv] : undefined);
  if (!base) return { problem: `no URL for check ${check.id}: set ${check.urlEnv ?? 'url'}` };
  const timeoutMs = parseDuration(check.timeout) ?? 5_000;
  const token = check.bearerTokenEnv ? env[check.bearerTokenEnv] : undefined;
  return async (request, vars) => {
    const path = fillPlaceholders(request.path, vars, true);
    const url = base.replace(/\/+$/, '') + (path.startsWith('/') ? path : `/${path}`);
    const headers: Record<string, string> = { ...check.headers };
    if (token) headers.authorization = `Bearer ${token}`;
    const body = request.body === undefined ? undefined : fillPlaceholders(request.body, vars);
    if (body !== undefined) headers['content-type'] = request.contentType;
    const what = `${request.method} ${path}`;
    try {
      const res = await doFetch(url, { method: request.method, headers, body, signal: AbortSignal.timeout(timeoutMs) });
      const text = await res.text();
      if (!isExpected(request.expectStatus, res.status))
        return { ok: false, reason: `${what}: HTTP ${res.status}`, status: res.status, body: text };
      if (request.bodyMatches && !new RegExp(request.bodyMatches).test(text))
        return { ok: false, reason: `${what}: the answer does not match /${request.bodyMatches}/`, status: res.status };
      return { ok: true, reason: `${what}: HTTP ${res.status}`, status: res.status, body: text };
    } catch (error) {
      const e = error as Error & { cause?: { code?: string; message?: string } };
      if (e.name === 'TimeoutError') return { ok: false, reason: `${what}: no answer within ${timeoutMs} ms` };
      return { ok: false, reason: `${what}: ${e.cause?.code ?? e.cause?.message ?? e.message}` };
    }
  };
}
