import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseEndpoint, startFaultProxy, type FaultProxy } from '../../../src/chaos/fault-proxy.js';

/** An upstream that echoes every chunk back and counts what it received. */
async function startEcho(): Promise<{ server: Server; port: number; received: () => string; sockets: Set<Socket> }> {
  let received = '';
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    s.on('data', (d: Buffer) => {
      received += d.toString();
      s.write(d);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  return { server, port: typeof address === 'object' && address ? address.port : 0, received: () => received, sockets };
}

interface Client {
  socket: Socket;
  data: () => string;
  closed: Promise<{ error: NodeJS.ErrnoException | null }>;
  /** Resolves once `text` has arrived (cumulative). */
  waitFor(text: string): Promise<void>;
}

function open(port: number): Promise<Client> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let data = '';
    let error: NodeJS.ErrnoException | null = null;
    const waiters: Array<() => void> = [];
    socket.on('data', (d: Buffer) => {
      data += d.toString();
      waiters.splice(0).forEach((w) => w());
    });
    socket.on('error', (e) => (error = e as NodeJS.ErrnoException));
    const closed = new Promise<{ error: NodeJS.ErrnoException | null }>((r) => socket.on('close', () => r({ error })));
    socket.once('connect', () =>
      resolve({
        socket,
        data: () => data,
        closed,
        waitFor: (text) =>
          new Promise<void>((r) => {
            const check = () => (data.includes(text) ? r() : waiters.push(check));
            check();
          }),
      }),
    );
    socket.once('error', reject);
  });
}

describe('fault proxy', () => {
  let echo: Awaited<ReturnType<typeof startEcho>>;
  let proxy: FaultProxy;
  const clients: Client[] = [];
  const connectClient = async () => {
    const c = await open(proxy.listen.port);
    clients.push(c);
    return c;
  };

  beforeEach(async () => {
    echo = await startEcho();
    proxy = await startFaultProxy({
      listen: { host: '127.0.0.1', port: 0 },
      target: { host: '127.0.0.1', port: echo.port },
    });
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.socket.destroy();
    await proxy.close();
    for (const s of echo.sockets) s.destroy();
    await new Promise<void>((r) => echo.server.close(() => r()));
  });

  it('parses host:port and a bare port', () => {
    expect(parseEndpoint('127.0.0.1:15432')).toEqual({ host: '127.0.0.1', port: 15432 });
    expect(parseEndpoint('6379')).toEqual({ host: '127.0.0.1', port: 6379 });
    expect(parseEndpoint('[::1]:80')).toEqual({ host: '::1', port: 80 });
    expect(() => parseEndpoint('localhost')).toThrow(/host:port/);
    expect(() => parseEndpoint('h:70000')).toThrow(/host:port/);
  });

  it('pass: forwards both ways', async () => {
    const c = await connectClient();
    c.socket.write('hello');
    await c.waitFor('hello');
    expect(echo.received()).toBe('hello');
    expect(proxy.connections).toBe(1);
  });

  it('down: closes live connections; new ones are accepted, reset and counted; pass forwards again', async () => {
    const c = await connectClient();
    c.socket.write('a');
    await c.waitFor('a');
    const before = proxy.traffic();
    expect(before).toEqual({ connections: 1, bytesFromClients: 1, bytesFromTarget: 1 });
    await proxy.setMode({ kind: 'down' });
    await c.closed;
    // the RST can reach the client before or after its connect completes: either way nothing gets through
    for (let i = 0; i < 3; i++) {
      const code = await open(proxy.listen.port).then(
        async (d) => (await d.closed).error?.code,
        (e: NodeJS.ErrnoException) => e.code,
      );
      expect(code).toBe('ECONNRESET');
    }
    // every attempt during the fault is counted, none reached the target
    expect(proxy.traffic()).toEqual({ ...before, connections: 4 });
    expect(echo.received()).toBe('a');
    await proxy.setMode({ kind: 'pass' });
    const d = await connectClient();
    d.socket.write('back');
    await d.waitFor('back');
    expect(proxy.traffic()).toMatchObject({ connections: 5, bytesFromClients: 5, bytesFromTarget: 5 });
  });

  it('counts nothing when nobody connects: an idle fault is visible as zero traffic', async () => {
    await proxy.setMode({ kind: 'down' });
    await new Promise<void>((resolve) => setImmediate(resolve)); // nobody connects while the fault is on
    await proxy.setMode({ kind: 'pass' });
    expect(proxy.traffic()).toEqual({ connections: 0, bytesFromClients: 0, bytesFromTarget: 0 });
  });

  it('reset: live connections get a TCP RST; new connections are reset too', async () => {
    const c = await connectClient();
    c.socket.write('x');
    await c.waitFor('x');
    await proxy.setMode({ kind: 'reset' });
    expect((await c.closed).error?.code).toBe('ECONNRESET');
    // the RST can reach the client before or after its connect completes: either way it is a reset
    const code = await open(proxy.listen.port).then(
      async (d) => (await d.closed).error?.code,
      (e: NodeJS.ErrnoException) => e.code,
    );
    expect(code).toBe('ECONNRESET');
    await proxy.setMode({ kind: 'pass' });
    const e = await connectClient();
    e.socket.write('ok');
    await e.waitFor('ok');
  });

  it('latency: each chunk arrives at least N ms later each way, in order', async () => {
    const c = await connectClient();
    await proxy.setMode({ kind: 'latency', ms: 150 });
    const started = performance.now();
    for (const part of ['1', '2', '3', '4']) c.socket.write(part);
    await c.waitFor('1234');
    // one way up and one way back: at least twice the delay, never less
    expect(performance.now() - started).toBeGreaterThanOrEqual(2 * 150 - 5);
    expect(c.data()).toBe('1234');
    await proxy.setMode({ kind: 'pass' });
    c.socket.write('5');
    await c.waitFor('12345');
  });

  it('blackhole: accepts connections and forwards nothing either way; pass closes the held ones', async () => {
    const live = await connectClient();
    await proxy.setMode({ kind: 'blackhole' });
    live.socket.write('lost');
    const held = await connectClient();
    held.socket.write('also lost');
    expect(held.socket.destroyed).toBe(false);
    await proxy.setMode({ kind: 'pass' });
    await held.closed; // never had an upstream: closed so the client reconnects
    live.socket.write('again');
    await live.waitFor('again');
    // Bytes on one connection arrive in order: had the black hole forwarded (or kept and later
    // replayed) 'lost', it would have reached the echo, and come back, before 'again'.
    expect(echo.received()).toBe('again');
    expect(live.data()).toBe('again');
  });

  it('an unreachable target looks like a dropped connection', async () => {
    const dead = await startFaultProxy({
      listen: { host: '127.0.0.1', port: 0 },
      target: { host: '127.0.0.1', port: 1 },
    });
    try {
      const c = await open(dead.listen.port);
      const { error } = await c.closed;
      expect(error === null || error.code === 'ECONNRESET').toBe(true);
      expect(dead.connections).toBe(0);
    } finally {
      await dead.close();
    }
  });
});
