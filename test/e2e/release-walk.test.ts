import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { FlagdProvider } from '@openfeature/flagd-provider';
import { OpenFeature } from '@openfeature/server-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FlagdDocument } from '../../src/flags/types.js';
import { startAppServer, type AppServer } from '../helpers/app-server.js';
import { healthyArm } from '../helpers/canary-series.js';
import { runCli, type CliRun } from '../helpers/cli.js';
import { junitSchemaErrors } from '../helpers/junit-schema.js';
import {
  buildPlanSeries,
  createPlanProject,
  relaxLatency,
  DAY_MS,
  evaluateCohort,
  FALLBACK_VARIANT,
  FLAG_KEY,
  NEW_VARIANT,
  phaseSignoffs,
  readFlagDocument,
  rolloutStages,
  userKeys,
  variantFor,
  walkChaos,
  type PlanProject,
  type WalkExperiment,
} from '../helpers/plan-fixture.js';
import { getFreePort, startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { startPrometheus, type PrometheusInstance } from '../helpers/prometheus.js';
import { startSlackRecorder, type SlackRecorder } from '../helpers/slack-recorder.js';

/**
 * The acceptance walk: from a fresh state, the repository's plan (quick command gates, everything
 * else real) in a git checkout goes from `preflight` of Phase 0 (whose results the first advance reuses)
 * to 100 % and complete against one real Prometheus, with the release's clock moved forward by
 * ROLLOUT_TIME_OFFSET for the 7-day bakes and the 24 h soak (metrics are still read at the wall clock). At 25 % the canary arm regresses (a second Prometheus, whose canary arm
 * errs six times as often as the baseline): `rollout watch` rolls the release back by itself, and `retry`
 * serves the same cohort again. After every step: the exit code, `status --json`, and the flag file as
 * applications evaluate it — flagd-core on 100,000 keys (share within ±0.5 points, cohorts nested, group
 * members in, nobody after the kill switch), and a freshly started OpenFeature SDK client with the flagd
 * provider reading the file, serving exactly that to a sample of keys and to the group members; every
 * announcement lands in a recording Slack.
 *
 * The walk runs twice: on the default file state (`.rollout/` beside the plan) and on a throwaway
 * PostgreSQL named by `--state postgres://…?release=v2.1.0` on every command. With PostgreSQL the
 * flag files and the notification outbox stay beside the plan by design (docs/team-setup.md); the
 * state, the lease and the audit log must be in the database and nowhere else.
 */
const KEYS = userKeys(100_000);
const MEMBERS = userKeys(300).map((k) => `member-${k}`);
/** The keys a freshly started application (OpenFeature SDK + flagd provider) evaluates at every step. */
const SDK_SAMPLE = KEYS.filter((_, i) => i % 50 === 0);
const SDK_DOMAIN = 'release-walk';
const BAKE_PASSED_MS = 7 * DAY_MS + 3600_000;
const RELEASE = 'v2.1.0';

interface StatusDoc {
  status: string;
  phase: string;
  stage: { id: string } | null;
  flags: Record<string, { percent: number; groups: string[]; killSwitch?: boolean }>;
  serial: number;
  signoffsMissing: string[];
}

/** Where the release's state, lock and audit log live for one run of the walk. */
type Backend = 'file' | 'postgres';

let prom: PrometheusInstance;
let failingProm: PrometheusInstance;

beforeAll(async () => {
  const now = Math.floor(Date.now() / 1000);
  [prom, failingProm] = await Promise.all([
    startPrometheus({ series: buildPlanSeries({ now }) }),
    // The same traffic, except that the canary arm's error rate is six times the baseline's.
    startPrometheus({ series: buildPlanSeries({ now, canary: healthyArm({ errorRate: 0.03 }) }) }),
  ]);
}, 180_000);

afterAll(async () => {
  // Closes the last flagd provider (and its file watcher) so the worker can exit.
  await OpenFeature.close();
  await Promise.all([prom?.stop(), failingProm?.stop()]);
});

describe.each<{ backend: Backend }>([{ backend: 'file' }, { backend: 'postgres' }])(
  'walking the repository plan from Phase 0 to 100 % and complete ($backend state)',
  ({ backend }) => {
    let project: PlanProject;
    let plan: string;
    let slack: SlackRecorder;
    let app: AppServer;
    let pg: TestPostgres | undefined;
    /** `--state …` for the PostgreSQL walk; the file walk uses the default `.rollout/` beside the plan. */
    let stateArgs: string[] = [];
    let chaosRuns: WalkExperiment[] = [];
    let offsetMs = 0;
    let expectedPosts = 0;
    let previousCohort = new Set<string>();
    const stageAdvanceMs: number[] = [];
    const sharesSeen: Array<{ stage: string; percent: number; share: number }> = [];

    beforeAll(async () => {
      [slack, app, project, pg] = await Promise.all([
        startSlackRecorder(),
        startAppServer(),
        // The latency budget of http gates is tested in test/integration/gates; here the walk shares the
        // machine with other suites (the PostgreSQL race spawns 20 processes), so a local reply may be slow.
        createPlanProject({ edit: relaxLatency }),
        backend === 'postgres' ? startPostgres() : Promise.resolve(undefined),
      ]);
      const listen = await Promise.all([getFreePort(), getFreePort(), getFreePort()]);
      const quick = walkChaos(await project.readPlan(), Number(new URL(app.url).port), listen);
      await project.writePlan(quick.plan);
      chaosRuns = quick.experiments;
      plan = await project.readPlan();
      // The plan's directory is a git checkout at a clean commit, as on a CI runner: preflight records its
      // results at that commit and the P0 advance reuses them (rollout's own files are ignored).
      await writeFile(path.join(project.dir, '.gitignore'), '.rollout/\npreflight.xml\n');
      const git = (...args: string[]) =>
        execFileSync('git', ['-c', 'user.email=walk@example.org', '-c', 'user.name=walk', ...args], {
          cwd: project.dir,
          stdio: 'pipe',
        });
      git('init', '-q');
      git('add', '-A');
      git('commit', '-qm', 'release plan');
      if (pg) stateArgs = ['--state', `${pg.url}?release=${RELEASE}`];
    }, 180_000);

    afterAll(async () => {
      await Promise.all([slack?.stop(), app?.stop(), pg?.stop()]);
      await project?.remove();
      const median = [...stageAdvanceMs].sort((a, b) => a - b)[Math.floor(stageAdvanceMs.length / 2)];
      console.log(
        `rollout advance between stages (${backend} state): median ${median?.toFixed(0)} ms over ${stageAdvanceMs.length} runs (${stageAdvanceMs.map((t) => t.toFixed(0)).join(', ')} ms)`,
      );
      console.log(
        `flagd-core shares on ${KEYS.length} keys (${backend} state): ${sharesSeen.map((s) => `${s.stage} ${s.percent} % → ${s.share.toFixed(2)} %`).join('; ')}`,
      );
    });

    function env(extra: Record<string, string> = {}): Record<string, string> {
      return {
        ROLLOUT_PROMETHEUS_URL: prom.url,
        APP_BASE_URL: app.url,
        SLACK_BOT_TOKEN: 'xoxb-test-token-for-the-recorder',
        SLACK_API_URL: slack.url,
        ROLLOUT_ACTOR: 'release-captain',
        ROLLOUT_TIME_OFFSET: String(offsetMs),
        ...extra,
      };
    }

    function rollout(args: string[], extra: Record<string, string> = {}): Promise<CliRun> {
      return runCli([...stateArgs, ...args], { cwd: project.dir, env: env(extra), timeoutMs: 240_000 });
    }

    /** `rollout advance`, timed; the output is attached to any failed exit-code assertion. */
    async function advance(
      args: string[] = [],
      extra: Record<string, string> = {},
    ): Promise<CliRun & { ms: number; output: string }> {
      const t0 = performance.now();
      const r = await rollout(['advance', ...args], extra);
      return { ...r, ms: performance.now() - t0, output: `${r.stdout}\n${r.stderr}` };
    }

    async function status(): Promise<StatusDoc> {
      const r = await rollout(['status', '--json']);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      return r.json<{ result: StatusDoc }>().result;
    }

    async function signAll(items: string[]): Promise<void> {
      for (const item of items) {
        const r = await rollout(['signoff', item, '--reason', `verified ${item} for the release`]);
        expect(r.code, `${item}: ${r.stderr}`).toBe(0);
        expectedPosts += 1;
      }
    }

    /** Every chat.postMessage so far, and the headers of the release announcements among them. */
    async function expectPosts(): Promise<string[]> {
      // Posts are delivered by the CLI's notifier after the command's own work; on a busy machine that can
      // take a while, so this waits for the outcome (a generous bound that only matters when a post is lost).
      await slack.waitForCalls('chat.postMessage', expectedPosts, 120_000);
      // Slack's WebClient retries a request whose answer takes longer than its timeout (5 s), so a post
      // the recorder answered late (this worker busy evaluating 10,000 users with flagd-core) arrives
      // twice with the same body, not always next to the first copy: delivery is at least once. Each
      // message of the walk has a distinct body (stage, step, time), so count each body once.
      const seen = new Set<string>();
      const posts = slack.callsOf('chat.postMessage').filter((p) => {
        const key = JSON.stringify(p.body);
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      });
      expect(posts).toHaveLength(expectedPosts);
      return posts.map((p) => {
        const blocks = p.body.blocks as Array<{ type: string; text?: { text: string } }>;
        return blocks.find((b) => b.type === 'header')?.text?.text ?? '';
      });
    }

    async function expectPosition(
      phase: string,
      stage: string | null,
      percent: number | undefined,
    ): Promise<StatusDoc> {
      const s = await status();
      expect({ phase: s.phase, stage: s.stage?.id ?? null, percent: s.flags[FLAG_KEY]?.percent }).toEqual({
        phase,
        stage,
        percent,
      });
      return s;
    }

    /**
     * What a freshly started application serves to each of `keys`: the OpenFeature server SDK with the flagd
     * provider in-process, reading the flag file `rollout` wrote (a new provider per call, so no file-watch
     * delay), with `groups` under the flag's group attribute.
     */
    async function sdkServes(keys: string[], groups?: string[]): Promise<string[]> {
      const doc = (await readFlagDocument(project)) as FlagdDocument;
      const attribute = doc.flags[FLAG_KEY]?.metadata?.['rollout.group_attribute'];
      const groupAttribute = typeof attribute === 'string' ? attribute : 'groups';
      await OpenFeature.setProviderAndWait(
        SDK_DOMAIN,
        new FlagdProvider({ resolverType: 'in-process', offlineFlagSourcePath: project.flagFile }),
      );
      const client = OpenFeature.getClient(SDK_DOMAIN);
      const served: string[] = [];
      for (const targetingKey of keys) {
        const context = groups ? { targetingKey, [groupAttribute]: groups } : { targetingKey };
        served.push(await client.getStringValue(FLAG_KEY, 'code-default', context));
      }
      return served;
    }

    /** The SDK serves the new variant to exactly `cohort` among the sample, and to every member of `groups`. */
    async function expectSdkServes(cohort: Set<string>, groups: string[], when: string): Promise<void> {
      const served = await sdkServes(SDK_SAMPLE);
      const wrong = SDK_SAMPLE.filter((k, i) => served[i] !== (cohort.has(k) ? NEW_VARIANT : FALLBACK_VARIANT));
      expect(wrong, `keys the SDK serves differently from flagd-core at ${when}`).toEqual([]);
      for (const group of groups)
        expect(
          (await sdkServes(MEMBERS, [group])).every((v) => v === NEW_VARIANT),
          `the SDK serves ${NEW_VARIANT} to every member of ${group} at ${when}`,
        ).toBe(true);
    }

    /**
     * The flag file as applications see it, on 100,000 keys evaluated by flagd-core (the evaluator the flagd
     * provider runs in-process): the share of new-variant users within ±0.5 points of the stage's percent,
     * every member of the stage's groups on the new variant, and nobody who had the new variant losing it.
     * The OpenFeature SDK reading the file serves the same to a sample of 2,000 keys and to the members.
     */
    async function expectFlagFile(stage: string, percent: number, groups: string[]): Promise<FlagdDocument> {
      const doc = await readFlagDocument(project);
      expect(doc, 'flag file written').not.toBeNull();
      const flagDoc = doc as FlagdDocument;
      const cohort = evaluateCohort(flagDoc, KEYS);
      sharesSeen.push({ stage, percent, share: cohort.percent });
      expect(cohort.counts[NEW_VARIANT] ?? 0).toBe(cohort.withNewVariant);
      expect(cohort.withNewVariant + (cohort.counts[FALLBACK_VARIANT] ?? 0)).toBe(KEYS.length);
      expect(Math.abs(cohort.percent - percent), `share ${cohort.percent} % at ${stage}`).toBeLessThanOrEqual(0.5);
      // A group-only stage (0 %) serves nobody outside its groups: not one key.
      if (percent === 0) expect(cohort.withNewVariant, `users outside ${groups.join(', ')} at ${stage}`).toBe(0);
      for (const group of groups) {
        const served = MEMBERS.map((k) => variantFor(flagDoc, k, [group]));
        expect(
          served.every((v) => v === NEW_VARIANT),
          `every member of ${group} gets ${NEW_VARIANT}`,
        ).toBe(true);
      }
      const lost = [...previousCohort].filter((k) => !cohort.cohort.has(k));
      expect(lost, 'users who had the new variant keep it').toEqual([]);
      await expectSdkServes(cohort.cohort, groups, stage);
      previousCohort = cohort.cohort;
      return flagDoc;
    }

    /** The kill switch as applications see it: the fallback for every key and every group member, SDK included. */
    async function expectKilled(groups: string[]): Promise<void> {
      const doc = (await readFlagDocument(project)) as FlagdDocument;
      const cohort = evaluateCohort(doc, KEYS);
      sharesSeen.push({ stage: 'rolled back', percent: 0, share: cohort.percent });
      expect(cohort.withNewVariant, 'keys on the new variant after the rollback').toBe(0);
      for (const group of groups)
        expect(MEMBERS.every((k) => variantFor(doc, k, [group]) === FALLBACK_VARIANT)).toBe(true);
      expect((await sdkServes(SDK_SAMPLE)).every((v) => v === FALLBACK_VARIANT)).toBe(true);
      for (const group of groups)
        expect(
          (await sdkServes(MEMBERS, [group])).every((v) => v === FALLBACK_VARIANT),
          group,
        ).toBe(true);
    }

    /**
     * The canary arm regresses (its error rate six times the baseline's, on the second Prometheus): `rollout
     * watch` sees it on its first look and rolls the release back by itself, everyone gets the fallback; advance
     * refuses until `retry`, which serves the same cohort as before the rollback.
     */
    async function watchRollsBackThenRetry(stage: { id: string; percent: number; groups: string[] }): Promise<void> {
      const before = previousCohort;
      const watch = await rollout(['watch', '--interval', '1s', '--for', '60s', '--json'], {
        ROLLOUT_PROMETHEUS_URL: failingProm.url,
      });
      expect(watch.code, `${watch.stdout}\n${watch.stderr}`).toBe(4);
      expect(
        watch.json<{ result: { stop: string; stage: string; fired?: { id: string }; rollback?: { ok: boolean } } }>()
          .result,
      ).toMatchObject({ stop: 'rollback', stage: stage.id, fired: { id: 'error-rate' }, rollback: { ok: true } });
      // Announced twice: in the release channel, and in the incident channel with the incident key.
      expectedPosts += 2;
      const announced = (await expectPosts()).filter((h) => h === `${RELEASE}: ROLLBACK (immediate) of ${FLAG_KEY}`);
      expect(announced).toHaveLength(2);
      const rolledBack = await status();
      expect(rolledBack).toMatchObject({ status: 'rolled-back', stage: { id: stage.id } });
      expect(rolledBack.flags[FLAG_KEY]?.killSwitch).toBe(true);
      await expectKilled(stage.groups);
      const log = (await rollout(['log', '--json'])).json<{
        result: { entries: Array<{ op: string; reason?: string; data?: { trigger?: string } }> };
      }>().result.entries;
      expect(log.filter((e) => e.op === 'rollback')).toEqual([
        expect.objectContaining({
          reason: expect.stringMatching(/^watch: trigger error-rate fired/),
          data: expect.objectContaining({ trigger: 'error-rate' }),
        }),
      ]);
      const blocked = await advance(['--json']);
      expect(blocked.code, blocked.output).toBe(4);
      expect(blocked.json<{ error: { code: string } }>().error.code).toBe('E_RELEASE_ROLLED_BACK');
      const retry = await rollout(['retry', '--reason', 'error handling fixed; canary healthy again']);
      expect(retry.code, `${retry.stdout}\n${retry.stderr}`).toBe(0);
      await expectPosition('P2', stage.id, stage.percent);
      await expectFlagFile(`${stage.id} after retry`, stage.percent, stage.groups);
      expect(previousCohort.size, 'retry serves the same cohort').toBe(before.size);
    }

    it('P0 → P1 → P2: gates against Prometheus and the app, sign-offs announced', async () => {
      const fresh = await status();
      expect(fresh).toMatchObject({ status: 'not-started', phase: 'P0', stage: null, serial: 0 });
      expect(await readFlagDocument(project)).toBeNull();

      await signAll(phaseSignoffs(plan, 'P0'));
      // CI's preflight of P0: every gate run, recorded in the state, and a JUnit report that validates.
      const pre = await rollout(['preflight', '--phase', 'P0', '--junit', 'preflight.xml', '--json']);
      expect(pre.code, `${pre.stdout}\n${pre.stderr}`).toBe(0);
      expect(pre.json<{ result: { phase: string; verdict: string; recorded: boolean } }>().result).toMatchObject({
        phase: 'P0',
        verdict: 'pass',
        recorded: true,
      });
      const junit = await readFile(path.join(project.dir, 'preflight.xml'), 'utf8');
      expect(junitSchemaErrors(junit)).toEqual([]);
      expect(junit).toMatch(/<testsuite [^>]*failures="0"/);
      const p0 = await advance();
      expect(p0.code, p0.output).toBe(0);
      expect(p0.stdout).toMatch(/\(\d+ reused from preflight: [^)]*engine-invariants/);
      expectedPosts += 1;
      await expectPosition('P1', null, undefined);
      // Before the rollout the flag file exists and serves the fallback to everyone, group members too.
      const before = (await readFlagDocument(project)) as FlagdDocument;
      expect(evaluateCohort(before, KEYS.slice(0, 2000)).withNewVariant).toBe(0);
      expect(variantFor(before, MEMBERS[0] as string, ['internal'])).toBe(FALLBACK_VARIANT);

      await signAll(phaseSignoffs(plan, 'P1'));
      const p1 = await advance();
      expect(p1.code, p1.output).toBe(0);
      expectedPosts += 1;
      await expectPosition('P2', null, undefined);
      expect(app.requests.filter((r) => r.status === 429).length, 'the burst was rate-limited').toBeGreaterThan(0);
      expect(app.requests.some((r) => r.path === '/api/funds' && r.status === 401)).toBe(true);

      const headers = await expectPosts();
      expect(headers.filter((h) => h.includes('phase P0 → P1') || h.includes('phase P1 → P2'))).toHaveLength(2);
      expect(headers.filter((h) => h.includes('sign-off'))).toHaveLength(
        phaseSignoffs(plan, 'P0').length + phaseSignoffs(plan, 'P1').length,
      );
    }, 300_000);

    it('P2 starts the rollout with the internal group only; before the bake ends advance exits 3 and says when it ends', async () => {
      const [first] = rolloutStages(plan);
      await signAll(phaseSignoffs(plan, 'P2', 'own'));
      const start = await advance();
      expect(start.code, start.output).toBe(0);
      expectedPosts += 1;
      await expectPosition('P2', 'week-1', 0);
      await expectFlagFile('week-1', first?.percent ?? 0, first?.groups ?? []);

      const early = await advance();
      expect(early.code, early.output).toBe(3);
      expect(early.stdout).toMatch(/bake time of week-1 ends in (7d|6d 23h)/);
      expect(early.stdout).toMatch(/\(\d{4}-\d\d-\d\dT[\d:.]+Z\)/);
      expect(early.stdout).toContain('nothing was changed');
      await expectPosition('P2', 'week-1', 0);
    }, 300_000);

    it('after the bake: --dry-run shows the flag diff and changes nothing; a failing canary on a rollback metric says it would roll back, exit 1, nothing changed', async () => {
      offsetMs += BAKE_PASSED_MS;
      const serial = (await status()).serial;
      const flagBytes = await readFile(project.flagFile, 'utf8');

      const dry = await advance(['--dry-run']);
      expect(dry.code, dry.output).toBe(0);
      expect(dry.stdout).toMatch(/would advance P2 \/ week-1 \(0 %\) → P2 \/ week-2 \(5 %\)/);
      expect(dry.stdout).toContain('flag diff');
      // week-2 adds a group: read as such, not as the targeting rule's entries shifted by one.
      expect(dry.stdout).toContain('reserves_v1.1: 0 % → 5 %; groups +beta_users');
      expect(dry.stdout).not.toContain('targeting.if[');
      expect(await readFile(project.flagFile, 'utf8')).toBe(flagBytes);
      expect((await status()).serial).toBe(serial);

      // error_rate is `onFail: rollback` in the plan: a real advance would roll back (stage-end-rollback.test.ts); dry, it says so.
      const failing = await advance(['--dry-run'], { ROLLOUT_PROMETHEUS_URL: failingProm.url });
      expect(failing.code, failing.output).toBe(1);
      expect(failing.stdout).toMatch(/canary error_rate: fail/);
      expect(failing.stdout).toContain(
        'stage-end canary failed on error_rate (onFail: rollback): would roll the release back; nothing was changed',
      );
      expect(await readFile(project.flagFile, 'utf8')).toBe(flagBytes);
      const after = await expectPosition('P2', 'week-1', 0);
      expect(after.serial).toBe(serial);
      await expectPosts();
    }, 300_000);

    it('each stage after its 7-day bake and a passing canary, up to 100 %; at 25 % watch rolls a regression back and retry restores the same cohort; an inconclusive canary moves only with --override', async () => {
      const stages = rolloutStages(plan);
      for (let i = 1; i < stages.length; i++) {
        const stage = stages[i] as (typeof stages)[number];
        const from = stages[i - 1] as (typeof stages)[number];
        if (i > 1) offsetMs += BAKE_PASSED_MS;
        let step: Awaited<ReturnType<typeof advance>>;
        if (stage.id === 'week-4') {
          // Prometheus unreachable for this call: no evidence, so no step, until someone overrides.
          const dark = { ROLLOUT_PROMETHEUS_URL: 'http://127.0.0.1:9' };
          const blind = await advance([], dark);
          expect(blind.code, blind.output).toBe(3);
          expect(blind.stdout).toMatch(/canary error_rate: inconclusive/);
          await expectPosition('P2', from.id, from.percent);
          const noReason = await advance(['--override'], dark);
          expect(noReason.code).toBe(2);
          step = await advance(['--override', '--reason', 'metrics outage; dashboards reviewed by hand'], dark);
          expect(step.stdout).toContain('OVERRIDE');
          expectedPosts += 1;
        } else {
          step = await advance();
        }
        expect(step.code, step.output).toBe(0);
        stageAdvanceMs.push(step.ms);
        expectedPosts += 1;
        await expectPosition('P2', stage.id, stage.percent);
        await expectFlagFile(stage.id, stage.percent, stage.groups);
        if (stage.id === 'week-3') await watchRollsBackThenRetry(stage);
      }
      const headers = await expectPosts();
      const stageHeaders = headers.filter((h) => h.includes('stage '));
      expect(stageHeaders.map((h) => /stage (\d+)% → (\d+)%/.exec(h)?.slice(1).join('→'))).toEqual([
        '0→0',
        '0→5',
        '5→25',
        '25→50',
        '50→100',
      ]);
      const percentFields = slack
        .callsOf('chat.postMessage')
        .flatMap((p) => JSON.stringify(p.body.blocks).match(/\*Percent\*\\n\d+% → \d+%( \(internal only\))?/g) ?? []);
      expect(percentFields).toEqual(
        ['0% → 0% (internal only)', '0% → 5%', '5% → 25%', '25% → 50%', '50% → 100%'].map((p) => `*Percent*\\n${p}`),
      );
      expect(headers.filter((h) => h.includes('evidence overridden by release-captain'))).toHaveLength(1);
      const override = slack
        .callsOf('chat.postMessage')
        .find((p) => JSON.stringify(p.body.blocks).includes('overridden'));
      expect(JSON.stringify(override?.body.blocks)).toContain('metrics outage; dashboards reviewed by hand');

      const log = await rollout(['log', '--json', '--limit', '1000']);
      const entries = log.json<{
        result: { entries: Array<{ op: string; reason?: string; data?: { to?: { stage?: string } } }> };
      }>().result.entries;
      const overrides = entries.filter((e) => e.op === 'override');
      expect(overrides).toHaveLength(1);
      expect(overrides[0]).toMatchObject({
        reason: 'metrics outage; dashboards reviewed by hand',
        data: { to: { stage: 'week-4' } },
      });
    }, 300_000);

    it('P2 finishes after its completion sign-offs; P3, then P4 after the 24 h soak; the release completes', async () => {
      const waiting = await advance();
      expect(waiting.code, waiting.output).toBe(3);
      expect(waiting.stdout).toMatch(/sign-offs missing: .*phase-tasks-done/);
      await signAll(phaseSignoffs(plan, 'P2', 'completion'));
      const p2 = await advance();
      expect(p2.code, p2.output).toBe(0);
      expectedPosts += 1;
      await expectPosition('P3', null, 100);
      await expectFlagFile('P3', 100, ['internal', 'beta_users']);

      await signAll(phaseSignoffs(plan, 'P3'));
      // X-1 is evidence now: no recorded chaos run, no phase change
      const blocked = await advance();
      expect(blocked.code, blocked.output).toBe(1);
      expect(blocked.stdout).toMatch(
        /chaos-passed: fail — db-connection-drop: never run here; redis-unavailable: never run here/,
      );
      for (const x of chaosRuns) {
        const run = await rollout(['chaos', 'run', x.id], { CHAOS_APP_URL: x.url });
        expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
        expect(run.stdout).toContain('PASS');
      }
      const p3 = await advance();
      expect(p3.code, p3.output).toBe(0);
      expectedPosts += 1;
      await expectPosition('P4', null, 100);

      await signAll(phaseSignoffs(plan, 'P4'));
      const soaking = await advance();
      expect(soaking.code, soaking.output).toBe(3);
      expect(soaking.stdout).toMatch(/soak-24h: inconclusive — soaking/);
      offsetMs += 25 * 3600_000;
      const done = await advance();
      expect(done.code, done.output).toBe(0);
      expectedPosts += 1;
      const final = await status();
      expect(final).toMatchObject({ status: 'completed', stage: null });
      expect(final.flags[FLAG_KEY]?.percent).toBe(100);
      await expectFlagFile('complete', 100, ['internal', 'beta_users']);

      const again = await advance();
      expect(again.code).toBe(0);
      expect(again.stdout).toContain('the release is complete');

      const headers = await expectPosts();
      expect(headers.filter((h) => / phase /.test(h))).toEqual([
        'v2.1.0: phase P0 → P1',
        'v2.1.0: phase P1 → P2',
        'v2.1.0: phase P2 → P3',
        'v2.1.0: phase P3 → P4',
        'v2.1.0: phase P4 → complete',
      ]);
      const signoffCount = ['P0', 'P1', 'P2', 'P3', 'P4'].reduce((n, p) => n + phaseSignoffs(plan, p).length, 0);
      expect(headers.filter((h) => h.includes('sign-off'))).toHaveLength(signoffCount);

      const verify = await rollout(['log', '--verify']);
      expect(verify.code, verify.stdout).toBe(0);
      expect(verify.stdout).toMatch(/audit log verifies/);
    }, 300_000);

    it('rollout report on the walked release: the twelve success metrics with their values; a dead Prometheus is unknown, not an error', async () => {
      type Metric = { id: string; status: string; value: number | null; why?: string };
      const read = async (extra: Record<string, string> = {}) => {
        const r = await rollout(['report', '--json', '--no-checkpoint'], extra);
        expect(r.code, r.stderr).toBe(0);
        const doc = r.json<{ result: { report: { successMetrics: Metric[]; alertNoise: { total: number } } } }>();
        return Object.fromEntries(doc.result.report.successMetrics.map((m) => [m.id, m]));
      };
      const m = await read();
      expect(Object.keys(m)).toHaveLength(12);
      // Six stage deployments (week-3 twice), the first week-3 rolled back by watch; two runs (the first and
      // the retry), one of them ending in the rollback, which completed.
      expect(m['deployment-success-rate']).toMatchObject({
        status: 'not-met',
        value: 5 / 6,
        why: '1 of 6 stage deployments rolled back',
      });
      expect(m['rollback-rate']).toMatchObject({ status: 'not-met', value: 0.5, why: '2 run(s), 1 rollback(s)' });
      expect(m['mean-time-to-recovery']).toMatchObject({ status: 'met', why: 'mean over 1 rollback(s)' });
      // Gates of phases the release left passed; sign-offs of P4 were recorded.
      expect(m['performance-regression']?.status).toBe('met');
      expect(m['model-accuracy']?.status).toBe('met');
      for (const id of ['user-satisfaction', 'incident-count', 'documentation-coverage', 'team-confidence'])
        expect(m[id], id).toMatchObject({ status: 'met' });
      // The canary's completion rate at the last stage-end evaluation (the plan data serves ~97 %).
      expect(m['wizard-completion-rate']?.status).toBe('met');
      expect(m['wizard-completion-rate']?.value).toBeGreaterThanOrEqual(0.95);
      // No alert; one automatic rollback (watch's), and retry re-opened the stage at the same commit with the same
      // plan: the report judges that rollback false (nothing was fixed), so the noise is 1 of 1.
      expect(m['alert-noise']).toMatchObject({
        status: 'not-met',
        value: 1,
        why: '1 false of 1 (0 alert(s), 1 automatic rollback(s); 0 A/A-level, 1 moved on without a fix)',
      });
      // The plan's Prometheus data has no support tickets: unknown with the reason, never met.
      expect(m['support-ticket-volume']).toMatchObject({ status: 'unknown', why: expect.stringContaining('no data') });

      const dead = await read({ ROLLOUT_PROMETHEUS_URL: 'http://127.0.0.1:9' });
      expect(dead['support-ticket-volume']).toMatchObject({
        status: 'unknown',
        why: expect.stringContaining('unreachable'),
      });
      const md = await rollout(['report', '--no-checkpoint'], { ROLLOUT_PROMETHEUS_URL: 'http://127.0.0.1:9' });
      expect(md.code, md.stderr).toBe(0);
      expect(md.stdout).toContain('## Success metrics');
      expect(md.stdout).toContain('8 met, 3 not met, 1 unknown of 12.');
      expect(md.stdout).toMatch(
        /\| operational \| Alert noise \| <5% false positive rate \(< 0\.05\) \| .* \| NOT MET \|/,
      );
    }, 120_000);

    it('the state, the lock and the audit log are where --state put them, and nowhere else', async () => {
      const final = await status();
      const log = await rollout(['log', '--json', '--limit', '1000']);
      expect(log.code, log.stderr).toBe(0);
      const entries = log.json<{ result: { entries: Array<{ op: string; hash: string }> } }>().result.entries;
      expect(entries.length).toBeGreaterThan(20);
      const local = path.join(project.dir, '.rollout');
      if (backend === 'file') {
        const stored = JSON.parse(await readFile(path.join(local, 'state.json'), 'utf8')) as {
          serial: number;
          status: string;
        };
        expect(stored).toMatchObject({ serial: final.serial, status: 'completed' });
        const lines = (await readFile(path.join(local, 'audit.jsonl'), 'utf8')).trim().split('\n');
        expect(lines.map((l) => (JSON.parse(l) as { hash: string }).hash)).toEqual(entries.map((e) => e.hash));
        return;
      }
      const db = pg as TestPostgres;
      // Outbox and incident ledger may live in .rollout/ beside the plan; the release itself may not.
      for (const name of ['state.json', 'audit.jsonl', 'lock.json'])
        expect(existsSync(path.join(local, name)), `${name} beside the plan`).toBe(false);
      const states = await db.sql<{ release_key: string; serial: string; status: string }>(
        "SELECT release_key, serial, doc->>'status' AS status FROM rollout_state",
        [],
        db.database,
      );
      expect(states.map((r) => ({ ...r, serial: Number(r.serial) }))).toEqual([
        { release_key: RELEASE, serial: final.serial, status: 'completed' },
      ]);
      const audit = await db.sql<{ release_key: string; seq: string; hash: string }>(
        "SELECT release_key, seq, entry->>'hash' AS hash FROM rollout_audit ORDER BY id",
        [],
        db.database,
      );
      expect(audit.every((r) => r.release_key === RELEASE)).toBe(true);
      expect(audit.map((r) => r.hash)).toEqual(entries.map((e) => e.hash));
      const locks = await db.sql<{ release_key: string; token: string | null; fencing: string }>(
        'SELECT release_key, token, fencing FROM rollout_lock',
        [],
        db.database,
      );
      expect(locks).toHaveLength(1);
      expect(locks[0]).toMatchObject({ release_key: RELEASE, token: null });
      // Each sign-off and each step was its own process taking the lease: the fencing number counts them all.
      const transitions = entries.filter((e) => ['signoff', 'advance', 'override'].includes(e.op)).length;
      expect(Number(locks[0]?.fencing)).toBeGreaterThanOrEqual(transitions);
    }, 60_000);
  },
);
