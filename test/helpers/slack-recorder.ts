import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** How the recorder answers a call. */
export type RecorderBehaviour =
  | 'ok'
  | 'hang'
  | { status: 429; retryAfter: number }
  | { status: 500 }
  | { status: number; body?: unknown }
  /** HTTP 200 with `{ ok: false, error }`, e.g. `name_taken`. */
  | { error: string };

/** One HTTP request received by the recorder. `method` is the Slack method, or `pagerduty` for the webhook. */
export interface RecordedCall {
  method: string;
  body: Record<string, unknown>;
  headers: IncomingHttpHeaders;
}

export interface SlackRecorder {
  /** Base URL of the fake Slack Web API, e.g. `http://127.0.0.1:PORT/api/`. */
  url: string;
  /** URL of the fake PagerDuty Events v2 endpoint on the same server. */
  pagerdutyUrl: string;
  calls: RecordedCall[];
  /**
   * Answer the next `times` calls (default: all following calls) of `method` ('*' = any) with `behaviour`.
   * The most recent rule that still applies wins; calls no rule covers are answered 'ok'.
   */
  respondWith(method: string, behaviour: RecorderBehaviour, times?: number): void;
  /** Calls of one method. */
  callsOf(method: string): RecordedCall[];
  /** Resolve once `count` calls of `method` ('*' = any) have arrived; reject after `timeoutMs`. */
  waitForCalls(method: string, count: number, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

interface Rule {
  method: string;
  behaviour: RecorderBehaviour;
  remaining: number;
}

export interface SlackRecorderOptions {
  /** Channel id returned for chat.postMessage when the request named a channel by name. */
  channelId?: string;
}

/** A loopback HTTP server speaking enough of the Slack Web API (and PagerDuty Events v2) for the real clients. */
export async function startSlackRecorder(opts: SlackRecorderOptions = {}): Promise<SlackRecorder> {
  const calls: RecordedCall[] = [];
  const rules: Rule[] = [];
  let counter = 0;

  const takeBehaviour = (method: string): RecorderBehaviour => {
    // The most recent matching rule wins, so a test can override an earlier `respondWith`.
    const rule = rules.findLast((r) => (r.method === method || r.method === '*') && r.remaining > 0);
    if (rule === undefined) return 'ok';
    rule.remaining -= 1;
    return rule.behaviour;
  };

  const server = createServer((req, res) => {
    void readBody(req).then((raw) => {
      const method = methodOf(req.url ?? '');
      const body = parseBody(raw, req.headers['content-type'] ?? '');
      calls.push({ method, body, headers: req.headers });
      counter += 1;
      answer(res, method, body, takeBehaviour(method), counter, opts);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/api/`,
    pagerdutyUrl: `http://127.0.0.1:${port}/pagerduty/v2/enqueue`,
    calls,
    respondWith(method, behaviour, times) {
      rules.push({ method, behaviour, remaining: times ?? Number.POSITIVE_INFINITY });
    },
    callsOf: (method) => calls.filter((c) => c.method === method),
    async waitForCalls(method, count, timeoutMs = 10_000) {
      const started = Date.now();
      const seen = (): number => (method === '*' ? calls.length : calls.filter((c) => c.method === method).length);
      while (seen() < count) {
        if (Date.now() - started > timeoutMs) throw new Error(`expected ${count} ${method} calls, saw ${seen()}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    stop: () =>
      new Promise<void>((resolve) => {
        // Hung requests keep their sockets open; close them so `close` can finish.
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function methodOf(url: string): string {
  const path = url.split('?')[0] ?? '';
  if (path.startsWith('/pagerduty/')) return 'pagerduty';
  return path.replace(/^\/api\//, '');
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

function parseBody(raw: string, contentType: string): Record<string, unknown> {
  if (raw === '') return {};
  if (contentType.includes('application/json')) return JSON.parse(raw) as Record<string, unknown>;
  const body: Record<string, unknown> = {};
  // WebClient sends form fields; nested values (blocks) arrive JSON-encoded.
  for (const [key, value] of new URLSearchParams(raw)) {
    body[key] = /^[[{]/.test(value) ? tryParseJson(value) : value;
  }
  return body;
}

function tryParseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function answer(
  res: ServerResponse,
  method: string,
  body: Record<string, unknown>,
  behaviour: RecorderBehaviour,
  n: number,
  opts: SlackRecorderOptions,
): void {
  if (behaviour === 'hang') return;
  if (behaviour === 'ok') {
    if (method === 'pagerduty')
      return sendJson(res, 202, { status: 'success', message: 'Event processed', dedup_key: body.dedup_key });
    return sendJson(res, 200, okResult(method, body, n, opts));
  }
  if ('error' in behaviour) return sendJson(res, 200, { ok: false, error: behaviour.error });
  if (behaviour.status === 429 && 'retryAfter' in behaviour) {
    res.setHeader('Retry-After', String(behaviour.retryAfter));
    return sendJson(res, 429, { ok: false, error: 'ratelimited' });
  }
  return sendJson(
    res,
    behaviour.status,
    'body' in behaviour && behaviour.body !== undefined ? behaviour.body : { ok: false, error: 'internal_error' },
  );
}

function okResult(
  method: string,
  body: Record<string, unknown>,
  n: number,
  opts: SlackRecorderOptions,
): Record<string, unknown> {
  const ts = `${1_700_000_000 + n}.${String(n).padStart(6, '0')}`;
  switch (method) {
    case 'chat.postMessage': {
      const channel =
        typeof body.channel === 'string' && /^[CG][A-Z0-9]+$/.test(body.channel)
          ? body.channel
          : (opts.channelId ?? 'C0RELEASES');
      return { ok: true, channel, ts, message: { text: body.text, ts } };
    }
    case 'conversations.create':
      return { ok: true, channel: { id: `C0INC${n}`, name: body.name } };
    default:
      return { ok: true, ts, channel: { id: 'C0RELEASES', name: 'releases' } };
  }
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(value));
}
