import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { startSlackRecorder, type SlackRecorder } from '../helpers/slack-recorder.js';
import {
  auditOps,
  flagDoc,
  newVariantUsers,
  projectAtFirstStage,
  startHealthServer,
  statusOf,
  type SafetyProject,
} from '../helpers/safety-project.js';

/**
 * The safety path, driven through the real CLI: the kill switch never depends on the old flag file,
 * a rollback is idempotent, `--resume` only resumes, retry and plan edits never skip evidence, and
 * an audit failure after the commit point is reported as "step taken, audit entry pending".
 * Every case runs on the file state and on a real PostgreSQL.
 */
let health: Awaited<ReturnType<typeof startHealthServer>>;
let pg: TestPostgres;
let dbCount = 0;
beforeAll(async () => {
  [health, pg] = await Promise.all([startHealthServer(), startPostgres()]);
}, 180_000);
afterAll(async () => {
  await Promise.all([health?.close(), pg?.stop()]);
});

const BACKENDS = ['file', 'postgres'] as const;

async function stateUrlFor(backend: (typeof BACKENDS)[number]): Promise<string | undefined> {
  if (backend === 'file') return undefined;
  const url = await pg.createDatabase(`safety_${++dbCount}`);
  return `${url}?release=v9.9.9`;
}

async function project(
  backend: (typeof BACKENDS)[number],
  opts: Omit<Parameters<typeof projectAtFirstStage>[1], 'stateUrl'> = {},
): Promise<SafetyProject> {
  const stateUrl = await stateUrlFor(backend);
  return projectAtFirstStage(health.url, { ...opts, ...(stateUrl ? { stateUrl } : {}) });
}

const DAMAGE: Record<string, string> = {
  empty: '',
  truncated: '{"$schema": "https://flagd.dev/schema/v0/flags.json", "flags": {"reserves_v1.1": {"state": "ENAB',
  garbage: '\u0000\u0001 not json at all ]]]',
  'valid JSON without the flag':
    '{"flags": {"other_flag": {"state": "ENABLED", "variants": {"on": true, "off": false}, "defaultVariant": "on"}}}',
};

describe.each(BACKENDS)('safety path (%s state)', (backend) => {
  it('1. a damaged flag file: rollback rebuilds the kill switch from the plan and verifies it; advance stops with exit 2 and leaves no unfinished step', async () => {
    const p = await project(backend);
    const file = path.join(p.dir, 'flags/flags.json');
    for (const [name, content] of Object.entries(DAMAGE)) {
      await writeFile(file, content);
      const advance = await p.cli(['advance', '--json']);
      // The flag file is checked before the intent is written: nothing is left half-done.
      if (name !== 'valid JSON without the flag') {
        expect(advance.code, `${name}: ${advance.stdout}`).toBe(2);
        expect(advance.json<{ error: { code: string; message: string } }>().error.message).toContain(
          'flags/flags.json',
        );
      }
      expect((await statusOf(p)).interrupted, name).toBeUndefined();
      for (const mode of ['immediate', 'full'] as const) {
        await writeFile(file, content);
        const r = await p.cli(['rollback', '--mode', mode, '--reason', `damaged: ${name}`, '--json']);
        expect(r.code, `${name} ${mode}: ${r.stdout}${r.stderr}`).toBe(0);
        const result = r.json<{ result: { killSwitch: { verification: { ok: boolean; contexts: number } } } }>().result;
        expect(result.killSwitch.verification.ok).toBe(true);
        expect(result.killSwitch.verification.contexts).toBeGreaterThan(500);
        expect(await newVariantUsers(p.dir), `${name} ${mode}`).toBe(0);
        expect((await flagDoc(p.dir)).flags['reserves_v1.1']?.defaultVariant).toBe('reserves_v1.0');
      }
      if (name === 'valid JSON without the flag') expect((await flagDoc(p.dir)).flags['other_flag']).toBeDefined();
    }
    // A directory where the file should be cannot be replaced: exit 6 with the path and the reason.
    await rm(file, { force: true });
    await mkdir(file);
    const stuck = await p.cli(['rollback', '--json']);
    expect(stuck.code, stuck.stdout).toBe(6);
    expect(stuck.stdout).toContain('flags/flags.json');
    expect(stuck.stdout).toMatch(/directory/);
    const advance = await p.cli(['advance', '--json']);
    expect(advance.code).not.toBe(70);
  }, 300_000);

  it('2. a moved, missing or hand-edited flag file is switched off where applications read it; "flag written" only when a file changed', async () => {
    const p = await project(backend);
    // Moved: the plan now names another file; the old one (which applications still read) is switched off too.
    const planFile = path.join(p.dir, 'rollout.yaml');
    await writeFile(
      planFile,
      (await readFile(planFile, 'utf8')).replace('file: flags/flags.json', 'file: flags/moved.json'),
    );
    const moved = await p.cli(['rollback', '--reason', 'moved']);
    expect(moved.code, moved.stdout + moved.stderr).toBe(0);
    expect(await newVariantUsers(p.dir, 'flags/flags.json')).toBe(0);
    expect(await newVariantUsers(p.dir, 'flags/moved.json')).toBe(0);

    const q = await project(backend);
    // Missing: created from the plan.
    await rm(path.join(q.dir, 'flags/flags.json'));
    const dry = await q.cli(['rollback', '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).not.toMatch(/written \d+ ms/);
    const missing = await q.cli(['rollback']);
    expect(missing.code, missing.stdout + missing.stderr).toBe(0);
    expect(missing.stdout).toMatch(/flag written \d+ ms after start/);
    expect(await newVariantUsers(q.dir)).toBe(0);
    // Hand-edited: a flag without the rollout.* metadata that serves the new variant to everyone.
    const doc = await flagDoc(q.dir);
    doc.flags['reserves_v1.1'] = {
      state: 'ENABLED',
      variants: { 'reserves_v1.1': 'reserves_v1.1', 'reserves_v1.0': 'reserves_v1.0' },
      defaultVariant: 'reserves_v1.1',
    };
    await writeFile(path.join(q.dir, 'flags/flags.json'), JSON.stringify(doc));
    expect(await newVariantUsers(q.dir)).toBeGreaterThan(0);
    const edited = await q.cli(['rollback']);
    expect(edited.code, edited.stdout + edited.stderr).toBe(0);
    expect(edited.stdout).toMatch(/flag written \d+ ms/);
    expect(await newVariantUsers(q.dir)).toBe(0);
    // Nothing changed now: no write time is claimed.
    const again = await q.cli(['rollback']);
    expect(again.code).toBe(0);
    expect(again.stdout).not.toMatch(/flag written \d+ ms/);
  }, 300_000);

  it('3. rollback --mode full with no health checks configured says so instead of "health verified"', async () => {
    const p = await project(backend);
    const r = await p.cli(['rollback', '--mode', 'full']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('health NOT verified');
    expect(r.stdout).not.toContain('health verified on the fallback');
  }, 300_000);

  it('4. a second rollback is a no-op: already rolled back at … by …, no new record, notification or rollback audit entry', async () => {
    const slack: SlackRecorder = await startSlackRecorder();
    try {
      const p = await project(backend);
      const env = { SLACK_BOT_TOKEN: 'xoxb-test-not-a-real-token', SLACK_API_URL: slack.url };
      const first = await p.cli(['rollback', '--reason', 'spike', '--actor', 'alice'], env);
      expect(first.code, first.stderr).toBe(0);
      const before = await statusOf(p);
      const posts = slack.calls.filter((c) => c.method === 'chat.postMessage').length;
      const rollbacksBefore = (await auditOps(p)).filter((e) => e.op === 'rollback').length;
      const second = await p.cli(['rollback', '--reason', 'again', '--actor', 'bob', '--json'], env);
      expect(second.code, second.stderr).toBe(0);
      const result = second.json<{ result: { already: { by: string; at: string } } }>().result;
      expect(result.already.by).toBe('alice');
      const human = await p.cli(['rollback', '--actor', 'bob'], env);
      expect(human.stdout).toMatch(/already rolled back at \S+ by alice/);
      expect((await statusOf(p)).serial).toBe(before.serial);
      expect(slack.calls.filter((c) => c.method === 'chat.postMessage').length).toBe(posts);
      expect((await auditOps(p)).filter((e) => e.op === 'rollback').length).toBe(rollbacksBefore);
      const report = await p.cli(['report', '--json']);
      expect(report.code, report.stderr).toBe(0);
      expect(JSON.stringify(report.json()).match(/"rollbacks":\s*1\b/)).not.toBeNull();
    } finally {
      await slack.stop();
    }
  }, 300_000);

  it('4b. five rollbacks at once: every one exits 0, exactly one is recorded and audited', async () => {
    const p = await project(backend);
    const runs = await Promise.all(
      Array.from({ length: 5 }, (_, i) => p.cli(['rollback', '--reason', `racer ${i}`, '--json'])),
    );
    for (const r of runs) expect(r.code, r.stdout + r.stderr).toBe(0);
    const already = runs.filter((r) => r.json<{ result: { already?: unknown } }>().result.already !== undefined).length;
    expect(already).toBe(4);
    expect((await auditOps(p)).filter((e) => e.op === 'rollback').length).toBe(1);
    expect(await newVariantUsers(p.dir)).toBe(0);
    expect((await p.cli(['log', '--verify'])).code).toBe(0);
  }, 300_000);

  it('5/6. --resume only resumes: a no-op on a finished rollback, exit 2 with nothing to resume, never a new ramp-down; advance after a rollback exits 4 pointing to retry', async () => {
    const p = await project(backend, {
      rollback: '  defaultMode: progressive\n  progressive: { over: 60s, steps: 3 }',
    });
    const nothing = await p.cli(['rollback', '--resume', '--json']);
    expect(nothing.code).toBe(2);
    expect(nothing.json<{ error: { code: string } }>().error.code).toBe('E_NOTHING_TO_RESUME');
    const s = await statusOf(p);
    expect(s.rampDown).toBeUndefined();
    expect(s.flags['reserves_v1.1']?.percent).toBe(10);
    const done = await p.cli(['rollback', '--mode', 'immediate']);
    expect(done.code).toBe(0);
    // 6. After a completed rollback, advance points to retry: exit 4 with the matching code and runbook.
    const advance = await p.cli(['advance', '--json']);
    expect(advance.code).toBe(4);
    const error = advance.json<{ error: { code: string; hint: string; runbook: string } }>().error;
    expect(error).toMatchObject({ code: 'E_RELEASE_ROLLED_BACK', runbook: 'exit-4-rolled-back' });
    expect(error.hint).toContain('rollout retry');
    const serial = (await statusOf(p)).serial;
    const resumed = await p.cli(['rollback', '--resume']);
    expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain('already rolled back');
    expect((await statusOf(p)).serial).toBe(serial);
  }, 300_000);

  it('5b. while a ramp-down runs, status shows it and its runner, and a second --resume exits 5', async () => {
    const p = await project(backend, {
      rollback: '  defaultMode: progressive\n  progressive: { over: 20s, steps: 4 }',
    });
    // Run the ramp-down in the background through the same helper (it takes ~40 s).
    const running = p.cli(['rollback', '--mode', 'progressive', '--actor', 'carol']);
    let seen = false;
    for (let i = 0; i < 60 && !seen; i++) {
      await new Promise((r) => setTimeout(r, 500));
      const s = await statusOf(p);
      if (s.rampDown?.running) {
        seen = true;
        expect(s.rampDown.runner).toContain('carol');
        const human = await p.cli(['status']);
        expect(human.stdout).not.toMatch(/lock\s+free/);
        expect(human.stdout).toContain('ramp-down');
        const second = await p.cli(['rollback', '--resume', '--json']);
        expect(second.code, second.stdout).toBe(5);
        expect(second.json<{ error: { code: string } }>().error.code).toBe('E_ROLLBACK_IN_PROGRESS');
      }
    }
    expect(seen).toBe(true);
    const r = await running;
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(await newVariantUsers(p.dir)).toBe(0);
    expect((await statusOf(p)).status).toBe('rolled-back');
  }, 300_000);

  it('7. retry restores the stage rolled back from; a later stage needs --override --reason and is audited as an override', async () => {
    const p = await project(backend);
    // No Prometheus here: the canary step is taken as an audited override.
    expect((await p.cli(['advance', '--override', '--reason', 'to s2'])).code).toBe(0);
    expect((await statusOf(p)).stage?.id).toBe('s2');
    const eval1 = await p.cli(['flags', 'eval', 'reserves_v1.1', '--key', 'user-1', '--group', 'beta_users']);
    expect(eval1.code).toBe(0);
    expect((await p.cli(['rollback'])).code).toBe(0);
    const retry = await p.cli(['retry', '--json']);
    expect(retry.code, retry.stdout + retry.stderr).toBe(0);
    expect(retry.json<{ result: { stage: string; percent: number } }>().result).toMatchObject({
      stage: 's2',
      percent: 50,
    });
    expect((await flagDoc(p.dir)).flags['reserves_v1.1']?.metadata?.['rollout.stage_percent']).toBe(50);
    expect((await p.cli(['rollback'])).code).toBe(0);
    const beyond = await p.cli(['retry', '--from', 's3', '--json']);
    expect(beyond.code).toBe(2);
    expect(beyond.stdout).toContain('s2');
    expect((await statusOf(p)).status).toBe('rolled-back');
    const overridden = await p.cli(['retry', '--from', 's3', '--override', '--reason', 'hotfix verified elsewhere']);
    expect(overridden.code, overridden.stdout + overridden.stderr).toBe(0);
    expect(overridden.stdout).toContain('OVERRIDE');
    expect((await auditOps(p)).some((e) => e.op === 'retry:override')).toBe(true);
    expect((await p.cli(['rollback'])).code).toBe(0);
    const earlier = await p.cli(['retry', '--from', 's1']);
    expect(earlier.code, earlier.stderr).toBe(0);
  }, 300_000);

  it('8. stages are referred to by id: inserting a stage never jumps ahead; a deleted stage or phase stops advance with exit 2 naming it', async () => {
    const p = await project(backend);
    const planFile = path.join(p.dir, 'rollout.yaml');
    const plan = await readFile(planFile, 'utf8');
    // Insert a stage before the current one: the next stage is still s2 (50 %), never s3 (100 %).
    await writeFile(
      planFile,
      plan.replace(
        '        - { id: s1,',
        '        - { id: s0, percent: 1, groups: [internal], bake: 0s }\n        - { id: s1,',
      ),
    );
    const inserted = await p.cli(['advance', '--accept-config-change', '--dry-run', '--json']);
    expect(inserted.json<{ result: { to: { stage: string; percent: number } } }>().result.to).toMatchObject({
      stage: 's2',
      percent: 50,
    });
    // Delete the current stage: exit 2 naming it; never "completed", nothing changed.
    await writeFile(planFile, plan.replace(/ {8}- \{ id: s1,[^\n]*\n/, ''));
    const serial = (await statusOf(p)).serial;
    const deleted = await p.cli(['advance', '--accept-config-change', '--json']);
    expect(deleted.code).toBe(2);
    const error = deleted.json<{ error: { code: string; message: string } }>().error;
    expect(error.code).toBe('E_STATE_POSITION');
    expect(error.message).toContain('s1');
    expect((await statusOf(p)).serial).toBe(serial);
    expect((await statusOf(p)).status).toBe('in-progress');
    // A renamed phase: the same.
    await writeFile(planFile, plan.replace(/id: P2\b/, 'id: P2-renamed'));
    const phase = await p.cli(['advance', '--accept-config-change', '--json']);
    expect(phase.code).toBe(2);
    expect(phase.json<{ error: { message: string } }>().error.message).toContain('P2');
  }, 300_000);

  it('9. an audit append that fails after the commit point: "step taken, audit entry pending", backfilled by the next command', async () => {
    const p = await project(backend);
    const breakAudit = async () => {
      if (backend === 'file') {
        await rename(path.join(p.dir, '.rollout/audit.jsonl'), path.join(p.dir, '.rollout/audit.keep'));
        await mkdir(path.join(p.dir, '.rollout/audit.jsonl'));
      } else {
        await pg.sql(
          "CREATE OR REPLACE FUNCTION rollout_test_refuse() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'audit sink down'; END $$ LANGUAGE plpgsql",
          [],
          `safety_${dbCount}`,
        );
        await pg.sql(
          'CREATE TRIGGER refuse BEFORE INSERT ON rollout_audit FOR EACH ROW EXECUTE FUNCTION rollout_test_refuse()',
          [],
          `safety_${dbCount}`,
        );
      }
    };
    const repairAudit = async () => {
      if (backend === 'file') {
        await rm(path.join(p.dir, '.rollout/audit.jsonl'), { recursive: true });
        await rename(path.join(p.dir, '.rollout/audit.keep'), path.join(p.dir, '.rollout/audit.jsonl'));
      } else {
        await pg.sql('DROP TRIGGER refuse ON rollout_audit', [], `safety_${dbCount}`);
      }
    };
    await breakAudit();
    const advanced = await p.cli(['advance', '--override', '--reason', 'audit down']);
    expect(advanced.code, advanced.stdout + advanced.stderr).toBe(0);
    expect(advanced.stdout).toContain('step taken, audit entry pending');
    expect((await statusOf(p)).stage?.id).toBe('s2');
    const rolled = await p.cli(['rollback', '--reason', 'audit still down']);
    expect(rolled.code, rolled.stdout + rolled.stderr).toBe(0);
    expect(await newVariantUsers(p.dir)).toBe(0);
    await repairAudit();
    expect((await p.cli(['retry'])).code).toBe(0);
    const entries = await auditOps(p);
    const serials = entries.map((e) => e.stateSerial ?? 0);
    expect(entries.some((e) => e.op === 'override' && e.data?.backfilled === true)).toBe(true);
    expect(entries.some((e) => e.op === 'rollback' && e.data?.backfilled === true)).toBe(true);
    expect(Math.max(...serials)).toBe((await statusOf(p)).serial);
    expect((await p.cli(['log', '--verify'])).code).toBe(0);
  }, 300_000);

  it('9b. kill -9 right after a ramp-down step wrote its state: the step is backfilled as itself', async () => {
    const p = await project(backend, { rollback: '  defaultMode: progressive\n  progressive: { over: 2s, steps: 2 }' });
    const crashed = await p.cli(['rollback', '--mode', 'progressive'], {
      ROLLOUT_CRASH_AT: 'rollback:step-after-state',
    });
    expect(crashed.signal).toBe('SIGKILL');
    const resumed = await p.cli(['rollback', '--resume']);
    expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
    const entries = await auditOps(p);
    const steps = entries.filter((e) => e.op === 'rollback:step');
    expect(steps.length).toBe(2);
    expect(await newVariantUsers(p.dir)).toBe(0);
    expect((await p.cli(['log', '--verify'])).code).toBe(0);
  }, 300_000);

  it('10. status shows an interrupted step with what the flag file actually serves', async () => {
    const p = await project(backend);
    const crashed = await p.cli(['advance', '--override', '--reason', 'crash'], {
      ROLLOUT_CRASH_AT: 'advance:after-flags',
    });
    expect(crashed.signal).toBe('SIGKILL');
    const s = await statusOf(p);
    expect(s.interrupted?.kind).toBe('advance');
    expect(s.interrupted?.files[0]?.serves).toContain('50 %');
    const human = await p.cli(['status']);
    expect(human.stdout).toContain('interrupted advance');
    expect((await p.cli(['advance'])).code).toBe(0);
    expect((await statusOf(p)).interrupted).toBeUndefined();
  }, 300_000);
});

describe('a plan that cannot be read at all (file state)', () => {
  it("missing or not YAML: the kill switch comes from the flags the state recorded and the files' own fallback; exit 6 because nothing can be recorded", async () => {
    const p = await projectAtFirstStage(health.url);
    const planFile = path.join(p.dir, 'rollout.yaml');
    const plan = await readFile(planFile, 'utf8');
    for (const broken of ['flags: [\n  - {', null]) {
      if (broken === null) await rm(planFile);
      else await writeFile(planFile, broken);
      const r = await p.cli(['rollback', '--json']);
      expect(r.code, r.stdout).toBe(6);
      expect(r.json<{ error: { message: string } }>().error.message).toContain('kill switch IS on');
      expect(await newVariantUsers(p.dir)).toBe(0);
      await writeFile(planFile, plan);
      expect((await p.cli(['retry'])).code).not.toBe(70);
      await writeFile(planFile, plan);
      const undo = await p.cli(['rollback']);
      expect(undo.code, undo.stdout + undo.stderr).toBe(0);
      expect((await p.cli(['retry'])).code).toBe(0);
      expect(await newVariantUsers(p.dir)).toBeGreaterThan(0);
    }
  }, 300_000);
});

describe('an unwritable flag path', () => {
  it('a file where the flags directory should be makes rollback exit 6 naming the path', async () => {
    const p = await projectAtFirstStage(health.url);
    await rm(path.join(p.dir, 'flags'), { recursive: true });
    await writeFile(path.join(p.dir, 'flags'), 'not a directory');
    const r = await p.cli(['rollback', '--json']);
    expect(r.code, r.stdout).toBe(6);
    expect(r.stdout).toContain('flags/flags.json');
  }, 300_000);
});
