import { describe, expect, it } from 'vitest';
import { serveWatchMetrics, WatchMetrics } from '../../../src/watch/metrics-endpoint.js';
import type { TriggerOutcome } from '../../../src/watch/types.js';

const outcome = (id: string, status: TriggerOutcome['status'], value: number | null): TriggerOutcome => ({
  id,
  action: 'rollback',
  kind: 'ratio',
  status,
  detail: '',
  value,
  baseline: null,
  limit: null,
  comparison: 'above',
  consecutiveErrors: 0,
});

describe('watch metrics', () => {
  it('renders every family in the exposition format, escaping label values', () => {
    const m = new WatchMetrics();
    m.setStage('v2.1.0', {
      'reserves_v1.1': { percent: 5, killSwitch: false },
      'we"ird': { percent: 50, killSwitch: true },
    });
    m.observeLook([outcome('error-rate', 'ok', 0.004), outcome('latency-p95', 'error', null)]);
    m.observeLook([outcome('error-rate', 'fired', 0.03), outcome('latency-p95', 'no-data', null)]);
    m.countRollback();
    const text = m.render();
    expect(text).toContain('# TYPE rollout_stage_percent gauge');
    expect(text).toContain('rollout_stage_percent{release="v2.1.0",flag="reserves_v1.1"} 5');
    expect(text).toContain('rollout_stage_percent{release="v2.1.0",flag="we\\"ird"} 0');
    expect(text).toContain('rollout_trigger_state{trigger="error-rate"} 1');
    expect(text).toContain('rollout_trigger_state{trigger="latency-p95"} 2');
    expect(text).toContain('rollout_trigger_value{trigger="error-rate"} 0.03');
    expect(text).toContain('rollout_trigger_value{trigger="latency-p95"} NaN');
    expect(text).toContain('rollout_watch_evaluations_total 2');
    expect(text).toContain('rollout_rollbacks_total 1');
    expect(text).toContain('rollout_watch_source_errors_total 2');
  });

  it('serves /metrics on loopback only, 404 elsewhere', async () => {
    const m = new WatchMetrics();
    const endpoint = await serveWatchMetrics(m, 0);
    try {
      expect(endpoint.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
      const res = await fetch(endpoint.url);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      expect(await res.text()).toContain('rollout_watch_evaluations_total 0');
      expect((await fetch(endpoint.url.replace('/metrics', '/'))).status).toBe(404);
    } finally {
      await endpoint.close();
    }
  });
});
