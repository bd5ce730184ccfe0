import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpProbe, resolveProbeUrl } from '../../../src/chaos/probe.js';
import { gate, type GateConfig } from '../../../src/config/schema.js';

const http = (over: Record<string, unknown>): GateConfig => gate.parse({ id: 'p', kind: 'http', ...over });

describe('built-in HTTP probe', () => {
  let server: Server;
  let base = '';
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/ok') res.writeHead(204).end();
      else if (req.url === '/down') res.writeHead(503).end('{"ok":false}');
      else if (req.url === '/slow') setTimeout(() => res.writeHead(200).end('slow'), 300);
      else if (req.url === '/hang') return;
      else if (req.url === '/auth')
        res.writeHead(req.headers.authorization === 'Bearer t0k3n-value' ? 200 : 401).end('{"status":"ok"}');
      else res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const address = server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('passes on any 2xx when expectStatus is the default', async () => {
    const probe = createHttpProbe({ env: {} });
    expect(await probe(http({ url: `${base}/ok` }))).toMatchObject({
      status: 'pass',
      reason: expect.stringContaining('204'),
    });
  });

  it('fails on an unexpected status, and passes on an expected non-2xx', async () => {
    const probe = createHttpProbe({ env: {} });
    expect(await probe(http({ url: `${base}/down` }))).toMatchObject({ status: 'fail', reason: 'HTTP 503' });
    expect((await probe(http({ url: `${base}/down`, expectStatus: [503] }))).status).toBe('pass');
  });

  it('fails past maxLatency and when no answer comes within the timeout', async () => {
    const probe = createHttpProbe({ env: {} });
    const slow = await probe(http({ url: `${base}/slow`, maxLatency: '100ms' }));
    expect(slow.status).toBe('fail');
    expect(slow.reason).toMatch(/latency \d+ ms > 100 ms/);
    const hang = await probe(http({ url: `${base}/hang`, timeout: '200ms' }));
    expect(hang).toMatchObject({ status: 'fail', reason: 'no answer within 200 ms' });
  });

  it('resolves urlEnv + path, sends the bearer token, checks the body', async () => {
    const env = { APP_BASE_URL: `${base}/`, TOKEN: 't0k3n-value' };
    const probe = createHttpProbe({ env });
    expect(
      resolveProbeUrl(http({ urlEnv: 'APP_BASE_URL', path: 'auth' }) as Extract<GateConfig, { kind: 'http' }>, env),
    ).toBe(`${base}/auth`);
    expect(
      (
        await probe(
          http({ urlEnv: 'APP_BASE_URL', path: '/auth', bearerTokenEnv: 'TOKEN', bodyMatches: '"status":"ok"' }),
        )
      ).status,
    ).toBe('pass');
    expect(
      (await probe(http({ urlEnv: 'APP_BASE_URL', path: '/auth', bodyMatches: 'nope', expectStatus: 401 }))).status,
    ).toBe('fail');
  });

  it('is inconclusive without a URL or for other gate kinds, and fails on a refused connection', async () => {
    const probe = createHttpProbe({ env: {} });
    expect(await probe(http({ urlEnv: 'APP_BASE_URL', path: '/health' }))).toMatchObject({
      status: 'inconclusive',
      reason: expect.stringContaining('APP_BASE_URL'),
    });
    expect((await probe(gate.parse({ id: 'c', kind: 'command', run: ['true'] }))).status).toBe('inconclusive');
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as { port: number }).port;
    await new Promise<void>((r) => closed.close(() => r()));
    expect(await probe(http({ url: `http://127.0.0.1:${port}/health` }))).toMatchObject({
      status: 'fail',
      reason: 'ECONNREFUSED',
    });
  });
});

describe('gate-backed probe', () => {
  it('runs command probes through the gates module and keeps HTTP probes on the built-in probe', async () => {
    const { createGateProbe } = await import('../../../src/chaos/gate-probe.js');
    const { systemClock } = await import('../../../src/lifecycle/clock.js');
    const httpCalls: string[] = [];
    const probe = createGateProbe(
      {
        planDir: process.cwd(),
        env: {},
        clock: systemClock,
        redact: (s) => s,
        release: 'v2.1.0',
        phase: 'P3',
        state: null,
      },
      async (g) => (httpCalls.push(g.id), { status: 'pass', reason: 'stub http', durationMs: 0 }),
    );
    const command = (code: number) =>
      gate.parse({
        id: `c${code}`,
        kind: 'command',
        run: [process.execPath, '-e', `process.exit(${code})`],
        timeout: '10s',
      });
    expect((await probe(command(0))).status).toBe('pass');
    expect((await probe(command(1))).status).toBe('fail');
    expect(httpCalls).toEqual([]);
    await probe(http({ url: 'http://127.0.0.1:9/' }));
    expect(httpCalls).toEqual(['p']);
  });
});
