/**
 * A loopback HTTP proxy in front of a test server (usually Prometheus) that makes it slow or sick:
 * - `delay`: wait `delayMs`, then forward the request and stream the answer back;
 * - `hang`: read the request and never answer (until `stop()`);
 * - `500`: answer `500 Internal Server Error` with a plain-text body after `delayMs`.
 * It counts the requests it received, so tests can check how many attempts a client made.
 */
import { request as httpRequest, createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export type SlowProxyMode = 'delay' | 'hang' | '500';

export interface SlowProxyOptions {
  /** Base URL of the real server, e.g. `http://127.0.0.1:9090`. Must be loopback. */
  target: string;
  delayMs: number;
  mode?: SlowProxyMode;
}

export interface SlowProxy {
  /** Base URL of the proxy. */
  url: string;
  /** Requests received so far. */
  readonly requests: number;
  /** Changes behaviour for the following requests (e.g. heal a failing server mid-test). */
  set(mode: SlowProxyMode, delayMs?: number): void;
  /** Closes the listener and destroys open connections, hanging ones included. */
  stop(): Promise<void>;
}

/** Starts the proxy on a free 127.0.0.1 port. */
export async function startSlowProxy(options: SlowProxyOptions): Promise<SlowProxy> {
  const target = new URL(options.target);
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(target.hostname)) {
    throw new Error(`slow proxy targets loopback only, got ${target.hostname}`);
  }
  let mode: SlowProxyMode = options.mode ?? 'delay';
  let delayMs = options.delayMs;
  let requests = 0;
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const later = (fn: () => void, ms: number): void => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timers.add(timer);
  };

  const server = createServer((req, res) => {
    requests += 1;
    const body: Buffer[] = [];
    req.on('data', (chunk: Buffer) => body.push(chunk));
    req.on('end', () => {
      if (mode === 'hang') return;
      if (mode === '500') {
        later(
          () => res.writeHead(500, { 'content-type': 'text/plain' }).end('simulated failure in front of prometheus'),
          delayMs,
        );
        return;
      }
      later(() => forward(target, req, Buffer.concat(body), res), delayMs);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  return {
    url: `http://127.0.0.1:${port}`,
    get requests() {
      return requests;
    },
    set(next, nextDelayMs) {
      mode = next;
      if (nextDelayMs !== undefined) delayMs = nextDelayMs;
    },
    async stop() {
      for (const timer of timers) clearTimeout(timer);
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function forward(target: URL, req: IncomingMessage, body: Buffer, res: ServerResponse): void {
  const upstream = httpRequest(
    {
      host: target.hostname,
      port: target.port,
      path: req.url,
      method: req.method,
      headers: { ...req.headers, host: target.host },
    },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  upstream.on('error', (error) => {
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
    res.end(`proxy upstream error: ${error.message}`);
  });
  upstream.end(body);
}
