import { parseDuration } from '../config/duration.js';
import type { GateConfig } from '../config/schema.js';

/** What one probe of the steady state found. */
export interface ProbeOutcome {
  status: 'pass' | 'fail' | 'inconclusive';
  reason: string;
  durationMs: number;
}

/**
 * Runs an experiment's probe (a gate config). The chaos runner only depends on this shape, so the
 * gates module's runner can replace the built-in HTTP probe without touching the experiment logic.
 */
export type ProbeRunner = (probe: GateConfig) => Promise<ProbeOutcome>;

type HttpGate = Extract<GateConfig, { kind: 'http' }>;

/** The probe's URL from `url` or `$urlEnv`, plus `path`; null when the variable is unset. */
export function resolveProbeUrl(gate: HttpGate, env: NodeJS.ProcessEnv): string | null {
  const base = gate.url ?? (gate.urlEnv ? env[gate.urlEnv] : undefined);
  if (!base) return null;
  if (!gate.path) return base;
  return base.replace(/\/+$/, '') + (gate.path.startsWith('/') ? gate.path : `/${gate.path}`);
}

function isExpectedStatus(gate: HttpGate, status: number): boolean {
  const expected = gate.expectStatus;
  if (Array.isArray(expected)) return expected.includes(status);
  // The schema defaults expectStatus to 200; treat that default as "any 2xx" so a 204 health check passes.
  return expected === 200 ? status >= 200 && status < 300 : status === expected;
}

/**
 * A stand-alone HTTP probe: fetch with a timeout, then status (2xx or `expectStatus`), `bodyMatches`
 * and `maxLatency`. Other gate kinds are inconclusive here: they need the gates module.
 */
export function createHttpProbe(options: { env: NodeJS.ProcessEnv; fetch?: typeof fetch }): ProbeRunner {
  const doFetch = options.fetch ?? fetch;
  return async (gate) => {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    if (gate.kind !== 'http')
      return {
        status: 'inconclusive',
        reason: `probe kind "${gate.kind}" is not supported by the built-in HTTP probe`,
        durationMs: 0,
      };
    const url = resolveProbeUrl(gate, options.env);
    if (!url)
      return {
        status: 'inconclusive',
        reason: `no URL: set ${gate.urlEnv ?? 'url'} for probe ${gate.id}`,
        durationMs: 0,
      };
    const timeoutMs = parseDuration(gate.timeout) ?? 10_000;
    const headers: Record<string, string> = { ...gate.headers };
    const token = gate.bearerTokenEnv ? options.env[gate.bearerTokenEnv] : undefined;
    if (token) headers.authorization = `Bearer ${token}`;
    try {
      const response = await doFetch(url, { method: gate.method, headers, signal: AbortSignal.timeout(timeoutMs) });
      // Read the body in full either way: the probe measures the whole answer, not just the headers.
      const body = await response.text();
      const durationMs = elapsed();
      if (!isExpectedStatus(gate, response.status))
        return { status: 'fail', reason: `HTTP ${response.status}`, durationMs };
      if (gate.bodyMatches && !new RegExp(gate.bodyMatches).test(body))
        return { status: 'fail', reason: `body does not match /${gate.bodyMatches}/`, durationMs };
      const maxLatency = gate.maxLatency ? parseDuration(gate.maxLatency) : null;
      if (maxLatency !== null && durationMs > maxLatency)
        return { status: 'fail', reason: `latency ${durationMs} ms > ${maxLatency} ms`, durationMs };
      return { status: 'pass', reason: `HTTP ${response.status} in ${durationMs} ms`, durationMs };
    } catch (error) {
      const durationMs = elapsed();
      const e = error as Error & { cause?: { code?: string; message?: string } };
      if (e.name === 'TimeoutError') return { status: 'fail', reason: `no answer within ${timeoutMs} ms`, durationMs };
      // fetch says only "fetch failed"; the cause has the useful part (ECONNREFUSED, ECONNRESET, …)
      return { status: 'fail', reason: e.cause?.code ?? e.cause?.message ?? e.message, durationMs };
    }
  };
}
