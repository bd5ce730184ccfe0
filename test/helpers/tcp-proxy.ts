/**
 * A loopback TCP proxy for network-fault tests (Toxiproxy-lite; Toxiproxy itself is not available):
 * - `cut()`: drop every open connection and refuse new ones (the port stops listening) until `restore()`;
 * - `blackhole()`: open connections stop carrying data and new ones are accepted but never
 *   forwarded, like packets silently dropped by a firewall (no RST, no FIN);
 * - `restore()`: forward normally again (listen again after a cut; black-holed connections are dropped).
 * Faults end when the test says so, never after a fixed time, so a slow machine cannot reorder them.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface TcpProxy {
  host: string;
  port: number;
  /** Rewrite a postgres URL so that it goes through the proxy. */
  wrapUrl(url: string): string;
  cut(): Promise<void>;
  blackhole(): void;
  /** Resolves once the proxy accepts connections again. */
  restore(): Promise<void>;
  /** Connections accepted so far. */
  readonly accepted: number;
  stop(): Promise<void>;
}

interface Pair {
  client: Socket;
  upstream: Socket | null;
}

export async function startTcpProxy(options: { target: { host: string; port: number } }): Promise<TcpProxy> {
  const { target } = options;
  if (!['127.0.0.1', 'localhost', '::1'].includes(target.host))
    throw new Error(`tcp proxy targets loopback only, got ${target.host}`);
  const pairs = new Set<Pair>();
  let mode: 'forward' | 'blackhole' = 'forward';
  let accepted = 0;
  let server: Server;

  const drop = (pair: Pair) => {
    pair.client.destroy();
    pair.upstream?.destroy();
    pairs.delete(pair);
  };
  const onConnection = (client: Socket) => {
    accepted += 1;
    const pair: Pair = { client, upstream: null };
    pairs.add(pair);
    client.on('error', () => undefined);
    client.on('close', () => drop(pair));
    if (mode === 'blackhole') {
      client.pause(); // read nothing, answer nothing
      return;
    }
    const upstream = connect(target.port, target.host);
    pair.upstream = upstream;
    upstream.on('error', () => drop(pair));
    upstream.on('close', () => drop(pair));
    client.pipe(upstream);
    upstream.pipe(client);
  };
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server = createServer(onConnection);
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
  await listen(0);
  const address = server!.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const closeListener = () => new Promise<void>((resolve) => server.close(() => resolve()));

  return {
    host: '127.0.0.1',
    port,
    wrapUrl(url) {
      const u = new URL(url);
      u.hostname = '127.0.0.1';
      u.port = String(port);
      return u.toString();
    },
    async cut() {
      if (!server.listening) return;
      const closed = closeListener();
      for (const pair of [...pairs]) drop(pair);
      await closed;
    },
    blackhole() {
      mode = 'blackhole';
      for (const pair of pairs) {
        pair.client.unpipe();
        pair.upstream?.unpipe();
        pair.client.pause();
        pair.upstream?.pause();
      }
    },
    async restore() {
      mode = 'forward';
      for (const pair of [...pairs]) if (pair.client.isPaused()) drop(pair);
      if (!server.listening) await listen(port);
    },
    get accepted() {
      return accepted;
    },
    async stop() {
      for (const pair of [...pairs]) drop(pair);
      if (server.listening) await closeListener();
    },
  };
}
