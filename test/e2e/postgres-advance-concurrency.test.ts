import { readFile, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FlagdDocument } from '../../src/flags/types.js';
import { startAppServer, type AppServer } from '../helpers/app-server.js';
import { runCli, type CliRun } from '../helpers/cli.js';
import {
  advanceToFirstStage,
  buildPlanSeries,
  createPlanProject,
  DAY_MS,
  FLAG_KEY,
  readFlagDocument,
  relaxLatency,
  rolloutStages,
  type PlanProject,
} from '../helpers/plan-fixture.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { startPrometheus, type PrometheusInstance } from '../helpers/prometheus.js';

/**
 * Twenty real `rollout advance` processes at once against one PostgreSQL state, on a stage whose
 * bake is over and whose canary passes: exactly one takes the step, every other one exits 5 (lease
 * busy, or stale state once the winner has written). Twenty rounds.
 *
 * The release reaches its first stage once (gates and sign-offs, key `base`). The plan has five
 * stages, so the rounds run in cycles of four (week-1 → … → week-5): each cycle starts from a copy
 * of `base`'s state and audit rows under a fresh release key, `?release=cycle_<n>`, with the flag
 * file put back as it was at week-1. The first round of a cycle finds no lease row at all (twenty
 * concurrent first inserts), the later ones a freed lease row (twenty takeovers of a free lease).
 */
const BAKE_PASSED_MS = 7 * DAY_MS + 3600_000;
const RACERS = 20;
// Two cycles of the four stage steps: each kind of round (twenty first inserts of the lease row,
// twenty takeovers of a freed one) runs twice. Each round spawns twenty processes (~15 s on 2 cores).
const ROUNDS = 8;

interface StatusDoc {
  stage: { id: string; index: number } | null;
  flags: Record<string, { percent: number }>;
  lock: unknown;
  serial: number;
  history: Array<{ action: string }>;
}

let prom: PrometheusInstance;
let app: AppServer;
let project: PlanProject;
let db: TestPostgres;
let offsetMs = 0;
let releaseKey = 'base';
let week1FlagFile = '';
const roundMs: number[] = [];
/** How the racers ended, over all rounds (informational: which way the losers lost). */
const outcomes = new Map<string, number>();

function stateUrl(): string {
  return `${db.url}?release=${releaseKey}`;
}

function run(args: string[], extra: Record<string, string> = {}): Promise<CliRun> {
  const env = {
    ROLLOUT_PROMETHEUS_URL: prom.url,
    APP_BASE_URL: app.url,
    ROLLOUT_TIME_OFFSET: String(offsetMs),
    ...extra,
  };
  return runCli(['--state', stateUrl(), ...args], { cwd: project.dir, env, timeoutMs: 240_000 });
}

async function status(): Promise<StatusDoc> {
  const r = await run(['status', '--json', '--history', '1000']);
  expect(r.code, r.stdout + r.stderr).toBe(0);
  return r.json<{ result: StatusDoc }>().result;
}

/** `exit 5 E_LOCK_BUSY`, `exit 0`, …; output that is not JSON is left to the assertions to report. */
function outcomeOf(r: CliRun): string {
  if (r.code !== 5) return `exit ${r.code}`;
  try {
    return `exit 5 ${r.json<{ error?: { code?: string } }>().error?.code}`;
  } catch {
    return 'exit 5 (no JSON)';
  }
}

const steps = (s: StatusDoc) => s.history.filter((h) => h.action === 'advance' || h.action === 'override').length;

/** Audit entries of the current release key with the given op, counted in the database itself. */
async function countAudit(op: string): Promise<number> {
  const rows = await db.sql<{ n: number }>(
    "SELECT count(*)::int AS n FROM rollout_audit WHERE release_key = $1 AND entry->>'op' = $2",
    [releaseKey, op],
    db.database,
  );
  return rows[0]?.n ?? 0;
}

/** A fresh release key holding `base`'s state and audit log exactly as they are (no lease row yet). */
async function startCycle(n: number): Promise<void> {
  releaseKey = `cycle_${n}`;
  await db.sql(
    'INSERT INTO rollout_state (release_key, serial, lineage, doc) SELECT $1, serial, lineage, doc FROM rollout_state WHERE release_key = $2',
    [releaseKey, 'base'],
    db.database,
  );
  await db.sql(
    'INSERT INTO rollout_audit (release_key, seq, entry) SELECT $1, seq, entry FROM rollout_audit WHERE release_key = $2 ORDER BY id',
    [releaseKey, 'base'],
    db.database,
  );
  await writeFile(project.flagFile, week1FlagFile);
}

beforeAll(async () => {
  [prom, app, project, db] = await Promise.all([
    startPrometheus({ series: buildPlanSeries({ now: Math.floor(Date.now() / 1000), aheadMinutes: 240 }) }),
    startAppServer(),
    createPlanProject({ edit: relaxLatency }),
    startPostgres(),
  ]);
  await advanceToFirstStage(await project.readPlan(), (args) => run(args));
  week1FlagFile = await readFile(project.flagFile, 'utf8');
}, 300_000);

afterAll(async () => {
  await Promise.all([prom?.stop(), app?.stop(), db?.stop()]);
  await project?.remove();
  const total = roundMs.reduce((a, b) => a + b, 0);
  console.log(
    `postgres: ${roundMs.length} rounds of ${RACERS} concurrent advances in ${(total / 1000).toFixed(1)} s (per round ${roundMs.map((t) => (t / 1000).toFixed(1)).join(', ')} s)`,
  );
  console.log(`postgres racers: ${[...outcomes].map(([k, n]) => `${k} ${n}`).join(', ')}`);
});

describe('concurrent advances on a PostgreSQL state', () => {
  /** Twenty advances at once; exactly one moves the release one stage, the others exit 5 (or 3 after it). */
  async function race(round: number | string, want: { resumed: boolean; takeovers: number }): Promise<void> {
    const stages = rolloutStages(await project.readPlan());
    const before = await status();
    const advancesBefore = await countAudit('advance');
    const t0 = performance.now();
    const endedMs: number[] = [];
    const runs = await Promise.all(
      Array.from({ length: RACERS }, (_, i) =>
        run(['advance', '--json'], { ROLLOUT_ACTOR: `racer-${round}-${i}` }).then((r) => {
          endedMs[i] = performance.now() - t0;
          return r;
        }),
      ),
    );
    roundMs.push(performance.now() - t0);
    const codes = runs.map((r) => r.code);
    for (const r of runs) outcomes.set(outcomeOf(r), (outcomes.get(outcomeOf(r)) ?? 0) + 1);
    const detail = `round ${round} (${releaseKey}):\n${runs.map((r, i) => `#${i} exit ${r.code} after ${endedMs[i]?.toFixed(0)} ms: ${r.stdout.slice(0, 400)} ${r.stderr.slice(-400)}`).join('\n')}`;
    const expected = stages[(before.stage?.index ?? -1) + 1];
    expect(expected, 'a next stage exists').toBeDefined();
    expect(
      codes.filter((c) => c === 0),
      detail,
    ).toHaveLength(1);
    // Two cores start twenty processes over a few seconds: one that reads the state only after the
    // step was taken is not a loser of the race but a later advance, and waits for the new stage's bake.
    const late = runs.filter((r) => r.code === 3);
    for (const r of late)
      expect(r.json<{ result: { step: { from: { id: string } } } }>().result.step.from.id, detail).toBe(expected?.id);
    expect(codes.filter((c) => c === 5).length, detail).toBe(RACERS - 1 - late.length);
    // How many raced rather than came late depends on how fast 2 cores start 20 processes while other
    // test files run: the per-round count is not asserted, the sum over all rounds is.
    for (const r of runs.filter((x) => x.code === 5)) {
      expect(['E_LOCK_BUSY', 'E_STATE_STALE', 'E_LOCK_LOST'], detail).toContain(
        r.json<{ error: { code: string } }>().error.code,
      );
    }
    const winner = runs.find((r) => r.code === 0) as CliRun;
    expect(winner.json<{ result: { moved: boolean; resumed: boolean } }>().result).toMatchObject({
      moved: true,
      resumed: want.resumed,
    });

    const after = await status();
    expect(after.stage?.index).toBe((before.stage?.index ?? -1) + 1);
    expect(after.stage?.id).toBe(expected?.id);
    expect(after.flags[FLAG_KEY]?.percent).toBe(expected?.percent);
    expect(steps(after)).toBe(steps(before) + 1);
    expect(after.lock).toBeNull();
    // The database agrees: one more advance in the audit log, only a dead holder's lease taken over, the lease free.
    expect(await countAudit('advance')).toBe(advancesBefore + 1);
    expect(await countAudit('lock:takeover')).toBe(want.takeovers);
    const [lease] = await db.sql<{ token: string | null }>(
      'SELECT token FROM rollout_lock WHERE release_key = $1',
      [releaseKey],
      db.database,
    );
    expect(lease).toEqual({ token: null });
    const doc = (await readFlagDocument(project)) as FlagdDocument;
    expect(doc.flags[FLAG_KEY]?.metadata?.['rollout.stage_percent']).toBe(expected?.percent);
    const verify = await run(['log', '--verify']);
    expect(verify.code, verify.stdout).toBe(0);
  }

  it(`${RACERS} at once after the bake, ${ROUNDS} rounds: exactly one step each, every other process exits 5 (busy or stale)`, async () => {
    const stagesPerCycle = rolloutStages(await project.readPlan()).length - 1;
    for (let round = 1; round <= ROUNDS; round++) {
      if ((round - 1) % stagesPerCycle === 0) await startCycle(Math.ceil(round / stagesPerCycle));
      offsetMs += BAKE_PASSED_MS;
      await race(round, { resumed: false, takeovers: 0 });
    }
    // Contention really happened: over all rounds, at least one loser per round on average.
    const losers = [...outcomes].filter(([k]) => k.startsWith('exit 5')).reduce((n, [, v]) => n + v, 0);
    expect(losers).toBeGreaterThanOrEqual(ROUNDS);
    // Every cycle's release kept its own row and its own verifying audit chain; `base` was never touched.
    const keys = await db.sql<{ release_key: string; serial: string }>(
      'SELECT release_key, serial FROM rollout_state ORDER BY release_key',
      [],
      db.database,
    );
    expect(keys.map((k) => k.release_key)).toEqual(
      ['base', ...Array.from({ length: Math.ceil(ROUNDS / stagesPerCycle) }, (_, i) => `cycle_${i + 1}`)].sort(),
    );
    releaseKey = 'base';
    expect((await status()).stage?.id).toBe('week-1');
  }, 900_000);

  it(`${RACERS} at once after a crash left an intent and a dead holder's lease: one takes the lease over and finishes the step, the others exit 5 or wait for the next bake`, async () => {
    await startCycle(Math.ceil(ROUNDS / (rolloutStages(await project.readPlan()).length - 1)) + 1);
    offsetMs += BAKE_PASSED_MS;
    const crashed = await run(['advance'], { ROLLOUT_CRASH_AT: 'advance:after-intent' });
    expect(crashed.signal, crashed.stderr).toBe('SIGKILL');
    const [lease] = await db.sql<{ live: boolean }>(
      'SELECT token IS NOT NULL AND expires_at > now() AS live FROM rollout_lock WHERE release_key = $1',
      [releaseKey],
      db.database,
    );
    expect(lease, 'the killed process left its lease live').toEqual({ live: true });
    // Finishing an interrupted step skips the evidence and, on this backend, needs a few round trips:
    // measured here, the first process spawned is done about 2 s in, before most of the other nineteen
    // have read the state (then they wait for week-2's bake: exit 3), so a loser of this race is not
    // guaranteed. What must hold whoever raced: one takeover of the dead lease, one step, no other exit.
    await race('resume', { resumed: true, takeovers: 1 });
  }, 300_000);
});
