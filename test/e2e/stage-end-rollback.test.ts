import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canarySeries, healthyArm } from '../helpers/canary-series.js';
import { startPrometheus, type PrometheusInstance } from '../helpers/prometheus.js';
import { newVariantUsers, projectAtFirstStage, startHealthServer, statusOf } from '../helpers/safety-project.js';

/**
 * D-1: a canary breach at the end of a stage rolls back when the metric says `onFail: rollback`, and
 * holds (exit 1, nothing changed) when it says `hold` or nothing. Real Prometheus, real flag files,
 * real CLI; the canary arm's error rate is six times the baseline's.
 */
let prom: PrometheusInstance;
let health: Awaited<ReturnType<typeof startHealthServer>>;

beforeAll(async () => {
  health = await startHealthServer();
  const end = Math.floor(Date.now() / 1000) + 3600;
  prom = await startPrometheus({
    series: canarySeries({
      end,
      minutes: 150,
      arms: { 'reserves_v1.1': healthyArm({ errorRate: 0.03 }), 'reserves_v1.0': healthyArm() },
    }),
  });
}, 180_000);

afterAll(async () => {
  await Promise.all([prom?.stop(), health?.close()]);
});

const withOnFail = (onFail: string) => (plan: string) =>
  plan.replace('    - id: error_rate\n', `    - id: error_rate\n      onFail: ${onFail}\n`);

describe('stage-end canary failure', () => {
  it('onFail: rollback rolls the release back (exit 4): kill switch for everyone, internal users included; retry re-opens the stage', async () => {
    // A detached checkout (HEAD names the commit, as git writes it): advance and retry record it.
    const p = await projectAtFirstStage(health.url, {
      planEdit: withOnFail('rollback'),
      beforeWalk: async (dir) => {
        await mkdir(path.join(dir, '.git'));
        await writeFile(path.join(dir, '.git', 'HEAD'), `${'c0ffee'.repeat(6)}c0ff\n`);
      },
    });
    const env = { ROLLOUT_PROMETHEUS_URL: prom.url };
    const dry = await p.cli(['advance', '--dry-run'], env);
    expect(dry.code, dry.stdout + dry.stderr).toBe(1);
    expect(dry.stdout).toContain('would roll the release back; nothing was changed');
    expect((await statusOf(p)).status).toBe('in-progress');

    const r = await p.cli(['advance'], env);
    expect(r.code, r.stdout + r.stderr).toBe(4);
    expect(r.stdout).toMatch(/canary error_rate: fail/);
    expect(r.stdout).toContain('ROLLED BACK (immediate): stage-end canary failed on error_rate (onFail: rollback)');
    const s = await statusOf(p);
    expect(s.status).toBe('rolled-back');
    expect(s.flags['reserves_v1.1']?.killSwitch).toBe(true);
    expect(await newVariantUsers(p.dir)).toBe(0);
    const log = await p.cli(['log', '--json']);
    const rollback = log
      .json<{ result: { entries: Array<{ op: string; reason?: string; data?: { trigger?: string } }> } }>()
      .result.entries.find((e) => e.op === 'rollback');
    expect(rollback?.data?.trigger).toBe('stage-end:error_rate');
    expect(rollback?.reason).toBe('stage-end canary of s1 failed on error_rate (onFail: rollback)');

    const again = await p.cli(['advance'], env);
    expect(again.code).toBe(4);
    const retry = await p.cli(['retry', '--reason', 'error handling fixed'], env);
    expect(retry.code, retry.stdout + retry.stderr).toBe(0);
    expect((await statusOf(p)).stage?.id).toBe('s1');

    // Re-opened with the same plan and the same commit: the report judges that rollback false (alert noise 1/1).
    const report = await p.cli(['report', '--json'], env);
    expect(report.code, report.stderr).toBe(0);
    const noise = report.json<{ result: { report: { alertNoise: Record<string, unknown> } } }>().result.report
      .alertNoise;
    expect(noise).toMatchObject({ rollbacks: 1, alerts: 0, total: 1, falseWithoutFix: 1, falseByLevel: 0, rate: 1 });
  }, 300_000);

  it('onFail: hold (and no onFail at all) holds the stage: exit 1, state and flag file unchanged', async () => {
    for (const edit of [withOnFail('hold'), (plan: string) => plan]) {
      const p = await projectAtFirstStage(health.url, { planEdit: edit });
      const before = await statusOf(p);
      const flags = await readFile(path.join(p.dir, 'flags/flags.json'), 'utf8');
      const r = await p.cli(['advance'], { ROLLOUT_PROMETHEUS_URL: prom.url });
      expect(r.code, r.stdout + r.stderr).toBe(1);
      expect(r.stdout).toContain('not advanced: the evidence says no; nothing was changed');
      const after = await statusOf(p);
      expect({ status: after.status, stage: after.stage?.id, serial: after.serial }).toEqual({
        status: 'in-progress',
        stage: 's1',
        serial: before.serial,
      });
      expect(await readFile(path.join(p.dir, 'flags/flags.json'), 'utf8')).toBe(flags);
    }
  }, 300_000);
});
