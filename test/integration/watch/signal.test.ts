import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { systemClock } from '../../../src/lifecycle/clock.js';
import { createStateStore } from '../../../src/state/factory.js';
import type { WatchProgress } from '../../../src/watch/types.js';
import { canarySeries, healthyArm } from '../../helpers/canary-series.js';
import { REPO_ROOT, runCli } from '../../helpers/cli.js';
import { startPrometheus, type PrometheusInstance } from '../../helpers/prometheus.js';
import { projectAtStage, startHealthServer } from './setup.js';

/**
 * The real `bin/rollout watch` process on the wall clock: SIGTERM finishes the current look,
 * persists, exits 0 with a summary; a restart continues the same sequential tests. The metrics
 * endpoint is scraped while it runs.
 */
let prom: PrometheusInstance;
let health: Awaited<ReturnType<typeof startHealthServer>>;
let dir: string;
let env: Record<string, string>;

beforeAll(async () => {
  if (!existsSync(path.join(REPO_ROOT, 'dist/src/main.js')))
    throw new Error('dist/ is missing: run `npm run build` (the test command does)');
  health = await startHealthServer();
  const end = Math.floor(Date.now() / 1000);
  prom = await startPrometheus({
    series: canarySeries({ end, minutes: 90, arms: { 'reserves_v1.0': healthyArm(), 'reserves_v1.1': healthyArm() } }),
  });
  dir = await projectAtStage({ stageStart: new Date(Date.now() - 3_600_000) });
  env = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    NO_COLOR: '1',
    USER: 'tester',
    ROLLOUT_PROMETHEUS_URL: prom.url,
    APP_BASE_URL: health.url,
  };
}, 120_000);
afterAll(async () => {
  await prom?.stop();
  await health?.close();
});

function startWatch(args: string[]) {
  const child = spawn(process.execPath, [path.join(REPO_ROOT, 'bin/rollout'), 'watch', '--json', ...args], {
    cwd: dir,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  void exited.then(() => clearTimeout(killer));
  const waitFor = async (pattern: RegExp): Promise<RegExpExecArray> => {
    for (let i = 0; i < 900; i++) {
      const m = pattern.exec(stderr);
      if (m) return m;
      if (child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`never saw ${pattern} in:\n${stderr}`);
  };
  return { child, exited, waitFor, out: () => stdout, err: () => stderr };
}

const readProgress = async (): Promise<WatchProgress> =>
  JSON.parse(await readFile(path.join(dir, '.rollout', 'watch-v2.1.0.json'), 'utf8')) as WatchProgress;

async function checkFirstRun(first: ReturnType<typeof startWatch>): Promise<void> {
  const url = (await first.waitFor(/watch metrics: (http:\/\/127\.0\.0\.1:\d+\/metrics)/))[1] as string;
  await first.waitFor(/look 3 /);
  const text = await (await fetch(url)).text();
  expect(text).toMatch(/^rollout_stage_percent\{release="v2\.1\.0",flag="reserves_v1\.1"\} 1$/m);
  expect(text).toMatch(/^rollout_trigger_state\{trigger="error-rate"\} 0$/m);
  expect(text).toMatch(/^rollout_trigger_value\{trigger="latency-p95"\} \d+(\.\d+)?$/m);
  expect(Number(/^rollout_watch_evaluations_total (\d+)$/m.exec(text)?.[1])).toBeGreaterThanOrEqual(3);
  expect(text).toMatch(/^rollout_rollbacks_total 0$/m);
  expect(text).toMatch(/^rollout_watch_source_errors_total 0$/m);
  expect((await fetch(url.replace('/metrics', '/other'))).status).toBe(404);

  first.child.kill('SIGTERM');
  expect(await first.exited, first.err()).toBe(0);
  const doc = JSON.parse(first.out()) as {
    exitCode: number;
    result: { stop: string; looks: number; resumed: boolean };
  };
  expect(doc.result).toMatchObject({ stop: 'signal', resumed: false });
  expect(first.err()).toMatch(/SIGTERM received; finishing the current look/);
  const saved = await readProgress();
  expect(saved.looks).toBe(doc.result.looks);
  const seqLooks = saved.triggers['error-rate']?.sequential?.looks ?? 0;
  expect(seqLooks).toBe(saved.looks);
  const samples = saved.triggers['error-rate']?.cumulative?.canary.total ?? 0;
  expect(samples).toBeGreaterThanOrEqual(4000);

  const second = await runCli(['watch', '--json', '--interval', '1s', '--for', '3s'], {
    cwd: dir,
    env,
    timeoutMs: 60_000,
  });
  expect(second.code, second.stderr).toBe(0);
  const again = second.json<{ result: { stop: string; looks: number; totalLooks: number; resumed: boolean } }>().result;
  expect(again).toMatchObject({ stop: 'for-elapsed', resumed: true });
  expect(again.totalLooks).toBe(saved.looks + again.looks);
  const after = await readProgress();
  expect(after.triggers['error-rate']?.sequential?.looks).toBe(seqLooks + again.looks);
  expect(after.triggers['error-rate']?.cumulative?.canary.total ?? 0).toBeGreaterThanOrEqual(samples);
  expect(second.stderr).toMatch(/continuing from look \d+/);
}

describe('rollout watch as a process', () => {
  it('serves its metrics, stops cleanly on SIGTERM, and a restart continues the sequential state', async () => {
    const first = startWatch(['--interval', '1s', '--metrics-port', '0']);
    try {
      await checkFirstRun(first);
    } finally {
      if (first.child.exitCode === null) first.child.kill('SIGKILL');
    }
  });

  it('nothing to watch once the release is rolled back: exit 0 with the reason', async () => {
    const store = createStateStore('file:.rollout', { cwd: dir, clock: systemClock });
    const lock = await store.acquireLock({ actor: 'on-call', operation: 'rollback' });
    const state = await store.read();
    if (!state) throw new Error('no state');
    await store.write(
      {
        ...state,
        status: 'rolled-back',
        rollback: {
          id: 'rb-1',
          mode: 'immediate',
          startedAt: new Date().toISOString(),
          reason: 'manual',
          completedAt: new Date().toISOString(),
        },
      },
      { expectSerial: state.serial, lock },
    );
    await store.releaseLock(lock);
    const r = await runCli(['watch', '--json', '--for', '2s'], { cwd: dir, env });
    expect(r.code).toBe(0);
    expect(r.json<{ result: { watched: boolean; message: string } }>().result).toMatchObject({
      watched: false,
      message: 'nothing to watch: the release was rolled back (manual)',
    });
  });
});
