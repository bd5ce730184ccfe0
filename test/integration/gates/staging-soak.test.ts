import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import type { GateConfig } from '../../../src/config/schema.js';
import { createGateMetrics } from '../../../src/gates/metrics.js';
import { runGate } from '../../../src/gates/run-gate.js';
import { stagingSoakSeries } from '../../helpers/plan-fixture.js';
import { counterSeries, startPrometheus, type PrometheusInstance } from '../../helpers/prometheus.js';
import { gateContext } from '../../unit/gates/context.js';

/**
 * The repository plan's staging soak gate ("24-hour soak test passed in staging", before every phase
 * change) against a real Prometheus holding four staging histories under different `env` labels:
 * healthy for 25 h, an hour of 5 % errors, slow, and only 12 h of data.
 */
let prom: PrometheusInstance;
let soak: GateConfig;
const now = Math.floor(Date.now() / 1000);

function relabel(series: ReturnType<typeof stagingSoakSeries>, env: string): ReturnType<typeof stagingSoakSeries> {
  return series.map((s) => ({ ...s, labels: { ...(s.labels ?? {}), env } }));
}

beforeAll(async () => {
  const { config } = await loadConfig({ file: 'rollout.yaml', cwd: path.resolve(import.meta.dirname, '../../..') });
  const gates = config.phases.map((p) => p.gates.find((g) => g.id === `staging-soak-${p.id.toLowerCase()}`));
  expect(gates.every((g) => g?.kind === 'prometheus')).toBe(true);
  soak = gates[0] as GateConfig;
  const spike = (t: number) => (t > now - 6 * 3600 && t < now - 5 * 3600 ? 0.05 : 0.002);
  prom = await startPrometheus({
    series: [
      ...stagingSoakSeries(now - 25 * 3600, now, {}),
      ...relabel(
        stagingSoakSeries(now - 25 * 3600, now, {}).filter((s) => s.labels?.status !== '500'),
        'spike',
      ),
      counterSeries({
        name: 'http_requests_total',
        labels: { env: 'spike', status: '500' },
        start: now - 25 * 3600,
        end: now,
        increment: (t) => 120 * spike(t),
      }),
      ...relabel(stagingSoakSeries(now - 25 * 3600, now, { latencySeconds: 0.45 }), 'slow'),
      ...relabel(stagingSoakSeries(now - 12 * 3600, now, {}), 'short'),
    ],
  });
}, 180_000);

afterAll(async () => {
  await prom?.stop();
});

async function judge(env: string) {
  const g = {
    ...soak,
    query: (soak as Extract<GateConfig, { kind: 'prometheus' }>).query.replaceAll('env="staging"', `env="${env}"`),
  } as GateConfig;
  const vars = { ROLLOUT_PROMETHEUS_URL: prom.url };
  return runGate(
    g,
    gateContext({
      env: vars,
      metrics: createGateMetrics({ urlEnv: 'ROLLOUT_PROMETHEUS_URL', timeout: '20s', retries: 1 }, vars),
    }),
  );
}

describe('the staging soak gate of every phase', () => {
  it('passes on 24 h of staging within budget', async () => {
    expect(await judge('staging')).toMatchObject({ verdict: 'pass' });
  });

  it('fails on an hour of 5 % errors, on a p95 of 450 ms and on only 12 h of data', async () => {
    for (const env of ['spike', 'slow', 'short']) expect((await judge(env)).verdict, env).toBe('fail');
  });

  it('is inconclusive without any staging data: no evidence is never a pass', async () => {
    expect((await judge('nowhere')).verdict).toBe('inconclusive');
  });
});
