import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFakeClock } from '../../../src/lifecycle/clock.js';
import { isKillSwitchOn } from '../../../src/lifecycle/flag-sync.js';
import { loadConfig } from '../../../src/config/load.js';
import { runWatchCommand } from '../../../src/commands/watch.js';
import { createStateStore } from '../../../src/state/factory.js';
import { createPrng, sampleBinomial } from '../../../src/stats/index.js';
import { canarySeries, healthyArm, type ArmTraffic } from '../../helpers/canary-series.js';
import { startPrometheus, type PrometheusInstance } from '../../helpers/prometheus.js';
import { projectAtStage, startHealthServer, testCtx } from './setup.js';

/**
 * `rollout watch` in-process against a real Prometheus holding two hours of canary and baseline
 * series (one sample a minute). A fake clock starts at a sample instant inside the data and each
 * look queries Prometheus at the clock's time, so 30 one-minute looks take seconds, not 30 minutes.
 */
const MINUTES = 120;
const END = Math.floor(Date.now() / 60_000) * 60 - 120;
const ORIGIN = END - MINUTES * 60;
/** The watch starts 70 minutes into the data: every trigger window (≤ 30m) is full. */
const WATCH_START = new Date((ORIGIN + 70 * 60) * 1000);
const BASE = 'reserves_v1.0';
const CANARY = 'reserves_v1.1';

/** Per-minute error rates drawn from a binomial, so an A/A pair really differs look to look. */
function noisy(seed: number, n = 400, p = 0.005): (m: number) => number {
  const random = createPrng(seed);
  const draws = Array.from({ length: MINUTES + 2 }, () => sampleBinomial(random, n, p) / n);
  return (m) => draws[m] ?? p;
}

const scenarios: Record<string, Record<string, ArmTraffic>> = {
  // 0.5 % → 3 % ten minutes before the watch starts: the breach is visible at the first look.
  visible: { [BASE]: healthyArm(), [CANARY]: healthyArm({ errorRate: (m) => (m >= 60 ? 0.03 : 0.005) }) },
  // 0.5 % → 3 % five minutes after the watch starts.
  midWatch: { [BASE]: healthyArm(), [CANARY]: healthyArm({ errorRate: (m) => (m >= 75 ? 0.03 : 0.005) }) },
  aa: { [BASE]: healthyArm({ errorRate: noisy(11) }), [CANARY]: healthyArm({ errorRate: noisy(12) }) },
};
const proms: Record<string, PrometheusInstance> = {};
let health: Awaited<ReturnType<typeof startHealthServer>>;

beforeAll(async () => {
  health = await startHealthServer();
  for (const [name, arms] of Object.entries(scenarios))
    proms[name] = await startPrometheus({ series: canarySeries({ end: END, minutes: MINUTES, arms }) });
}, 180_000);
afterAll(async () => {
  await Promise.all(Object.values(proms).map((p) => p.stop()));
  await health?.close();
});

async function watch(promUrl: string, options: Record<string, unknown>, yamlPatch?: (t: string) => string) {
  const dir = await projectAtStage({
    stageStart: new Date(WATCH_START.getTime() - 3_600_000),
    ...(yamlPatch ? { yamlPatch } : {}),
  });
  const lines: string[] = [];
  const clock = createFakeClock(WATCH_START);
  const ctx = testCtx(
    dir,
    { ROLLOUT_PROMETHEUS_URL: promUrl, APP_BASE_URL: health.url, PATH: process.env.PATH ?? '' },
    clock,
    lines,
  );
  const outcome = await runWatchCommand(options, [], ctx);
  const store = createStateStore('file:.rollout', { cwd: dir, clock });
  const loaded = await loadConfig({ file: 'rollout.yaml', cwd: dir });
  return { dir, lines, outcome, result: outcome.result, store, loaded };
}

describe('rollout watch against a real Prometheus', () => {
  it('rolls back on the first look when the regression is visible: exit 4, kill switch, audit entry', async () => {
    const { outcome, result, store, loaded, dir } = await watch(proms.visible?.url ?? '', {
      interval: '1m',
      for: '30m',
    });
    expect(outcome.exitCode).toBe(4);
    expect(result).toMatchObject({
      stop: 'rollback',
      looks: 1,
      fired: { id: 'error-rate', status: 'fired', significant: true },
    });
    expect(result.fired?.value).toBeCloseTo(0.03, 3);
    expect(result.fired?.baseline).toBeCloseTo(0.005, 3);
    expect(result.rollback).toMatchObject({ ok: true, mode: 'immediate' });
    expect(await isKillSwitchOn(loaded.config, dir, 'reserves_v1.1')).toBe(true);
    const audit = await store.readAudit();
    const entry = audit.find((e) => e.op === 'rollback');
    expect(entry?.reason).toMatch(/^watch: trigger error-rate fired/);
    expect(entry?.data).toMatchObject({ trigger: 'error-rate', mode: 'immediate' });
    expect((await store.read())?.status).toBe('rolled-back');
  });

  it('a regression that starts mid-watch rolls back as soon as its own window is significant', async () => {
    const { outcome, result } = await watch(proms.midWatch?.url ?? '', { interval: '1m', for: '60m' });
    expect(outcome.exitCode).toBe(4);
    expect(result.fired?.id).toBe('error-rate');
    // Onset at look 6; the 10m window's point estimate crosses 1.5 × baseline at look 8, but only
    // ~7 minutes of 3 % errors at 400 requests a minute make the window significant at the per-look
    // Bonferroni level (z ≈ 5.3): rollback by look 13–14, whatever clean history came before.
    expect(result.looks).toBeGreaterThanOrEqual(8);
    expect(result.looks).toBeLessThanOrEqual(14);
  });

  it('A/A traffic: 30 looks, no rollback, every trigger evaluated each look', async () => {
    const { outcome, result, store, dir, loaded } = await watch(proms.aa?.url ?? '', { interval: '1m', for: '30m' });
    expect(outcome.exitCode, JSON.stringify(result.triggers, null, 1)).toBe(0);
    expect(result).toMatchObject({ stop: 'for-elapsed', looks: 30, holding: false, sourceErrors: 0 });
    expect(result.triggers.map((t) => [t.id, t.status])).toEqual([
      ['error-rate', 'ok'],
      ['latency-p95', 'ok'],
      ['wizard-completion', 'ok'],
      ['canary-health', 'ok'],
      ['fund-setup', 'ok'],
      ['model-accuracy', 'ok'],
    ]);
    const errorRate = result.triggers[0];
    expect(errorRate?.samples?.canary).toBe(400 * (10 + 29));
    expect(await isKillSwitchOn(loaded.config, dir, 'reserves_v1.1')).toBe(false);
    expect((await store.read())?.evidence['watch']).toMatchObject({ op: 'watch:stop', stop: 'for-elapsed' });
  });

  it('Prometheus down with hold-and-alert: holds from the 5th error, announces watch-error, exit 3', async () => {
    const { outcome, result, lines, store } = await watch('http://127.0.0.1:9', { interval: '1m', for: '8m' });
    expect(outcome.exitCode).toBe(3);
    expect(result).toMatchObject({ stop: 'for-elapsed', holding: true, looks: 8 });
    expect(lines.some((l) => l.includes('[notify]') && l.includes('watch cannot evaluate triggers (5 in a row)'))).toBe(
      true,
    );
    const audit = await store.readAudit();
    expect(audit.filter((e) => e.op === 'watch:hold')).toHaveLength(1);
    expect(audit.some((e) => e.op === 'rollback')).toBe(false);
  });

  it('Prometheus down with onSourceErrors: rollback: rolls back on the 5th error, exit 4', async () => {
    const { outcome, result, dir, loaded } = await watch('http://127.0.0.1:9', { interval: '1m', for: '8m' }, (t) =>
      t.replace('onSourceErrors: hold-and-alert', 'onSourceErrors: rollback'),
    );
    expect(outcome.exitCode).toBe(4);
    expect(result).toMatchObject({ stop: 'rollback', looks: 5 });
    expect(result.rollback?.ok).toBe(true);
    expect(await isKillSwitchOn(loaded.config, dir, 'reserves_v1.1')).toBe(true);
  });

  it('two failed health checks in a row roll back', async () => {
    health.status.code = 503;
    try {
      const { outcome, result } = await watch(proms.aa?.url ?? '', { interval: '1m', for: '10m' });
      expect(outcome.exitCode).toBe(4);
      expect(result).toMatchObject({ looks: 2, fired: { id: 'canary-health', consecutiveFailures: 2 } });
    } finally {
      health.status.code = 200;
    }
  });
});
