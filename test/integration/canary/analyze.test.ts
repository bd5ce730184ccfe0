import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { canarySeries, healthyArm, type ArmTraffic } from '../../helpers/canary-series.js';
import { runCli, tempProject } from '../../helpers/cli.js';
import { startPrometheus, type PrometheusInstance } from '../../helpers/prometheus.js';

/**
 * `rollout analyze` on the repository plan against a real Prometheus holding canary and baseline
 * series. One Prometheus per scenario, all started up front (each takes about two seconds).
 */
const end = Math.floor(Date.now() / 1000) - 5;
const BASE = 'reserves_v1.0';
const CANARY = 'reserves_v1.1';
const scenarios: Record<string, Record<string, ArmTraffic>> = {
  healthy: { [BASE]: healthyArm(), [CANARY]: healthyArm() },
  errorSpike: { [BASE]: healthyArm(), [CANARY]: healthyArm({ errorRate: 0.03 }) },
  latency: { [BASE]: healthyArm(), [CANARY]: healthyArm({ latencySeconds: 0.45 }) },
  // Kayenta passes this: 7 of 10 intervals at 100× the baseline error rate, the rest clean.
  sparse: {
    [BASE]: healthyArm({ errorRate: 0.001 }),
    [CANARY]: healthyArm({ errorRate: (m) => (m % 10 < 7 ? 0.1 : 0) }),
  },
  noCanaryTraffic: { [BASE]: healthyArm() },
  businessDrop: { [BASE]: healthyArm(), [CANARY]: healthyArm({ fundSetupSuccessRate: 0.75 }) },
  // The canary serves requests but its latency histogram records nothing: histogram_quantile is NaN.
  nanLatency: { [BASE]: healthyArm(), [CANARY]: healthyArm({ latencySamplesPerMinute: 0 }) },
  // The canary exports no latency histogram at all: the same queries answer with no series.
  noCanaryLatency: { [BASE]: healthyArm(), [CANARY]: healthyArm({ latencySeconds: undefined }) },
};
const proms: Record<string, PrometheusInstance> = {};
let dir: string;

beforeAll(async () => {
  dir = await tempProject(['rollout.yaml', '.perf-budget.json']);
  for (const [name, arms] of Object.entries(scenarios))
    proms[name] = await startPrometheus({ series: canarySeries({ end, minutes: 60, arms }) });
}, 120_000);
afterAll(async () => {
  await Promise.all(Object.values(proms).map((p) => p.stop()));
});

async function analyze(scenario: string, extra: string[] = [], env: Record<string, string> = {}) {
  const r = await runCli(['analyze', '--json', '--dry-run', ...extra], {
    cwd: dir,
    env: { ROLLOUT_PROMETHEUS_URL: proms[scenario]?.url ?? '', ...env },
  });
  const doc = r.json<{
    exitCode: number;
    result: {
      verdict: string;
      summary: string;
      alerts: string[];
      metrics: Array<{
        id: string;
        verdict: string;
        inconclusive?: string;
        reason: string;
        pValue?: number;
        canary: { n: number | null };
      }>;
    };
  }>();
  const metric = (id: string) => doc.result.metrics.find((m) => m.id === id);
  return { r, doc, metric };
}

describe('rollout analyze against a real Prometheus', () => {
  it('passes a healthy canary with every metric explained', async () => {
    const { r, doc, metric } = await analyze('healthy');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(doc.result.verdict).toBe('pass');
    expect(metric('error_rate')).toMatchObject({ verdict: 'pass' });
    expect(metric('error_rate')?.canary.n).toBe(12000); // 400 requests a minute over the 30m window
    expect(metric('latency_p95')?.verdict).toBe('pass');
    // The histogram method: every request of the window once (60 observations a minute × 30).
    expect(metric('latency')).toMatchObject({ verdict: 'pass', canary: { n: 1800 } });
    expect(metric('model_accuracy_delta')?.verdict).toBe('pass');
  });

  it('fails an error spike (0.5 % → 3 %) with exit 1 and the reason', async () => {
    const { r, doc, metric } = await analyze('errorSpike');
    expect(r.code).toBe(1);
    expect(doc.result.verdict).toBe('fail');
    expect(metric('error_rate')?.verdict).toBe('fail');
    expect(metric('error_rate')?.reason).toMatch(/worse/);
    expect(metric('error_rate')?.pValue).toBeLessThan(1e-6);
  });

  it('fails a latency regression on the p95 budget and the distribution test', async () => {
    const { r, metric } = await analyze('latency');
    expect(r.code).toBe(1);
    expect(metric('latency_p95')?.verdict).toBe('fail');
    expect(metric('latency_p95')?.reason).toMatch(/above 400/);
    expect(metric('latency')?.verdict).toBe('fail');
  });

  it('fails sparse error spikes that a per-interval comparison averages away', async () => {
    const { r, metric } = await analyze('sparse');
    expect(r.code).toBe(1);
    expect(metric('error_rate')?.verdict).toBe('fail');
  });

  it('no traffic on the canary is inconclusive (exit 3), never a pass', async () => {
    const { r, doc, metric } = await analyze('noCanaryTraffic');
    expect(r.code).toBe(3);
    expect(doc.result.verdict).toBe('inconclusive');
    expect(metric('error_rate')?.inconclusive).toBe('no-data');
  });

  it('a business-metric drop asks for manual review instead of failing the release', async () => {
    const { r, doc, metric } = await analyze('businessDrop');
    expect(metric('fund_setup_success_rate')?.verdict).toBe('fail');
    expect(doc.result.alerts).toEqual(['fund_setup_success_rate']);
    expect(doc.result.verdict).toBe('inconclusive');
    expect(r.code).toBe(3);
  });

  it('a canary latency histogram without observations is NaN for the p95 (exit 3), no requests for the distribution, never a pass', async () => {
    const { r, doc, metric } = await analyze('nanLatency');
    expect(r.code, r.stdout + r.stderr).toBe(3);
    expect(doc.result.verdict).toBe('inconclusive');
    // The canary did serve traffic: the request counters are judged as usual.
    expect(metric('error_rate')).toMatchObject({ verdict: 'pass', canary: { n: 12000 } });
    expect(metric('latency_p95')).toMatchObject({ verdict: 'inconclusive', inconclusive: 'nan', canary: { n: null } });
    expect(metric('latency_p95')?.reason).toMatch(/^canary: .*NaN/);
    // Its buckets exist and count zero requests in the window: nothing to compare.
    expect(metric('latency')).toMatchObject({ verdict: 'inconclusive', inconclusive: 'no-data', canary: { n: 0 } });
    expect(metric('latency')?.reason).toMatch(/no requests on the canary arm/);
    expect(doc.result.summary).toContain('latency_p95 (nan)');
  });

  it('a canary without any latency histogram is no-data, told apart from NaN', async () => {
    const { r, doc, metric } = await analyze('noCanaryLatency');
    expect(r.code).toBe(3);
    expect(doc.result.verdict).toBe('inconclusive');
    expect(metric('error_rate')?.verdict).toBe('pass');
    expect(metric('latency_p95')).toMatchObject({ verdict: 'inconclusive', inconclusive: 'no-data' });
    expect(metric('latency')).toMatchObject({ verdict: 'inconclusive', inconclusive: 'no-data' });
  });

  it('too few samples reports the samples still needed', async () => {
    const { doc, metric } = await analyze('healthy', ['--window', '2m']);
    expect(metric('error_rate')?.inconclusive).toBe('too-few-samples');
    expect(metric('error_rate')?.reason).toMatch(/needs ~\d+ more requests per arm/);
    expect(doc.result.verdict).toBe('inconclusive');
  });

  it('Prometheus down: every Prometheus metric is a query error, exit 3', async () => {
    const { r, metric } = await analyze('healthy', [], { ROLLOUT_PROMETHEUS_URL: 'http://127.0.0.1:9' });
    expect(r.code).toBe(3);
    expect(metric('error_rate')?.inconclusive).toBe('query-error');
  });

  it('no Prometheus URL at all: exit 3 with the variable to set', async () => {
    const r = await runCli(['analyze'], { cwd: dir });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('ROLLOUT_PROMETHEUS_URL');
  });

  it('a recorded run replays offline to the identical verdict', async () => {
    const file = path.join(dir, 'spike.recording.json');
    const live = await analyze('errorSpike', ['--record', file]);
    expect(JSON.parse(await readFile(file, 'utf8'))).toHaveProperty('entries');
    const replay = await runCli(['analyze', '--json', '--replay', file], { cwd: dir });
    const replayed = replay.json<{ result: { verdict: string; metrics: unknown[] } }>();
    expect(replay.code).toBe(live.r.code);
    expect(replayed.result.verdict).toBe(live.doc.result.verdict);
    expect(replayed.result.metrics).toEqual(live.doc.result.metrics);
  });
});
