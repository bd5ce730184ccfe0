import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A local HTTP server that answers `/api/v1/query` and `/api/v1/query_range` with whatever a test
 * says: any status, any body, a body cut in the middle, a body trickled byte by byte, or no answer at
 * all. It is for the answers a real Prometheus never gives but a proxy, a load balancer or a broken
 * exporter do; `test/helpers/prometheus.ts` starts the real thing for everything else.
 */
export interface FakeReply {
  status?: number;
  body?: string | Buffer;
  contentType?: string;
  /** Send the body in chunks of `bytes` every `everyMs` (a server slower than the client's deadline). */
  trickle?: { bytes: number; everyMs: number };
  /** Announce the full length, send this many bytes, then drop the connection. */
  cutAfter?: number;
  /** Never answer (the socket stays open until the client gives up). */
  hang?: boolean;
}

export interface FakeRequest {
  path: string;
  /** The PromQL sent (POST form field `query`). */
  query: string;
}

/** One request and how its answer ended: sent in full, or the connection closed before that. */
export interface FakeExchange {
  request: FakeRequest;
  reply: FakeReply;
  ended: 'open' | 'sent' | 'dropped';
}

export interface FakePrometheus {
  url: string;
  requests: FakeRequest[];
  /** Every request with its reply, in arrival order. */
  exchanges: FakeExchange[];
  /** Replaces the function that picks the reply for each request. */
  answer(fn: (req: FakeRequest) => FakeReply): void;
  stop(): Promise<void>;
}

export async function startFakePrometheus(
  initial: (req: FakeRequest) => FakeReply = () => ({ body: vectorBody([]) }),
): Promise<FakePrometheus> {
  let pick = initial;
  const requests: FakeRequest[] = [];
  const exchanges: FakeExchange[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const server = createServer((req, res) => {
    readForm(req)
      .then((form) => {
        const request = { path: (req.url ?? '').split('?')[0] ?? '', query: form.get('query') ?? '' };
        requests.push(request);
        const exchange: FakeExchange = { request, reply: pick(request), ended: 'open' };
        exchanges.push(exchange);
        res.on('close', () => (exchange.ended = res.writableFinished ? 'sent' : 'dropped'));
        reply(res, exchange.reply, timers);
      })
      .catch(() => res.destroy());
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    exchanges,
    answer: (fn) => {
      pick = fn;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearInterval(t);
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const fromUrl = new URLSearchParams((req.url ?? '').split('?')[1] ?? '');
  const fromBody = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
  return fromBody.has('query') ? fromBody : fromUrl;
}

function reply(res: ServerResponse, r: FakeReply, timers: Set<NodeJS.Timeout>): void {
  if (r.hang) return;
  const body = Buffer.isBuffer(r.body) ? r.body : Buffer.from(r.body ?? '', 'utf8');
  res.writeHead(r.status ?? 200, {
    'content-type': r.contentType ?? 'application/json',
    'content-length': String(body.length),
  });
  if (r.cutAfter !== undefined) {
    res.write(body.subarray(0, r.cutAfter), () => res.destroy());
    return;
  }
  if (!r.trickle) {
    res.end(body);
    return;
  }
  const { bytes, everyMs } = r.trickle;
  let offset = 0;
  const timer = setInterval(() => {
    if (res.destroyed || offset >= body.length) {
      clearInterval(timer);
      timers.delete(timer);
      if (!res.destroyed) res.end();
      return;
    }
    res.write(body.subarray(offset, offset + bytes));
    offset += bytes;
  }, everyMs);
  timers.add(timer);
}

/** A vector answer; each value is written as Prometheus writes it (`"1.5"`, `"NaN"`, `"+Inf"`). */
export function vectorBody(values: string[], at = Math.floor(Date.now() / 1000)): string {
  return JSON.stringify({
    status: 'success',
    data: { resultType: 'vector', result: values.map((v, i) => ({ metric: { i: String(i) }, value: [at, v] })) },
  });
}

/** A matrix answer with one series holding `values` one step apart. */
export function matrixBody(values: string[], end = Math.floor(Date.now() / 1000), stepSeconds = 60): string {
  const start = end - (values.length - 1) * stepSeconds;
  return JSON.stringify({
    status: 'success',
    data: {
      resultType: 'matrix',
      result: [{ metric: {}, values: values.map((v, i) => [start + i * stepSeconds, v]) }],
    },
  });
}
