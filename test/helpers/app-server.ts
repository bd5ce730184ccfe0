/**
 * A tiny application on loopback for the plan's http gates (`APP_BASE_URL`): a fast `/health`, a
 * page with the OWASP baseline security headers, an API that wants a bearer token and rate-limits
 * bursts.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface AppServerOptions {
  /** `/api/*` answers 429 once more than `limit` requests arrived within `windowMs` (default 100 per 10 s). */
  rateLimit?: { limit: number; windowMs: number };
  /** The token `/api/*` accepts (default `test-token`). */
  token?: string;
}

/** One request the app answered. */
export interface AppRequest {
  method: string;
  path: string;
  status: number;
}

export interface AppServer {
  /** Base URL, e.g. `http://127.0.0.1:PORT` (what `APP_BASE_URL` is set to). */
  url: string;
  requests: AppRequest[];
  stop(): Promise<void>;
}

const SECURITY_HEADERS: Record<string, string> = {
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'content-security-policy': "default-src 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'strict-origin-when-cross-origin',
};

export async function startAppServer(options: AppServerOptions = {}): Promise<AppServer> {
  const { limit, windowMs } = options.rateLimit ?? { limit: 100, windowMs: 10_000 };
  const token = options.token ?? 'test-token';
  const requests: AppRequest[] = [];
  // Arrival times of API requests in the current sliding window (a real limiter keys by client; all
  // of a test's requests come from one).
  let apiHits: number[] = [];

  const answer = (req: IncomingMessage, res: ServerResponse): number => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
    if (path === '/health') return send(res, 200, { status: 'ok' });
    if (path === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<!doctype html><title>funds</title><h1>funds</h1>');
      return 200;
    }
    if (path.startsWith('/api/')) {
      const now = Date.now();
      apiHits = apiHits.filter((t) => t > now - windowMs);
      apiHits.push(now);
      if (apiHits.length > limit) {
        res.setHeader('retry-after', String(Math.ceil(windowMs / 1000)));
        return send(res, 429, { error: 'too many requests' });
      }
      if (req.headers.authorization !== `Bearer ${token}`) {
        res.setHeader('www-authenticate', 'Bearer');
        return send(res, 401, { error: 'unauthorized' });
      }
      return send(res, 200, { funds: [] });
    }
    return send(res, 404, { error: 'not found' });
  };

  const server = createServer((req, res) => {
    const status = answer(req, res);
    requests.push({ method: req.method ?? 'GET', path: req.url ?? '/', status });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function send(res: ServerResponse, status: number, body: unknown): number {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
  return status;
}
