import { parseDuration } from '../config/duration.js';
import { connect } from 'node:net';
import {
  parseEndpoint,
  startFaultProxy,
  type Endpoint,
  type FaultMode,
  type FaultProxy,
  type ProxyTraffic,
} from './fault-proxy.js';
import { MEMORY_MARKER, startMemoryPressure, type MemoryPressure } from './memory-pressure.js';
import type { ChaosExperiment } from './types.js';

/**
 * Creates and removes one experiment's fault. `prepare` sets up what must exist before the steady
 * state is measured (the proxy in pass mode), `inject` and `remove` switch the fault, `close` tears
 * everything down. `remove` and `close` are safe to call more than once.
 */
export interface FaultDriver {
  describe(): string;
  prepare(): Promise<void>;
  inject(): Promise<void>;
  remove(): Promise<void>;
  close(): Promise<void>;
  /**
   * Why the fault cannot be exercised before anything is injected (nothing listens on the target),
   * or null. Faults without a dependency (memory pressure) have nothing to check.
   */
  checkTarget?(): Promise<string | null>;
  /** What the application sent through the fault so far (cumulative); absent for faults without a proxy. */
  traffic?(): ProxyTraffic;
}

const TARGET_CHECK_TIMEOUT_MS = 2_000;

/** Open and close one TCP connection to `target`; the error code (ECONNREFUSED, a timeout) or null. */
export function checkReachable(target: Endpoint, timeoutMs = TARGET_CHECK_TIMEOUT_MS): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = connect({ host: target.host, port: target.port });
    const done = (problem: string | null) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(problem);
    };
    const timer = setTimeout(() => done(`no TCP answer within ${timeoutMs} ms`), timeoutMs);
    socket.once('connect', () => done(null));
    socket.once('error', (e: NodeJS.ErrnoException) => done(e.code ?? e.message));
  });
}

/** Called when the fault starts a process, so the write-ahead record can name it before it matters. */
export type OnFaultProcess = (proc: { pid: number; marker: string }) => Promise<void>;

export function describeFault(fault: ChaosExperiment['fault']): string {
  switch (fault.type) {
    case 'connection-drop':
      return `connection drop (reset, then new connections reset) on ${fault.listen} → ${fault.target}`;
    case 'unavailable':
      return `unavailable (new connections reset) on ${fault.listen} → ${fault.target}`;
    case 'latency':
      return `+${fault.latency} latency on ${fault.listen} → ${fault.target}`;
    case 'memory-pressure':
      return `memory pressure: ${fault.megabytes} MB allocated`;
  }
}

function createProxyDriver(experiment: ChaosExperiment): FaultDriver {
  const { fault } = experiment;
  if (!fault.listen || !fault.target)
    throw new Error(`experiment ${experiment.id}: a ${fault.type} fault needs fault.listen and fault.target`);
  const listen = parseEndpoint(fault.listen);
  const target = parseEndpoint(fault.target);
  const latencyMs = fault.latency ? parseDuration(fault.latency) : null;
  if (fault.type === 'latency' && latencyMs === null)
    throw new Error(`experiment ${experiment.id}: a latency fault needs fault.latency (e.g. 200ms)`);
  let proxy: FaultProxy | null = null;
  return {
    describe: () => describeFault(fault),
    async prepare() {
      proxy = await startFaultProxy({ listen, target });
    },
    async checkTarget() {
      const problem = await checkReachable(target);
      return (
        problem && `nothing accepts connections on the target ${fault.target} (${problem}): start the dependency first`
      );
    },
    traffic() {
      return proxy?.traffic() ?? { connections: 0, bytesFromClients: 0, bytesFromTarget: 0 };
    },
    async inject() {
      if (!proxy) throw new Error('the fault proxy is not running');
      if (fault.type === 'connection-drop') {
        // Live connections get an RST (what a failing database host or a network blip looks like),
        // and new ones are accepted and reset for the rest of the window (counted, unlike a refusal).
        await proxy.setMode({ kind: 'reset' });
        await proxy.setMode({ kind: 'down' });
      } else {
        const mode: FaultMode = fault.type === 'latency' ? { kind: 'latency', ms: latencyMs ?? 0 } : { kind: 'down' };
        await proxy.setMode(mode);
      }
    },
    async remove() {
      if (proxy && proxy.mode.kind !== 'pass') await proxy.setMode({ kind: 'pass' });
    },
    async close() {
      const p = proxy;
      proxy = null;
      await p?.close();
    },
  };
}

function createMemoryDriver(
  experiment: ChaosExperiment,
  maxLifetimeMs: number,
  onProcess: OnFaultProcess,
): FaultDriver {
  const megabytes = experiment.fault.megabytes;
  if (!megabytes) throw new Error(`experiment ${experiment.id}: a memory-pressure fault needs fault.megabytes`);
  let hog: MemoryPressure | null = null;
  const remove = async () => {
    const h = hog;
    hog = null;
    await h?.stop();
  };
  return {
    describe: () => describeFault(experiment.fault),
    async prepare() {},
    async inject() {
      hog = await startMemoryPressure({ megabytes, maxLifetimeMs, experimentId: experiment.id });
      await onProcess({ pid: hog.pid, marker: MEMORY_MARKER });
    },
    remove,
    close: remove,
  };
}

/** The driver for an experiment's fault type. `maxLifetimeMs` bounds processes a killed run leaves behind. */
export function createFaultDriver(
  experiment: ChaosExperiment,
  options: { maxLifetimeMs: number; onProcess: OnFaultProcess },
): FaultDriver {
  return experiment.fault.type === 'memory-pressure'
    ? createMemoryDriver(experiment, options.maxLifetimeMs, options.onProcess)
    : createProxyDriver(experiment);
}
