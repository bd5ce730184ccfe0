import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FlagdDocument } from '../../src/flags/types.js';
import { startAppServer, type AppServer } from '../helpers/app-server.js';
import { REPO_ROOT, runCli, type CliRun } from '../helpers/cli.js';
import {
  advanceToFirstStage,
  buildPlanSeries,
  cloneProject,
  createPlanProject,
  DAY_MS,
  evaluateCohort,
  FLAG_KEY,
  NEW_VARIANT,
  readFlagDocument,
  userKeys,
  variantFor,
  relaxLatency,
  type PlanProject,
} from '../helpers/plan-fixture.js';
import { startPrometheus, type PrometheusInstance } from '../helpers/prometheus.js';
import { startSlackRecorder } from '../helpers/slack-recorder.js';

/**
 * `rollout advance` killed with SIGKILL between its side effects during a stage advance (week-1 → week-2,
 * after the bake): the release is at the old or the new stage, the flag file serves one of the two,
 * and the next `advance` finishes the same step. One step in total, never two.
 */
const BAKE_PASSED = String(7 * DAY_MS + 3600_000);
const KEYS = userKeys(5000);

/** Where each point leaves the release: `old`/`new` stage in the state and in the flag file; whether the next advance resumes. */
const POINTS = [
  { point: 'advance:after-intent', state: 'old', flags: 'old', resumes: true },
  { point: 'state:after-rename', state: 'old', flags: 'old', resumes: true }, // the first state write is the intent
  { point: 'advance:after-flags', state: 'old', flags: 'new', resumes: true },
  { point: 'advance:after-state', state: 'new', flags: 'new', resumes: false },
  { point: 'audit:after-append', state: 'new', flags: 'new', resumes: false },
] as const;
const STAGE = { old: { id: 'week-1', percent: 0 }, new: { id: 'week-2', percent: 5 } } as const;

interface StatusDoc {
  stage: { id: string } | null;
  flags: Record<string, { percent: number }>;
  lock: { pid: number } | null;
  history: Array<{ action: string; to?: { stage?: string } }>;
}

let prom: PrometheusInstance;
let app: AppServer;
let base: PlanProject;

function run(project: PlanProject, args: string[], extra: Record<string, string> = {}): Promise<CliRun> {
  const env = { ROLLOUT_PROMETHEUS_URL: prom.url, APP_BASE_URL: app.url, ROLLOUT_ACTOR: 'release-captain', ...extra };
  return runCli(args, { cwd: project.dir, env, timeoutMs: 240_000 });
}

async function status(project: PlanProject): Promise<StatusDoc> {
  const r = await run(project, ['status', '--json', '--history', '100']);
  expect(r.code, r.stdout + r.stderr).toBe(0);
  return r.json<{ result: StatusDoc }>().result;
}

async function flagPercent(
  project: PlanProject,
): Promise<{ share: number; stagePercent: unknown; doc: FlagdDocument }> {
  const doc = (await readFlagDocument(project)) as FlagdDocument;
  return {
    share: evaluateCohort(doc, KEYS).percent,
    stagePercent: doc.flags[FLAG_KEY]?.metadata?.['rollout.stage_percent'],
    doc,
  };
}

beforeAll(async () => {
  [prom, app, base] = await Promise.all([
    startPrometheus({ series: buildPlanSeries({ now: Math.floor(Date.now() / 1000) }) }),
    startAppServer(),
    createPlanProject({ edit: relaxLatency }),
  ]);
  await advanceToFirstStage(await base.readPlan(), (args) => run(base, args));
}, 300_000);

afterAll(async () => {
  await Promise.all([prom?.stop(), app?.stop()]);
  await base?.remove();
});

describe('advance killed mid-step', () => {
  it.each(POINTS.map((p) => [p.point, p] as const))(
    'SIGKILL at %s: old or new stage, then the next advance completes the same step once',
    async (_name, c) => {
      const project = await cloneProject(base);
      try {
        const bakeOver = { ROLLOUT_TIME_OFFSET: BAKE_PASSED };
        const crashed = await run(project, ['advance'], { ...bakeOver, ROLLOUT_CRASH_AT: c.point });
        expect(crashed.signal, `advance did not reach ${c.point}:\n${crashed.stdout}\n${crashed.stderr}`).toBe(
          'SIGKILL',
        );

        const atCrash = await status(project);
        const where = STAGE[c.state];
        expect({ stage: atCrash.stage?.id, percent: atCrash.flags[FLAG_KEY]?.percent }).toEqual({
          stage: where.id,
          percent: where.percent,
        });
        expect(atCrash.lock, 'the dead process still holds the lock').not.toBeNull();
        const flagsAtCrash = await flagPercent(project);
        expect(flagsAtCrash.stagePercent).toBe(STAGE[c.flags].percent);
        expect(Math.abs(flagsAtCrash.share - STAGE[c.flags].percent)).toBeLessThanOrEqual(1);

        const again = await run(project, ['advance'], bakeOver);
        expect(again.code, `${again.stdout}\n${again.stderr}`).toBe(c.resumes ? 0 : 3);
        if (c.resumes)
          expect(again.stdout).toMatch(
            /advanced P2 \/ week-1 \(0 %\) → P2 \/ week-2 \(5 %\) \(finished an interrupted step\)/,
          );
        else expect(again.stdout).toMatch(/bake time of week-2 ends in/);

        // A third advance at the same moment finds nothing to do: the bake of week-2 has just begun.
        const third = await run(project, ['advance'], bakeOver);
        expect(third.code, third.stdout).toBe(3);

        const after = await status(project);
        expect({ stage: after.stage?.id, percent: after.flags[FLAG_KEY]?.percent }).toEqual({
          stage: 'week-2',
          percent: 5,
        });
        expect(after.history.filter((h) => h.action === 'advance' && h.to?.stage === 'week-2')).toHaveLength(1);
        expect(after.history.filter((h) => h.action === 'advance' || h.action === 'override')).toHaveLength(4);
        const flags = await flagPercent(project);
        expect(flags.stagePercent).toBe(5);
        expect(Math.abs(flags.share - 5)).toBeLessThanOrEqual(1);
        expect(variantFor(flags.doc, 'beta-tester-1', ['beta_users'])).toBe(NEW_VARIANT);

        // The next mutating command backfills an audit entry a crash left out (and takes over a dead lock).
        const signed = await run(project, ['signoff', 'phase-tasks-done', '--reason', 'all P2 tasks done'], bakeOver);
        expect(signed.code, signed.stderr).toBe(0);
        const log = await run(project, ['log', '--json', '--limit', '1000']);
        const entries = log.json<{ result: { entries: Array<{ op: string; data?: { to?: { stage?: string } } }> } }>()
          .result.entries;
        expect(
          entries.filter((e) => e.op === 'advance' && e.data?.to?.stage === 'week-2'),
          'one audited step',
        ).toHaveLength(1);
        const verify = await run(project, ['log', '--verify']);
        expect(verify.code, verify.stdout).toBe(0);
        expect((await status(project)).lock).toBeNull();
      } finally {
        await project.remove();
      }
    },
    300_000,
  );

  it('an advance that saw the interrupted step, while another advance finished it, exits 5 and changes nothing', async () => {
    const project = await cloneProject(base);
    const slack = await startSlackRecorder();
    try {
      const at = (ms: number) => ({ ROLLOUT_TIME_OFFSET: String(Number(BAKE_PASSED) + ms) });
      const crashed = await run(project, ['advance'], { ...at(0), ROLLOUT_CRASH_AT: 'advance:after-intent' });
      expect(crashed.signal).toBe('SIGKILL');
      // A sign-off announced to a Slack that hangs leaves a notification in the outbox; the next
      // advance tries to deliver it right after reading the state, which holds it there for a while.
      slack.respondWith('chat.postMessage', 'hang');
      const slackEnv = { SLACK_BOT_TOKEN: 'xoxb-test-token-for-the-recorder', SLACK_API_URL: slack.url };
      const signed = await run(project, ['signoff', 'phase-tasks-done', '--reason', 'done'], { ...at(0), ...slackEnv });
      expect(signed.code, signed.stderr).toBe(0);
      const callsBefore = slack.calls.length;

      const env = {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        NO_COLOR: '1',
        ROLLOUT_PROMETHEUS_URL: prom.url,
        ...at(2 * DAY_MS),
        ...slackEnv,
      };
      const slow = spawn(process.execPath, [path.join(REPO_ROOT, 'bin/rollout'), 'advance', '--json'], {
        cwd: project.dir,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      slow.stdout.on('data', (d: Buffer) => (out += d.toString()));
      const exited = new Promise<number | null>((resolve) => slow.on('close', (code) => resolve(code)));
      await slack.waitForCalls('*', callsBefore + 1, 60_000);
      slow.kill('SIGSTOP');
      try {
        const finisher = await run(project, ['advance'], at(0));
        expect(finisher.code, finisher.stdout + finisher.stderr).toBe(0);
        expect(finisher.stdout).toContain('finished an interrupted step');
      } finally {
        slow.kill('SIGCONT');
      }
      expect(await exited, out).toBe(5);
      expect(JSON.parse(out)).toMatchObject({ error: { code: 'E_STATE_STALE' } });

      const after = await status(project);
      expect({ stage: after.stage?.id, percent: after.flags[FLAG_KEY]?.percent }).toEqual({
        stage: 'week-2',
        percent: 5,
      });
      expect(after.history.filter((h) => h.action === 'advance' && h.to?.stage === 'week-2')).toHaveLength(1);
      expect(after.lock).toBeNull();
      expect((await run(project, ['log', '--verify'])).code).toBe(0);
    } finally {
      await slack.stop();
      await project.remove();
    }
  }, 300_000);
});
