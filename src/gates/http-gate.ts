import { formatDuration, parseDuration } from '../config/duration.js';
import type { GateConfig } from '../config/schema.js';
import { checkHeaders } from './security-headers.js';
import type { GateContext, GateOutcome } from './types.js';

type HttpGate = Extract<GateConfig, { kind: 'http' }>;

const BODY_LIMIT = 1 << 20;
const BURST_CONCURRENCY = 10;

interface Answer {
  status: number;
  headers: Headers;
  body: string;
  latencyMs: number;
}

/**
 * Status, headers (or the security-headers preset), latency budget and body of one request, or of
 * the last request of a burst. The target is the system under test: no answer is a failure.
 */
export async function judgeHttpGate(gate: HttpGate, ctx: GateContext): Promise<GateOutcome> {
  const url = resolveUrl(gate, ctx.env);
  if ('problem' in url)
    return {
      verdict: 'inconclusive',
      reason: 'no-url',
      summary: url.problem,
      hint: url.hint,
      evidence: { expected: describeExpected(gate) },
    };
  const headers: Record<string, string> = { ...gate.headers };
  if (gate.bearerTokenEnv) {
    const token = ctx.env[gate.bearerTokenEnv];
    if (!token) {
      return {
        verdict: 'inconclusive',
        reason: 'no-credentials',
        summary: `${gate.bearerTokenEnv} is not set`,
        hint: `set ${gate.bearerTokenEnv} to the token this check sends`,
        evidence: { source: url.href, expected: describeExpected(gate) },
      };
    }
    headers.authorization = `Bearer ${token}`;
  }
  const timeoutMs = parseDuration(gate.timeout) ?? 10_000;
  const send = () => request(url.href, gate.method, headers, timeoutMs, ctx.signal);
  const source = `${gate.method} ${url.href}${gate.burst ? ` (burst of ${gate.burst})` : ''}`;
  let answer: Answer;
  try {
    if (gate.burst && gate.burst > 1) await sendBurst(send, gate.burst - 1);
    answer = await send();
  } catch (error) {
    const timedOut = (error as Error).name === 'TimeoutError';
    const reason = timedOut ? 'timeout' : 'unreachable';
    const summary = timedOut ? `no answer within ${gate.timeout}` : `unreachable: ${describeNetworkError(error)}`;
    return { verdict: 'fail', reason, summary, evidence: { source, expected: describeExpected(gate) } };
  }
  return judgeAnswer(gate, answer, source);
}

function judgeAnswer(gate: HttpGate, answer: Answer, source: string): GateOutcome {
  const problems: string[] = [];
  const statuses = [gate.expectStatus].flat();
  if (!statuses.includes(answer.status)) problems.push(`status ${answer.status}, expected ${statuses.join(' or ')}`);
  const headerProblems = checkHeaders(answer.headers, gate.expectHeaders, gate.preset);
  problems.push(...headerProblems);
  const maxLatency = gate.maxLatency ? parseDuration(gate.maxLatency) : null;
  if (maxLatency !== null && answer.latencyMs > maxLatency)
    problems.push(`latency ${Math.round(answer.latencyMs)}ms over ${gate.maxLatency}`);
  if (gate.bodyMatches !== undefined) {
    let pattern: RegExp;
    try {
      pattern = new RegExp(gate.bodyMatches);
    } catch (error) {
      return {
        verdict: 'fail',
        reason: 'config',
        summary: `bodyMatches is not a regular expression: ${(error as Error).message}`,
        evidence: { source },
      };
    }
    if (!pattern.test(answer.body)) problems.push(`body does not match /${gate.bodyMatches}/`);
  }
  const evidence = {
    source,
    expected: describeExpected(gate),
    observed: answer.status,
    details: {
      latencyMs: Math.round(answer.latencyMs),
      headers: pickHeaders(answer.headers),
      bodyExcerpt: answer.body.slice(0, 200),
    },
  };
  const latency = `${Math.round(answer.latencyMs)}ms`;
  if (problems.length === 0)
    return {
      verdict: 'pass',
      reason: 'ok',
      summary: `${answer.status} in ${latency}${gate.preset ? `, ${gate.preset} present` : ''}`,
      evidence,
    };
  return { verdict: 'fail', reason: 'threshold', summary: problems.join('; '), evidence };
}

function resolveUrl(gate: HttpGate, env: NodeJS.ProcessEnv): URL | { problem: string; hint: string } {
  const base = gate.url ?? (gate.urlEnv ? env[gate.urlEnv] : undefined);
  if (!base) {
    const name = gate.urlEnv ?? 'the gate url';
    return {
      problem: `no URL: ${gate.urlEnv ? `${gate.urlEnv} is not set` : 'neither url nor urlEnv given'}`,
      hint: `set ${name} to the application's base URL (e.g. https://staging.example.com)`,
    };
  }
  try {
    const url = new URL(base);
    if (gate.path)
      url.pathname = url.pathname.replace(/\/$/, '') + (gate.path.startsWith('/') ? gate.path : `/${gate.path}`);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http(s)');
    return url;
  } catch {
    return {
      problem: `not an absolute http(s) URL: ${gate.urlEnv ? `$${gate.urlEnv}` : base}`,
      hint: `set ${gate.urlEnv ?? 'url'} to an absolute http(s) URL`,
    };
  }
}

async function request(
  url: string,
  method: string,
  headers: Record<string, string>,
  timeoutMs: number,
  cancel?: AbortSignal,
): Promise<Answer> {
  const signal = cancel ? AbortSignal.any([AbortSignal.timeout(timeoutMs), cancel]) : AbortSignal.timeout(timeoutMs);
  const started = performance.now();
  const res = await fetch(url, { method, headers, signal, redirect: 'manual' });
  const latencyMs = performance.now() - started;
  const body = method === 'HEAD' ? '' : await readLimited(res);
  return { status: res.status, headers: res.headers, body, latencyMs };
}

async function readLimited(res: Response): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
    if (size >= BODY_LIMIT) {
      await reader.cancel();
      break;
    }
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The requests before the judged one; their answers do not matter, only that they were sent. */
async function sendBurst(send: () => Promise<Answer>, count: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next++;
      await send().catch(() => undefined);
    }
  };
  await Promise.all(Array.from({ length: Math.min(BURST_CONCURRENCY, count) }, worker));
}

function describeExpected(gate: HttpGate): string {
  const parts = [`status ${[gate.expectStatus].flat().join('|')}`];
  if (gate.preset) parts.push(gate.preset);
  const names = Object.keys(gate.expectHeaders);
  if (names.length) parts.push(`headers ${names.join(', ')}`);
  if (gate.maxLatency) parts.push(`latency ≤ ${formatDuration(parseDuration(gate.maxLatency) ?? 0)}`);
  if (gate.bodyMatches !== undefined) parts.push(`body /${gate.bodyMatches}/`);
  return parts.join(', ');
}

const SHOWN_HEADERS = [
  'content-type',
  'strict-transport-security',
  'content-security-policy',
  'x-content-type-options',
  'x-frame-options',
  'referrer-policy',
  'retry-after',
];

function pickHeaders(headers: Headers): Record<string, string> {
  return Object.fromEntries(SHOWN_HEADERS.flatMap((h) => (headers.has(h) ? [[h, headers.get(h) as string]] : [])));
}

function describeNetworkError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}
