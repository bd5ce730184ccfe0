import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliRun } from '../helpers/cli.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { startSlowProxy, type SlowProxy } from '../helpers/slow-proxy.js';
import { canarySeries, healthyArm } from '../helpers/canary-series.js';
import { junitSchemaErrors } from '../helpers/junit-schema.js';
import { MINI_CANARY } from '../helpers/mini-plan.js';
import { startPrometheus, type PrometheusInstance } from '../helpers/prometheus.js';
import { sdkCohort, startUnleash, type TestUnleash } from '../helpers/unleash.js';

/** The faults below move stages with an audited override: the canary is judged in the walk, not there. */
const OVERRIDE = ['--override', '--reason', 'canary judged elsewhere in this drill'];

/**
 * A release on the unleash provider, end to end: the built CLI against a real unleash-server 6.x (one per
 * file, on the suite's PostgreSQL), what applications get checked with the official `unleash-client` SDK
 * after every step. The walk (preflight → stages judged by the canary on a real Prometheus → a regression
 * that `watch` rolls back by itself → retry → complete) runs on both state backends against the same server
 * and the same two Prometheus instances (one healthy, one whose canary arm errs six times as often as the
 * baseline); the faults (down, 401, 5xx, no answer, a hand edit) go through the slow proxy in front of the
 * same server, on the file state: advance and rollback against each, then `watch` finishing the rollback that
 * could not reach Unleash, and `retry` refusing a down server and a hand-edited toggle.
 */
const KEYS = Array.from({ length: 100_000 }, (_, i) => `user-${i}`);
const MEMBERS = Array.from({ length: 200 }, (_, i) => `staff-${i}`);
const STAGES = [1, 5, 25, 50, 100];

let pg: TestPostgres;
let server: TestUnleash;
let healthy: PrometheusInstance;
let regressed: PrometheusInstance;
beforeAll(async () => {
  // Traffic from an hour ago to half an hour ahead, queried at the wall clock: the canary's 30m window and the
  // watch trigger's 10m window are full whenever the walk runs. Only the error-rate series the plan reads.
  const end = Math.floor(Date.now() / 1000) + 1800;
  const arm = (errorRate: number) =>
    healthyArm({ errorRate, latencySeconds: undefined, wizardStartsPerMinute: 0, fundSetupsPerMinute: 0 });
  const series = (canaryErrorRate: number) =>
    canarySeries({ end, minutes: 90, arms: { 'reserves_v1.1': arm(canaryErrorRate), 'reserves_v1.0': arm(0.005) } });
  [healthy, regressed] = await Promise.all([
    startPrometheus({ series: series(0.005) }),
    startPrometheus({ series: series(0.03) }),
    startPostgres().then(async (db) => {
      pg = db;
      server = await startUnleash(db);
    }),
  ]);
}, 180_000);
afterAll(async () => {
  await Promise.all([server?.stop(), healthy?.stop(), regressed?.stop()]);
  await pg?.stop();
});

/** Request timeout: short for the faults (a hanging server costs two of them), the default for the walks. */
function plan(key: string, timeout = '5s'): string {
  return `version: 1
release: v9.9.9
flags:
  - key: ${key}
    variants: { new: reserves_v1.1, fallback: reserves_v1.0 }
    provider: unleash
    unleash: { project: default, environment: development, timeout: ${timeout} }
phases:
  - id: P0
    title: Pre-flight
    gates:
      - { id: quick, kind: command, run: [node, -e, "0"], env: [PATH] }
  - id: P1
    title: Rollout
    completion: none
    rollout:
      flag: ${key}
      stages:
${STAGES.map((p) => `        - { id: s${p}, percent: ${p}, groups: [internal] }`).join('\n')}
${MINI_CANARY}triggers:
  - { id: error-rate, metric: error_rate, above: baseline * 1.5, window: 10m }
rollback:
  defaultMode: immediate
`;
}

async function project(text: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'rollout-unleash-'));
  await writeFile(path.join(dir, 'rollout.yaml'), text);
  return dir;
}

/** What a freshly started application gets: one SDK fetch of the toggles, evaluated for every key. */
const cohortOf = (key: string, keys: string[], groups?: string) => sdkCohort(server, key, keys, groups);

/** The toggle's environment as the admin API returns it (to prove what a failed command left alone). */
async function toggle(key: string): Promise<unknown> {
  const r = await fetch(`${server.url}/api/admin/projects/default/features/${key}`, {
    headers: { authorization: server.adminToken },
  });
  if (r.status === 404) return null;
  const feature = (await r.json()) as {
    environments: Array<{ name: string; enabled: boolean; strategies: unknown[] }>;
  };
  const env = feature.environments.find((e) => e.name === 'development');
  return { enabled: env?.enabled, strategies: env?.strategies };
}

function cli(dir: string, args: string[], env: Record<string, string> = {}, stateArgs: string[] = []): Promise<CliRun> {
  return runCli([...stateArgs, ...args], {
    cwd: dir,
    env: { UNLEASH_URL: server.url, UNLEASH_ADMIN_TOKEN: server.adminToken, ROLLOUT_ACTOR: 'captain', ...env },
    timeoutMs: 60_000,
  });
}

const out = (r: CliRun) => `${r.stdout}\n${r.stderr}`;

describe('validate: the unleash provider takes whole percentages and needs its block', () => {
  it('a 0.5 % stage on an Unleash flag is an error at its file:line:col; a missing flags[].unleash is one too', async () => {
    const dir = await project(plan('reserves_validate').replace('percent: 1,', 'percent: 0.5,'));
    const r = await cli(dir, ['validate']);
    expect(r.code, out(r)).toBe(2);
    expect(out(r)).toMatch(/rollout\.yaml:19:\d+: .*0\.5 % cannot be served by the unleash provider/);
    await writeFile(path.join(dir, 'rollout.yaml'), plan('reserves_validate').replace(/ {4}unleash: .*\n/, ''));
    const missing = await cli(dir, ['validate']);
    expect(missing.code).toBe(2);
    expect(out(missing)).toMatch(/rollout\.yaml:6:\d+: .*no flags\[\]\.unleash block/);
    await rm(dir, { recursive: true, force: true });
  });
});

describe.each<{ backend: 'file' | 'postgres' }>([{ backend: 'file' }, { backend: 'postgres' }])(
  'a release on Unleash ($backend state)',
  ({ backend }) => {
    const key = `reserves_${backend}`;
    let dir: string;
    let stateArgs: string[] = [];
    beforeAll(async () => {
      dir = await project(plan(key));
      if (backend === 'postgres') stateArgs = ['--state', `${pg.url}?release=v9.9.9`];
    });
    afterAll(() => rm(dir, { recursive: true, force: true }));
    const rollout = (args: string[], env: Record<string, string> = {}) => cli(dir, args, env, stateArgs);
    /** One step between stages, judged by the stage-end canary on the healthy Prometheus (bake 0s). */
    async function judgedStep(): Promise<void> {
      const step = await rollout(['advance', '--json'], { ROLLOUT_PROMETHEUS_URL: healthy.url });
      expect(step.code, out(step)).toBe(0);
      const result = step.json<{ result: { override: boolean; evidence: { canary?: { verdict: string } } } }>().result;
      expect(result.override).toBe(false);
      expect(result.evidence.canary?.verdict, out(step)).toBe('pass');
    }

    it('preflight → stages 1 → 100 % judged by the canary on real Prometheus data, the SDK share within ±0.5 points on 100,000 keys, cohorts nested, group members in; watch rolls back a regression → 0; retry → the same cohort; complete', async () => {
      const pre = await rollout(['preflight', '--phase', 'P0', '--junit', 'preflight.xml', '--json']);
      expect(pre.code, out(pre)).toBe(0);
      expect(pre.json<{ result: { phase: string; verdict: string; recorded: boolean } }>().result).toMatchObject({
        phase: 'P0',
        verdict: 'pass',
        recorded: true,
      });
      const junit = await readFile(path.join(dir, 'preflight.xml'), 'utf8');
      expect(junitSchemaErrors(junit)).toEqual([]);
      expect(junit).toMatch(/<testsuite [^>]*tests="1" [^>]*failures="0"/);
      const p0 = await rollout(['advance']);
      expect(p0.code, out(p0)).toBe(0);
      let previous = new Set<string>();
      const cohorts = new Map<number, Set<string>>();
      for (const percent of STAGES) {
        // The first stage starts the rollout (gates, no canary yet); every later one is judged.
        if (percent === STAGES[0]) {
          const start = await rollout(['advance']);
          expect(start.code, out(start)).toBe(0);
        } else await judgedStep();
        const cohort = await cohortOf(key, KEYS);
        expect(Math.abs((cohort.size / KEYS.length) * 100 - percent), `share at ${percent} %`).toBeLessThanOrEqual(0.5);
        expect(
          [...previous].filter((k) => !cohort.has(k)),
          `nobody dropped at ${percent} %`,
        ).toEqual([]);
        expect((await cohortOf(key, MEMBERS, 'internal')).size).toBe(MEMBERS.length);
        cohorts.set(percent, cohort);
        previous = cohort;
        if (percent === 5) {
          // The state records the toggle's digest; status reads the toggle and finds what the release wrote.
          const result = (await rollout(['status', '--json'])).json<{
            result: {
              flags: Record<string, { percent: number; sha256?: string }>;
              flagFiles: Array<{ matches: boolean }>;
            };
          }>().result;
          expect(result.flags[key]?.percent).toBe(percent);
          expect(result.flags[key]?.sha256).toMatch(/^[0-9a-f]{64}$/);
          expect(result.flagFiles).toEqual([
            expect.objectContaining({ file: `unleash:default/development/${key}`, matches: true }),
          ]);
        }
        if (percent === 25 && backend === 'postgres') {
          // flags eval explains the variant as the SDK computes it (from the server: the state backend plays no
          // part, so once).
          const user = [...cohort][0] as string;
          const outsider = KEYS.find((k) => !cohort.has(k)) as string;
          const inside = (await rollout(['flags', 'eval', key, '--key', user, '--json'])).json<{
            result: { variant: string };
          }>();
          const outside = (await rollout(['flags', 'eval', key, '--key', outsider, '--json'])).json<{
            result: { variant: string };
          }>();
          expect([inside.result.variant, outside.result.variant]).toEqual(['reserves_v1.1', 'reserves_v1.0']);
        }
        if (percent === 50) {
          // The canary arm's error rate regresses (six times the baseline's): watch sees it on its first look
          // and turns the toggle off by itself.
          const watch = await rollout(['watch', '--interval', '1s', '--for', '30s', '--json'], {
            ROLLOUT_PROMETHEUS_URL: regressed.url,
          });
          expect(watch.code, out(watch)).toBe(4);
          expect(
            watch.json<{
              result: { stop: string; stage: string; fired?: { id: string }; rollback?: { ok: boolean } };
            }>().result,
          ).toMatchObject({ stop: 'rollback', stage: 's50', fired: { id: 'error-rate' }, rollback: { ok: true } });
          expect(await toggle(key)).toMatchObject({
            enabled: false,
            strategies: [expect.anything(), expect.anything()],
          });
          expect((await cohortOf(key, KEYS)).size).toBe(0);
          expect((await cohortOf(key, MEMBERS, 'internal')).size).toBe(0);
          const log = (await rollout(['log', '--json'])).json<{
            result: { entries: Array<{ op: string; reason?: string; data?: { trigger?: string } }> };
          }>().result.entries;
          expect(log.find((e) => e.op === 'rollback')).toMatchObject({
            reason: expect.stringMatching(/^watch: trigger error-rate fired/),
            data: { trigger: 'error-rate' },
          });
          // The state says rolled back: advance refuses until retry.
          const blocked = await rollout(['advance', '--json']);
          expect(blocked.code, out(blocked)).toBe(4);
          expect(blocked.json<{ error: { code: string } }>().error.code).toBe('E_RELEASE_ROLLED_BACK');
          const retry = await rollout(['retry']);
          expect(retry.code, out(retry)).toBe(0);
          const back = await cohortOf(key, KEYS);
          expect(back.size).toBe(cohort.size);
          expect([...cohort].filter((k) => !back.has(k))).toEqual([]);
          expect((await cohortOf(key, MEMBERS, 'internal')).size).toBe(MEMBERS.length);
          expect(
            (await rollout(['status', '--json'])).json<{ result: { flagFiles: Array<{ matches: boolean }> } }>().result
              .flagFiles[0]?.matches,
          ).toBe(true);
        }
      }
      const done = await rollout(['advance'], { ROLLOUT_PROMETHEUS_URL: healthy.url });
      expect(done.code, out(done)).toBe(0);
      const final = (await rollout(['status', '--json'])).json<{ result: { status: string } }>().result;
      expect(final.status).toBe('completed');
      expect((await cohortOf(key, KEYS)).size).toBe(KEYS.length);
      expect(cohorts.size).toBe(STAGES.length);
    }, 240_000);
  },
);

describe('faults on the unleash provider (file state)', () => {
  let dir: string;
  let proxy: SlowProxy;
  const key = 'reserves_faults';
  beforeAll(async () => {
    dir = await project(plan(key, '2s'));
    proxy = await startSlowProxy({ target: server.url, delayMs: 0 });
  });
  afterAll(async () => {
    await proxy?.stop();
    await rm(dir, { recursive: true, force: true });
  });
  const viaProxy = { UNLEASH_URL: '' };
  // The file state itself, read directly (cheaper than a status run per case).
  const serialOf = async () =>
    (JSON.parse(await readFile(path.join(dir, '.rollout', 'state.json'), 'utf8')) as { serial: number }).serial;

  it('advance with Unleash down, refusing the token, failing (5xx) or not answering: exit 3, state and toggle unchanged, no secret printed', async () => {
    expect((await cli(dir, ['advance'])).code).toBe(0);
    const first = await cli(dir, ['advance', ...OVERRIDE]);
    expect(first.code, out(first)).toBe(0);
    const serial = await serialOf();
    const before = await toggle(key);
    viaProxy.UNLEASH_URL = proxy.url;
    const cases: Array<[string, Record<string, string>, () => void]> = [
      ['down', { UNLEASH_URL: 'http://127.0.0.1:9' }, () => undefined],
      ['401', { UNLEASH_ADMIN_TOKEN: '*:*.not-the-admin-secret' }, () => undefined],
      ['5xx', viaProxy, () => proxy.set('500', 0)],
      ['slow', viaProxy, () => proxy.set('hang')],
    ];
    for (const [name, env, arrange] of cases) {
      arrange();
      const r = await cli(dir, ['advance', '--json', ...OVERRIDE], env);
      expect(r.code, `${name}: ${out(r)}`).toBe(3);
      expect(r.json<{ error: { code: string } }>().error.code, name).toBe('E_FLAG_PROVIDER');
      expect(out(r)).toContain('advance stopped before changing anything');
      expect(out(r)).not.toContain('not-the-admin-secret');
      expect(out(r)).not.toContain(server.adminToken);
      expect(await serialOf(), name).toBe(serial);
      expect(await toggle(key), name).toEqual(before);
    }
    proxy.set('delay', 0);
  }, 120_000);

  it('a hand edit in Unleash: status shows it, advance exits 1 with the difference and overwrites nothing', async () => {
    const serial = await serialOf();
    const stage = (
      (await toggle(key)) as { strategies: Array<{ id: string; title: string; parameters: Record<string, string> }> }
    ).strategies.find((s) => s.title === 'rollout:stage');
    const edit = await fetch(
      `${server.url}/api/admin/projects/default/features/${key}/environments/development/strategies/${stage?.id}`,
      {
        method: 'PUT',
        headers: { authorization: server.adminToken, 'content-type': 'application/json' },
        body: JSON.stringify({
          name: 'flexibleRollout',
          title: 'rollout:stage',
          parameters: { ...stage?.parameters, rollout: '30' },
        }),
      },
    );
    expect(edit.ok).toBe(true);
    const edited = await toggle(key);
    const status = await cli(dir, ['status']);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(`unleash:default/development/${key}: EDITED outside rollout`);
    expect(status.stdout).toMatch(/rollout:stage: .*"rollout":"1".* → .*"rollout":"30"/);
    const r = await cli(dir, ['advance', '--json', ...OVERRIDE]);
    expect(r.code, out(r)).toBe(1);
    expect(r.json<{ error: { code: string } }>().error.code).toBe('E_FLAG_HAND_EDIT');
    expect(r.json<{ error: { message: string } }>().error.message).toMatch(
      /rollout:stage: .*"rollout":"1".* → .*"rollout":"30".*\(rollout wrote the left side\)/,
    );
    expect(await serialOf()).toBe(serial);
    expect(await toggle(key)).toEqual(edited);
  }, 60_000);

  it('rollback with Unleash down, 401, 5xx or not answering: exit 6 within the bounded time, naming the admin API call and the runbook; watch finishes the unfinished rollback once Unleash answers; retry stops with Unleash down and never re-enables a hand-edited toggle', async () => {
    for (const [name, env, arrange] of [
      ['down', { UNLEASH_URL: 'http://127.0.0.1:9' }, () => undefined],
      ['401', { UNLEASH_ADMIN_TOKEN: '*:*.not-the-admin-secret' }, () => undefined],
      ['5xx', { UNLEASH_URL: proxy.url }, () => proxy.set('500', 0)],
      ['slow', { UNLEASH_URL: proxy.url }, () => proxy.set('hang')],
    ] as Array<[string, Record<string, string>, () => void]>) {
      arrange();
      const r = await cli(dir, ['rollback', '--reason', `drill: ${name}`], env);
      expect(r.code, `${name}: ${out(r)}`).toBe(6);
      expect(out(r)).toContain(
        `POST $UNLEASH_URL/api/admin/projects/default/features/${key}/environments/development/off`,
      );
      expect(out(r)).toContain('rollout runbook show exit-6-rollback-incomplete');
      expect(out(r)).not.toContain('not-the-admin-secret');
      expect(out(r)).not.toContain(server.adminToken);
      expect(((await toggle(key)) as { enabled: boolean }).enabled, name).toBe(true);
    }
    proxy.set('delay', 0);
    // The state records a rollback whose kill switch never went on: advance names the command that finishes it.
    const stuck = await cli(dir, ['advance', '--json', ...OVERRIDE]);
    expect(stuck.code, out(stuck)).toBe(5);
    expect(stuck.json<{ error: { message: string } }>().error.message).toContain(
      'the kill switch is not in place; `rollout rollback` turns it on',
    );
    // Healthy again: watch (no Prometheus needed) finishes it; the switch is read back, even over the hand edit.
    const watch = await cli(dir, ['watch', '--interval', '1s', '--for', '5s', '--json']);
    expect(watch.code, out(watch)).toBe(4);
    expect(watch.json<{ result: { stop: string; looks: number } }>().result).toMatchObject({
      stop: 'rollback',
      looks: 0,
    });
    expect(((await toggle(key)) as { enabled: boolean }).enabled).toBe(false);
    expect((await cohortOf(key, KEYS.slice(0, 5000))).size).toBe(0);
    const again = await cli(dir, ['rollback', '--reason', 'drill: healthy']);
    expect(again.code, out(again)).toBe(0);
    expect(out(again)).toContain('already rolled back');
    // The kill switch kept the hand-edited strategy (30 %): retry refuses to serve it, as advance does.
    const serial = await serialOf();
    const held = await toggle(key);
    const down = await cli(dir, ['retry', '--json'], { UNLEASH_URL: 'http://127.0.0.1:9' });
    expect(down.code, out(down)).toBe(3);
    expect(down.json<{ error: { code: string } }>().error.code).toBe('E_FLAG_PROVIDER');
    const retry = await cli(dir, ['retry', '--json']);
    expect(retry.code, out(retry)).toBe(1);
    expect(retry.json<{ error: { code: string; message: string } }>().error).toMatchObject({
      code: 'E_FLAG_HAND_EDIT',
      message: expect.stringMatching(/rollout:stage: .*"rollout":"1".* → .*"rollout":"30"[\s\S]*retry stopped before/),
    });
    expect(await serialOf()).toBe(serial);
    expect(await toggle(key)).toEqual(held);
  }, 120_000);
});
