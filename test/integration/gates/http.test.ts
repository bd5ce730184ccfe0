import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GateConfig } from '../../../src/config/schema.js';
import { runGate } from '../../../src/gates/run-gate.js';
import { freePort } from '../../helpers/prometheus.js';
import { gateContext } from '../../unit/gates/context.js';

const SECURE = {
  'strict-transport-security': 'max-age=63072000; includeSubDomains',
  'content-security-policy': "default-src 'self'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'strict-origin-when-cross-origin',
};

let server: Server;
let base: string;
let fundsHits = 0;
const TOKEN = 'app-token-0123456789';

/** A small application: health, secure and insecure pages, an authenticated and rate-limited API, a slow page. */
beforeAll(async () => {
  server = createServer((req, res) => {
    const url = req.url ?? '/';
    if (url === '/health')
      return res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok","db":"up"}');
    if (url === '/secure') return res.writeHead(200, SECURE).end('<html></html>');
    if (url === '/csp-frames') {
      const { 'x-frame-options': _, ...rest } = SECURE;
      return res
        .writeHead(200, { ...rest, 'content-security-policy': "default-src 'self'; frame-ancestors 'none'" })
        .end('ok');
    }
    if (url === '/insecure') return res.writeHead(200, { 'x-content-type-options': 'nosniff' }).end('ok');
    if (url === '/api/funds') {
      if (req.headers.authorization !== `Bearer ${TOKEN}`) return res.writeHead(401).end('unauthorized');
      fundsHits++;
      return fundsHits > 100
        ? res.writeHead(429, { 'retry-after': '60' }).end('slow down')
        : res.writeHead(200).end('[]');
    }
    if (url === '/slow') {
      setTimeout(() => res.writeHead(200).end('late'), 400);
      return;
    }
    res.writeHead(404).end('not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

const http = (extra: Partial<Extract<GateConfig, { kind: 'http' }>>): GateConfig => ({
  id: 'h',
  kind: 'http',
  method: 'GET',
  headers: {},
  expectStatus: 200,
  expectHeaders: {},
  timeout: '5s',
  urlEnv: 'APP_BASE_URL',
  ...extra,
});
const ctx = (env: NodeJS.ProcessEnv = {}) => gateContext({ env: { APP_BASE_URL: base, ...env } });

describe('http gates against a local server', () => {
  it('security-headers preset: passes with all headers, accepts CSP frame-ancestors, fails naming what is missing', async () => {
    expect(await runGate(http({ path: '/secure', preset: 'security-headers' }), ctx())).toMatchObject({
      verdict: 'pass',
    });
    expect((await runGate(http({ path: '/csp-frames', preset: 'security-headers' }), ctx())).verdict).toBe('pass');
    const r = await runGate(http({ path: '/insecure', preset: 'security-headers' }), ctx());
    expect(r).toMatchObject({ verdict: 'fail', reason: 'threshold' });
    for (const missing of [
      'Strict-Transport-Security missing',
      'Content-Security-Policy missing',
      'no frame protection',
      'Referrer-Policy missing',
    ])
      expect(r.summary).toContain(missing);
    expect(r.summary).not.toContain('X-Content-Type-Options');
  });

  it('expects 401 without a token, and 200 with the bearer token from the environment (never shown)', async () => {
    expect(await runGate(http({ path: '/api/funds', expectStatus: 401 }), ctx())).toMatchObject({
      verdict: 'pass',
      evidence: { observed: 401 },
    });
    const wrong = await runGate(http({ path: '/api/funds' }), ctx());
    expect(wrong).toMatchObject({ verdict: 'fail', summary: 'status 401, expected 200' });
    fundsHits = 0;
    const authed = await runGate(http({ path: '/api/funds', bearerTokenEnv: 'APP_TOKEN' }), ctx({ APP_TOKEN: TOKEN }));
    expect(authed.verdict).toBe('pass');
    expect(JSON.stringify(authed)).not.toContain(TOKEN);
    const unset = await runGate(http({ path: '/api/funds', bearerTokenEnv: 'APP_TOKEN' }), ctx());
    expect(unset).toMatchObject({ verdict: 'inconclusive', reason: 'no-credentials' });
  });

  it('429 after a burst: the last of N requests is judged', async () => {
    fundsHits = 0;
    const r = await runGate(
      http({ path: '/api/funds', bearerTokenEnv: 'APP_TOKEN', burst: 120, expectStatus: 429 }),
      ctx({ APP_TOKEN: TOKEN }),
    );
    expect(r).toMatchObject({ verdict: 'pass', evidence: { observed: 429 } });
    expect(fundsHits).toBe(120);
    fundsHits = 0;
    const tooFew = await runGate(
      http({ path: '/api/funds', bearerTokenEnv: 'APP_TOKEN', burst: 50, expectStatus: 429 }),
      ctx({ APP_TOKEN: TOKEN }),
    );
    expect(tooFew).toMatchObject({ verdict: 'fail', summary: 'status 200, expected 429' });
  });

  it('latency budget: a 400 ms answer fails a 100 ms budget and passes a 2 s one', async () => {
    const over = await runGate(http({ path: '/slow', maxLatency: '100ms' }), ctx());
    expect(over.verdict).toBe('fail');
    expect(over.summary).toMatch(/^latency \d+ms over 100ms$/);
    expect((await runGate(http({ path: '/slow', maxLatency: '2s' }), ctx())).verdict).toBe('pass');
  });

  it('body match', async () => {
    expect((await runGate(http({ path: '/health', bodyMatches: '"status":"ok"' }), ctx())).verdict).toBe('pass');
    const r = await runGate(http({ path: '/health', bodyMatches: '"db":"down"' }), ctx());
    expect(r).toMatchObject({ verdict: 'fail', summary: 'body does not match /"db":"down"/' });
  });

  it('no URL in the environment is inconclusive with a hint; an application that does not answer fails', async () => {
    const none = await runGate(http({ path: '/health' }), gateContext({ env: {} }));
    expect(none).toMatchObject({ verdict: 'inconclusive', reason: 'no-url' });
    expect(none.hint).toContain('set APP_BASE_URL');
    const port = await freePort();
    const down = await runGate(
      http({ path: '/health' }),
      gateContext({ env: { APP_BASE_URL: `http://127.0.0.1:${port}` } }),
    );
    expect(down).toMatchObject({ verdict: 'fail', reason: 'unreachable' });
    const late = await runGate(http({ path: '/slow', timeout: '100ms' }), ctx());
    expect(late).toMatchObject({ verdict: 'fail', reason: 'timeout', summary: 'no answer within 100ms' });
  });
});
