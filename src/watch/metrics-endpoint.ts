import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TriggerOutcome } from './types.js';

/**
 * The watch's own metrics in the Prometheus text exposition format (version 0.0.4), so the
 * watcher itself can be scraped and alerted on (a watch that stopped evaluating is an incident too).
 */
export class WatchMetrics {
  private evaluations = 0;
  private rollbacks = 0;
  private sourceErrors = 0;
  private readonly stage = new Map<string, { release: string; flag: string; percent: number }>();
  private readonly triggers = new Map<string, { state: number; value: number | null }>();

  setStage(release: string, flags: Record<string, { percent: number; killSwitch: boolean }>): void {
    this.stage.clear();
    for (const [flag, f] of Object.entries(flags))
      this.stage.set(flag, { release, flag, percent: f.killSwitch ? 0 : f.percent });
  }

  observeLook(outcomes: readonly TriggerOutcome[]): void {
    this.evaluations += 1;
    for (const o of outcomes) {
      if (o.status === 'error' || o.status === 'no-data') this.sourceErrors += 1;
      const state = o.status === 'fired' ? 1 : o.status === 'ok' ? 0 : 2;
      this.triggers.set(o.id, { state, value: o.value });
    }
  }

  countRollback(): void {
    this.rollbacks += 1;
  }

  /** The exposition text; label values escaped as the format requires. */
  render(): string {
    const out: string[] = [];
    const family = (name: string, type: string, help: string, lines: string[]) =>
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...lines);
    family(
      'rollout_stage_percent',
      'gauge',
      'Percentage of users served the new variant (0 while the kill switch is on).',
      [...this.stage.values()].map(
        (s) => `rollout_stage_percent{release="${esc(s.release)}",flag="${esc(s.flag)}"} ${s.percent}`,
      ),
    );
    family(
      'rollout_trigger_state',
      'gauge',
      'Rollback trigger state at the last look: 0 ok, 1 fired, 2 error or no data.',
      [...this.triggers].map(([id, t]) => `rollout_trigger_state{trigger="${esc(id)}"} ${t.state}`),
    );
    family(
      'rollout_trigger_value',
      'gauge',
      "The trigger's canary value at the last look (NaN when none).",
      [...this.triggers].map(([id, t]) => `rollout_trigger_value{trigger="${esc(id)}"} ${num(t.value)}`),
    );
    family('rollout_watch_evaluations_total', 'counter', 'Looks evaluated by this watch process.', [
      `rollout_watch_evaluations_total ${this.evaluations}`,
    ]);
    family('rollout_rollbacks_total', 'counter', 'Rollbacks started by this watch process.', [
      `rollout_rollbacks_total ${this.rollbacks}`,
    ]);
    family(
      'rollout_watch_source_errors_total',
      'counter',
      'Trigger evaluations that ended in a query error or no data.',
      [`rollout_watch_source_errors_total ${this.sourceErrors}`],
    );
    return out.join('\n') + '\n';
  }
}

function esc(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function num(v: number | null): string {
  if (v === null || Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

export interface MetricsEndpoint {
  url: string;
  close(): Promise<void>;
}

/** Serves `GET /metrics` on 127.0.0.1 only (port 0 = ephemeral). Anything else is 404. */
export async function serveWatchMetrics(metrics: WatchMetrics, port: number): Promise<MetricsEndpoint> {
  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '/').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(metrics.render());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
