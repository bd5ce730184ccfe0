import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP fault proxy in the vocabulary of Toxiproxy (reference/reliability.md §3.1), small enough to run
 * inside `rollout chaos run` so that no extra daemon has to be installed or can be left behind.
 *
 * - `pass`: forward bytes both ways;
 * - `down`: live connections are closed; new ones are accepted and reset at once (the client sees
 *   ECONNRESET where a stopped server would give ECONNREFUSED). The listener stays open so that every
 *   attempt the application makes during the fault is counted: a fault nobody ran into proves nothing;
 * - `reset`: live connections get a TCP RST and new ones are accepted and reset at once;
 * - `latency`: every chunk is delivered `ms` later, in both directions, in order;
 * - `blackhole`: connections are accepted, nothing is forwarded either way (exposes missing timeouts).
 */
export type FaultMode =
  { kind: 'pass' } | { kind: 'down' } | { kind: 'reset' } | { kind: 'blackhole' } | { kind: 'latency'; ms: number };

/** A host and port, as written in `rollout.yaml` (`127.0.0.1:15432`). */
export interface Endpoint {
  host: string;
  port: number;
}

/** What went through the proxy since it started; differences between two snapshots give a window's traffic. */
export interface ProxyTraffic {
  /** Connections accepted, whatever the mode did with them next (a reset connection counts). */
  connections: number;
  /** Bytes received from clients (the application's side), forwarded or not. */
  bytesFromClients: number;
  /** Bytes received from the target. */
  bytesFromTarget: number;
}

/** A running fault proxy. */
export interface FaultProxy {
  /** Where the application connects (the real port when `listen.port` was 0). */
  readonly listen: Endpoint;
  readonly target: Endpoint;
  readonly mode: FaultMode;
  /** Connections currently open through the proxy. */
  readonly connections: number;
  /** Cumulative counters since the proxy started. */
  traffic(): ProxyTraffic;
  /** Switch mode; live connections are dropped or reset as the mode requires. */
  setMode(mode: FaultMode): Promise<void>;
  /** Close the listener and every connection. */
  close(): Promise<void>;
}

/** `host:port` → Endpoint; a bare port means 127.0.0.1. */
export function parseEndpoint(text: string): Endpoint {
  const match = /^(?:\[?([^\]]*?)\]?:)?(\d{1,5})$/.exec(text.trim());
  const port = Number(match?.[2]);
  if (!match || !Number.isInteger(port) || port > 65535) throw new Error(`"${text}" is not host:port`);
  return { host: match[1] || '127.0.0.1', port };
}

/** One proxied connection: the client side, the upstream side and the ordered delay queues. */
interface Link {
  client: Socket;
  upstream: Socket | null;
  queues: Map<Socket, DelayQueue>;
}

/** Delivers chunks in order, each no earlier than its due time, so latency never reorders bytes. */
class DelayQueue {
  private readonly items: Array<{ chunk: Buffer; due: number }> = [];
  private timer: NodeJS.Timeout | null = null;
  constructor(private readonly dest: Socket) {}

  get isEmpty(): boolean {
    return this.items.length === 0;
  }

  push(chunk: Buffer, delayMs: number): void {
    this.items.push({ chunk, due: Date.now() + delayMs });
    this.pump();
  }

  clear(): void {
    this.items.length = 0;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private pump(): void {
    if (this.timer) return;
    while (this.items.length > 0) {
      const head = this.items[0] as { chunk: Buffer; due: number };
      const wait = head.due - Date.now();
      if (wait > 0) {
        this.timer = setTimeout(() => {
          this.timer = null;
          this.pump();
        }, wait);
        return;
      }
      this.items.shift();
      if (!this.dest.destroyed) this.dest.write(head.chunk);
    }
  }
}

/** Start a proxy from `listen` to `target`, initially in `pass` mode (or the mode given). */
export async function startFaultProxy(options: {
  listen: Endpoint;
  target: Endpoint;
  mode?: FaultMode;
}): Promise<FaultProxy> {
  let mode: FaultMode = options.mode ?? { kind: 'pass' };
  const links = new Set<Link>();
  let server: Server | null = null;
  let listen: Endpoint = { ...options.listen };
  let closed = false;
  const counters: ProxyTraffic = { connections: 0, bytesFromClients: 0, bytesFromTarget: 0 };

  const forward = (link: Link, from: Socket, to: Socket, chunk: Buffer): void => {
    if (mode.kind === 'blackhole') return;
    let queue = link.queues.get(to);
    if (!queue) link.queues.set(to, (queue = new DelayQueue(to)));
    const delay = mode.kind === 'latency' ? mode.ms : 0;
    if (delay === 0 && queue.isEmpty) {
      if (!to.write(chunk)) {
        from.pause();
        to.once('drain', () => from.resume());
      }
      return;
    }
    queue.push(chunk, delay);
  };

  const drop = (link: Link, how: 'close' | 'reset'): void => {
    links.delete(link);
    for (const q of link.queues.values()) q.clear();
    for (const s of [link.client, link.upstream]) {
      if (!s || s.destroyed) continue;
      if (how === 'reset') s.resetAndDestroy();
      else s.destroy();
    }
  };

  const accept = (client: Socket): void => {
    client.setNoDelay(true);
    client.on('error', () => undefined);
    counters.connections += 1;
    // Counted before any mode decides: bytes a client manages to send count as an attempt too.
    client.on('data', (chunk: Buffer) => (counters.bytesFromClients += chunk.length));
    if (mode.kind === 'reset' || mode.kind === 'down') {
      client.resetAndDestroy();
      return;
    }
    const link: Link = { client, upstream: null, queues: new Map() };
    links.add(link);
    client.on('close', () => drop(link, 'close'));
    if (mode.kind === 'blackhole') return; // accepted, never forwarded: the client must time out on its own
    const upstream = connect({ host: options.target.host, port: options.target.port });
    link.upstream = upstream;
    upstream.setNoDelay(true);
    // An unreachable target looks to the client like a dropped connection, which is what it is.
    upstream.on('error', () => drop(link, 'reset'));
    upstream.on('close', () => drop(link, 'close'));
    client.on('data', (chunk: Buffer) => forward(link, client, upstream, chunk));
    upstream.on('data', (chunk: Buffer) => {
      counters.bytesFromTarget += chunk.length;
      forward(link, upstream, client, chunk);
    });
  };

  const openListener = async (): Promise<void> => {
    if (server || closed) return;
    const s = createServer(accept);
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(listen.port, listen.host, () => {
        s.off('error', reject);
        resolve();
      });
    });
    const address = s.address();
    if (address && typeof address === 'object') listen = { host: listen.host, port: address.port };
    server = s;
  };

  const closeListener = async (): Promise<void> => {
    const s = server;
    server = null;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  };

  const apply = async (next: FaultMode): Promise<void> => {
    const previous = mode;
    mode = next;
    if (next.kind === 'down') for (const link of [...links]) drop(link, 'close');
    if (next.kind === 'reset') for (const link of [...links]) drop(link, 'reset');
    // Connections accepted while black-holed never got an upstream: close them so clients reconnect.
    if (previous.kind === 'blackhole' && next.kind !== 'blackhole')
      for (const link of [...links]) if (!link.upstream) drop(link, 'close');
  };

  await openListener();

  return {
    get listen() {
      return listen;
    },
    target: options.target,
    get mode() {
      return mode;
    },
    get connections() {
      return links.size;
    },
    traffic: () => ({ ...counters }),
    setMode: apply,
    async close() {
      closed = true;
      for (const link of [...links]) drop(link, 'close');
      await closeListener();
    },
  };
}
