/**
 * Model-based property test of the release state machine: random sequences of advance, rollback
 * (immediate / progressive / full / --resume), retry (--from, --override), plan edits, clock ticks
 * and crashes, run in-process through the handlers the CLI uses, against the real file state store
 * and the real flag files of a temporary mini project.
 *
 * A crash is a crash point (src/state/crash-points.ts) that throws for one command: the project
 * tree is snapshotted at that instant and put back once the command has unwound, so the disk holds
 * exactly what a kill -9 there would leave (the lock names a dead pid and is taken over).
 *
 * fast-check prints the seed and path of a failure; replay it with FUZZ_SEED=… FUZZ_PATH=…
 * (FUZZ_RUNS changes the number of runs).
 */
import { rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, it, vi } from 'vitest';
import { runAdvance } from '../../../src/commands/advance.js';
import { runRetry } from '../../../src/commands/retry.js';
import { runRollback } from '../../../src/commands/rollback.js';
import type { CommandResult } from '../../../src/output/command-result.js';
import { EXIT } from '../../../src/errors/catalogue.js';
import { toRolloutError } from '../../../src/errors/rollout-error.js';
import type { StepTarget } from '../../../src/lifecycle/apply-step.js';
import { createFakeClock } from '../../../src/lifecycle/clock.js';
import { plainStyle } from '../../../src/output/style.js';
import { auditHistoryOf } from '../../../src/state/audit-access.js';
import { CRASH_POINTS, type CrashPointName } from '../../../src/state/crash-points.js';
import type * as CrashPoints from '../../../src/state/crash-points.js';
import { FileStateStore } from '../../../src/state/file-store.js';
import type { ReleaseState } from '../../../src/state/types.js';
import { startHealthServer } from '../watch/setup.js';
import {
  deadPid,
  FLAG,
  initialPlan,
  makeProject,
  modelCtx,
  readServed,
  restoreTree,
  snapshotTree,
  writePlan,
  type PlanModel,
} from '../../helpers/lifecycle-model.js';

const crash = vi.hoisted(() => {
  class CrashError extends Error {}
  return { CrashError, at: null as string | null, fired: false, onFire: (): void => undefined };
});

vi.mock('../../../src/state/crash-points.js', async (importOriginal) => {
  const actual = await importOriginal<typeof CrashPoints>();
  return {
    ...actual,
    isCrashPointArmed: (name: string) => !crash.fired && crash.at === name,
    crashPoint: (name: string) => {
      // Once "dead", every later point throws too; whatever the command still writes is undone by the restore.
      if (!crash.fired && crash.at !== name) return;
      if (!crash.fired) crash.onFire();
      crash.fired = true;
      throw new crash.CrashError(`simulated kill -9 at ${name}`);
    },
  };
});

type Crash = CrashPointName | null;
type Cmd =
  | { kind: 'advance'; override: boolean; accept: boolean; crash: Crash }
  | { kind: 'rollback'; mode: 'immediate' | 'progressive' | 'full' | null; resume: boolean; crash: Crash }
  | { kind: 'retry'; from: number | null; override: boolean; crash: Crash }
  | { kind: 'edit'; edit: 'insert' | 'delete' | 'rename' | 'file'; pick: number }
  | { kind: 'tick'; minutes: number };
type RunCmd = Extract<Cmd, { crash: Crash }>;

const STATE_POINTS = CRASH_POINTS.filter((p) => !p.startsWith('advance:') && !p.startsWith('rollback:'));
/** One command in three dies: at a point of its own (advance:*, rollback:*) or of the state layer. */
const crashAt = (own: string): fc.Arbitrary<Crash> => {
  const mine = CRASH_POINTS.filter((p) => p.startsWith(own));
  const points = mine.length
    ? fc.oneof(
        { weight: 2, arbitrary: fc.constantFrom(...mine) },
        { weight: 1, arbitrary: fc.constantFrom(...STATE_POINTS) },
      )
    : fc.constantFrom(...STATE_POINTS);
  return fc.oneof({ weight: 2, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: points });
};
const cmdArb: fc.Arbitrary<Cmd> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('advance' as const),
      override: fc.integer({ min: 0, max: 3 }).map((n) => n > 0),
      accept: fc.boolean(),
      crash: crashAt('advance:'),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('rollback' as const),
      mode: fc.constantFrom('immediate' as const, 'progressive' as const, 'full' as const, null),
      resume: fc.integer({ min: 0, max: 3 }).map((n) => n === 0),
      crash: crashAt('rollback:'),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('retry' as const),
      from: fc.option(fc.nat(4), { freq: 2 }),
      override: fc.boolean(),
      crash: crashAt('retry:'),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('edit' as const),
      edit: fc.constantFrom('insert' as const, 'delete' as const, 'rename' as const, 'file' as const),
      pick: fc.nat(5),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('tick' as const), minutes: fc.integer({ min: 1, max: 600 }) }),
  },
);

/** Up to four plain `advance --override` first, so that later stages and their rollbacks are reached too. */
const WARM_UP: Cmd = { kind: 'advance', override: true, accept: false, crash: null };
const sequenceArb = fc
  .tuple(fc.integer({ min: 0, max: 4 }), fc.array(cmdArb, { minLength: 4, maxLength: 8, size: 'max' }))
  .map(([n, cmds]) => [...Array.from({ length: n }, () => WARM_UP), ...cmds]);

const RUNS = Number(process.env.FUZZ_RUNS ?? 25);
const replay = process.env.FUZZ_SEED
  ? { seed: Number(process.env.FUZZ_SEED), ...(process.env.FUZZ_PATH ? { path: process.env.FUZZ_PATH } : {}) }
  : {};

interface Outcome {
  cmd: RunCmd;
  exit: number;
  code?: string;
  result?: unknown;
  crashed: boolean;
}

interface World {
  dir: string;
  plan: PlanModel;
  healthUrl: string;
  cacheDir: string;
  clock: ReturnType<typeof createFakeClock>;
  /** Every flag file a plan of this run named: a rollback must leave none of them serving the new variant. */
  files: Set<string>;
  /** Files an advance stopped recording after `file:` moved (known gap, see the examples); skipped unless strict. */
  abandoned: Set<string>;
  /** A flag file served the kill switch at the last check (a ramp-down then re-exposes: known gap). */
  lastKill: boolean;
  /** A retry of a release that was not rolled back was killed after its state write (known gap). */
  retryGap: boolean;
  /** Check strictly, without the tolerances the random property still keeps (the examples below run strict). */
  strict: boolean;
  /** Commands since the last completed one (crashed ones), then the completed one. */
  window: Outcome[];
  rolledBack: boolean;
  served: number;
  tornTail: boolean;
  trace: string[];
  edits: number;
}

function fail(w: World, message: string): never {
  throw new Error(`${message}\n--- sequence ---\n${w.trace.join('\n')}`);
}

const readState = (w: World): Promise<ReleaseState | null> =>
  new FileStateStore({ dir: path.join(w.dir, '.rollout'), clock: w.clock }).read();

function stageIndex(plan: PlanModel, id: string | null | undefined): number {
  return id ? plan.stages.findIndex((s) => s.id === id) : -1;
}

async function applyEdit(w: World, cmd: Extract<Cmd, { kind: 'edit' }>): Promise<string> {
  const stages = [...w.plan.stages];
  const current = stageIndex(w.plan, (await readState(w))?.stage?.id);
  const n = ++w.edits;
  if (cmd.edit === 'insert') {
    const at = current >= 0 ? current : cmd.pick % stages.length;
    const lo = stages[at - 1]?.percent ?? 0;
    const hi = stages[at]!.percent;
    if (hi - lo < 2) return 'insert: no room';
    stages.splice(at, 0, {
      id: `n${n}`,
      percent: Math.floor((lo + hi) / 2),
      groups: stages[at - 1]?.groups ?? ['internal'],
    });
  } else if (cmd.edit === 'delete') {
    const others = stages.filter((_, i) => i !== current);
    if (stages.length < 2 || others.length === 0) return 'delete: nothing to delete';
    stages.splice(stages.indexOf(others[cmd.pick % others.length]!), 1);
  } else if (cmd.edit === 'rename') {
    const i = cmd.pick % stages.length;
    stages[i] = { ...stages[i]!, id: `r${n}` };
  } else {
    const file = cmd.pick % 3 === 0 ? 'flags/flags.json' : `flags/alt-${n}.json`;
    if (file === w.plan.file) return 'file: unchanged';
    w.plan = { ...w.plan, file };
    w.files.add(file);
  }
  w.plan = { ...w.plan, stages };
  await writePlan(w.dir, w.plan, w.healthUrl);
  return `${cmd.edit} → stages ${stages.map((s) => `${s.id}:${s.percent}`).join(',')} file ${w.plan.file}`;
}

async function runCommand(w: World, cmd: RunCmd): Promise<Outcome> {
  const ctx = modelCtx(w.dir, w.clock, w.cacheDir, []);
  let handler: (o: Record<string, unknown>, a: string[], c: typeof ctx) => Promise<CommandResult>;
  let options: Record<string, unknown>;
  if (cmd.kind === 'advance') {
    handler = runAdvance;
    options = {
      override: cmd.override,
      acceptConfigChange: cmd.accept,
      ...(cmd.override ? { reason: 'model: no Prometheus here' } : {}),
    };
  } else if (cmd.kind === 'rollback') {
    handler = runRollback;
    options = { ...(cmd.mode ? { mode: cmd.mode } : {}), resume: cmd.resume, reason: 'model rollback' };
  } else {
    handler = runRetry;
    const from = cmd.from === null ? undefined : w.plan.stages[cmd.from % w.plan.stages.length]!.id;
    options = { ...(from ? { from } : {}), override: cmd.override, ...(cmd.override ? { reason: 'model retry' } : {}) };
  }
  let snapshot: ReturnType<typeof snapshotTree> | null = null;
  Object.assign(crash, { at: cmd.crash, fired: false, onFire: () => (snapshot = snapshotTree(w.dir)) });
  try {
    const r = await handler(options, [], ctx);
    // What src/main.ts does with a result: the --json document and the human rendering.
    JSON.stringify(r.result);
    r.human(plainStyle);
    return { cmd, exit: r.exitCode, result: r.result, crashed: crash.fired };
  } catch (error) {
    if (crash.fired) return { cmd, exit: -1, crashed: true };
    const known = toRolloutError(error);
    if (!known)
      fail(
        w,
        `${cmd.kind} ended with an error that has no catalogue code (exit 70): ${(error as Error).stack ?? String(error)}`,
      );
    return { cmd, exit: known.exitCode, code: known.code, crashed: false };
  } finally {
    const fired = crash.fired;
    Object.assign(crash, { at: null, fired: false });
    if (fired && snapshot) {
      restoreTree(w.dir, snapshot, deadPid());
      if (cmd.crash === 'audit:torn-line') w.tornTail = true;
    }
  }
}

/** How far the served percentage may rise on `o` (null: it may not rise). */
function riseBound(w: World, pre: ReleaseState | null, o: Outcome): number | null {
  if (o.exit !== 0) return null;
  if (o.cmd.kind === 'advance') {
    const r = o.result as { moved: boolean; override: boolean; resumed: boolean; evidence: { outcome: string } | null };
    if (!r.moved || !(r.override || r.resumed || r.evidence?.outcome === 'go')) return null;
    const intent = pre?.intent?.kind === 'advance' ? (pre.intent.target as StepTarget) : null;
    if (intent) return intent.flags[FLAG]?.percent ?? 0;
    const at = pre?.phase === 'P2' ? stageIndex(w.plan, pre.stage?.id) : -1;
    return (at >= 0 ? w.plan.stages[at + 1] : w.plan.stages[0])?.percent ?? 0;
  }
  if (o.cmd.kind === 'retry') {
    if (o.cmd.override) return 100;
    const at = stageIndex(w.plan, pre?.rollback?.from?.stage ?? pre?.stage?.id);
    return w.plan.stages[Math.max(at, 0)]!.percent;
  }
  return null;
}

/** True when a flag file of the state serves the kill switch although the state does not know of it. */
async function hasUnknownKillSwitch(w: World, state: ReleaseState | null): Promise<boolean> {
  const f = state?.flags[FLAG];
  if (!state || !f || f.killSwitch || state.status === 'rolled-back') return false;
  for (const file of new Set([w.plan.file, f.file ?? w.plan.file]))
    if ((await readServed(w.dir, file)).killSwitch) return true;
  return false;
}

async function checkInvariants(w: World, pre: ReleaseState | null, o: Outcome, preKill: boolean): Promise<void> {
  const store = new FileStateStore({ dir: path.join(w.dir, '.rollout'), clock: w.clock });
  const post = await store.read().catch((e: Error) => fail(w, `state unreadable after ${o.cmd.kind}: ${e.message}`));
  const f = post?.flags[FLAG];
  w.trace.push(
    `    state: ${post?.status ?? 'none'} ${post?.phase ?? '-'}/${post?.stage?.id ?? '-'} ${f ? `${f.percent} %${f.killSwitch ? ' killed' : ''} in ${f.file}` : ''}${post?.rollback && !post.rollback.completedAt ? ' (rollback open)' : ''}${post?.intent ? ' (intent)' : ''}`,
  );
  const moved = o.cmd.kind === 'advance' && o.exit === 0 && (o.result as { moved: boolean }).moved;
  const before = pre?.flags[FLAG]?.file;
  if (moved && !w.strict && before && before !== f?.file && before !== w.plan.file) w.abandoned.add(before);
  // Without Prometheus there is no canary verdict: a stage is left only with --override.
  const r = o.result as { step?: { kind: string }; override?: boolean; resumed?: boolean } | undefined;
  if (moved && (r?.step?.kind === 'next-stage' || r?.step?.kind === 'finish-rollout') && !r.override && !r.resumed)
    fail(w, `(2) advance left a stage (${r.step.kind}) without a canary verdict or --override`);
  // An advance never takes a step while a rollback's kill switch is on in the flag file.
  if (moved && preKill)
    fail(
      w,
      `(1) advance moved the release (${post?.status} ${post?.phase}/${post?.stage?.id ?? '-'}) while its flag file served the kill switch of an interrupted rollback`,
    );
  const servedBy = new Map<string, Awaited<ReturnType<typeof readServed>>>();
  for (const file of w.files) servedBy.set(file, await readServed(w.dir, file));

  // (1) The flag files agree with the state (an interrupted step or ramp-down may be ahead of it).
  const killed = post?.status === 'rolled-back' || f?.killSwitch === true;
  const intent = post?.intent?.kind === 'advance' ? (post.intent.target as StepTarget).flags[FLAG] : undefined;
  const ramp = post?.rollback && !post.rollback.completedAt ? (post.rollback.steps ?? []).map((s) => s.percent) : [];
  const allowed = [f?.percent ?? 0, ...(intent ? [intent.percent] : []), ...ramp];
  const recorded = f?.file ?? w.plan.file;
  for (const file of new Set([w.plan.file, recorded])) {
    const s = servedBy.get(file)!;
    // The safe side: a rollback killed before it recorded its kill switch, or a retry killed between
    // its state write and its flag write. The next rollback records it, retry finishes; and an
    // advance must refuse to move under it (checked above).
    if (s.killSwitch && s.newVariantUsers === 0) continue;
    if (killed && s.newVariantUsers > 0)
      fail(
        w,
        `(1) ${file} serves ${s.example} the new variant, but the state has the kill switch on (${post?.status})`,
      );
    if (killed) continue;
    if (!f && !intent) {
      if (s.newVariantUsers > 0)
        fail(w, `(1) ${file} serves ${s.example} the new variant before the state has rolled the flag out`);
      continue;
    }
    if (s.metaPercent === null) {
      if (file === recorded && f)
        fail(w, `(1) ${file}, the state's flag file, has no rollout of ${FLAG} (state: ${f.percent} %)`);
      continue;
    }
    const groups = [f?.groups ?? [], intent?.groups].filter((g) => g !== undefined).map((g) => [...g].sort().join(','));
    const agrees = allowed.includes(s.metaPercent) && groups.includes([...s.metaGroups].sort().join(','));
    if (!agrees && w.retryGap) continue;
    if (file === recorded) w.retryGap = false;
    if (!allowed.includes(s.metaPercent))
      fail(w, `(1) ${file} is at ${s.metaPercent} %, the state at ${allowed.join(' or ')} %`);
    if (!groups.includes([...s.metaGroups].sort().join(',')))
      fail(w, `(1) ${file} serves groups [${s.metaGroups.join(', ')}], the state [${groups.join('] or [')}]`);
  }

  // (2) The served percentage rises only by an advance with evidence or --override, or a retry.
  const served = Math.max(...[...servedBy.values()].map((s) => s.percent));
  const since = w.window.map((x) => `${x.cmd.kind}${x.crashed ? ' (killed)' : ` (exit ${x.exit})`}`).join(', ');
  const rampAfterKill =
    !w.strict &&
    w.lastKill &&
    w.window.some((x) => x.cmd.kind === 'rollback' && (x.cmd.mode === 'progressive' || x.cmd.resume));
  if (
    served > w.served &&
    !rampAfterKill &&
    !w.window.some((x) => x.crashed && (x.cmd.kind === 'advance' || x.cmd.kind === 'retry'))
  ) {
    const bound = riseBound(w, pre, o);
    if (bound === null) fail(w, `(2) the served percentage rose ${w.served} → ${served} over: ${since}`);
    if (served > bound)
      fail(w, `(2) ${o.cmd.kind} raised the served percentage ${w.served} → ${served}, beyond ${bound}`);
  }
  w.served = served;
  w.lastKill = [w.plan.file, recorded].some((file) => servedBy.get(file)?.killSwitch);

  // (3) Rolled back: the fallback for every evaluated user in every flag file, until a retry.
  const retried = w.window.some((x) => x.cmd.kind === 'retry' && (x.crashed || x.exit === 0));
  w.rolledBack = post?.status === 'rolled-back' || (w.rolledBack && !retried);
  if (w.rolledBack) {
    for (const [file, s] of servedBy)
      if (s.newVariantUsers > 0 && !w.abandoned.has(file))
        fail(
          w,
          `(3) rolled back, but ${file} serves the new variant to ${s.newVariantUsers} evaluated context(s), e.g. ${s.example}`,
        );
  }

  // (4) The audit chain verifies; a committed step is in the log (or said to be pending).
  const v = await auditHistoryOf(store).verify();
  const bad = v.problems.filter((p) => p.kind !== 'truncated-tail' || !w.tornTail);
  if (bad.length) fail(w, `(4) audit log: ${bad.map((p) => `${p.kind} line ${p.line}: ${p.message}`).join('; ')}`);
  const pending = (o.result as { auditPending?: string } | undefined)?.auditPending;
  if (o.exit === 0 && post && post.serial !== (pre?.serial ?? 0) && !pending) {
    const audited = await auditHistoryOf(store).lastAuditedSerial();
    if (audited < post.serial)
      fail(w, `(4) state serial ${post.serial} committed, the audit log ends at serial ${audited}`);
  }
}

async function runSequence(cmds: Cmd[], healthUrl: string, cacheDir: string, strict = false): Promise<void> {
  const plan = initialPlan();
  const w: World = {
    dir: await makeProject(plan, healthUrl),
    plan,
    healthUrl,
    cacheDir,
    clock: createFakeClock(),
    files: new Set([plan.file]),
    abandoned: new Set(),
    lastKill: false,
    retryGap: false,
    strict,
    window: [],
    rolledBack: false,
    served: 0,
    tornTail: false,
    trace: [],
    edits: 0,
  };
  try {
    for (const cmd of cmds) {
      if (cmd.kind === 'tick') {
        w.clock.advance(cmd.minutes * 60_000);
        w.trace.push(`tick ${cmd.minutes}m`);
        continue;
      }
      if (cmd.kind === 'edit') {
        w.trace.push(`edit ${await applyEdit(w, cmd)}`);
        continue;
      }
      const pre = await readState(w).catch(() => null);
      const preKill = cmd.kind === 'advance' && (await hasUnknownKillSwitch(w, pre));
      const o = await runCommand(w, cmd);
      w.trace.push(`${JSON.stringify(cmd)} → ${o.crashed ? 'CRASHED' : `exit ${o.exit}${o.code ? ` ${o.code}` : ''}`}`);
      // (5) No command ends as an internal error.
      if (o.exit === EXIT.internal) fail(w, `(5) ${cmd.kind} ended with exit 70`);
      w.window.push(o);
      // retry re-runs on any release whose last step was a retry, and writes the flag file after the
      // state; killed in between, the file keeps serving the earlier stage (not the kill switch).
      if (o.crashed && cmd.kind === 'retry' && pre?.status !== 'rolled-back' && !w.strict) w.retryGap = true;
      if (o.crashed) continue;
      await checkInvariants(w, pre, o, preKill);
      w.window = [];
    }
  } finally {
    rmSync(w.dir, { recursive: true, force: true });
  }
}

let health: Awaited<ReturnType<typeof startHealthServer>>;
let cacheDir: string;
beforeAll(async () => {
  health = await startHealthServer();
  cacheDir = await mkdtemp(path.join(tmpdir(), 'rollout-model-cache-'));
});
afterAll(async () => {
  await health.close();
  rmSync(cacheDir, { recursive: true, force: true });
});

describe('release state machine model (advance / rollback / retry / crashes / plan edits)', () => {
  it('keeps flag files, state, served percentages and the audit log consistent', { timeout: 300_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(sequenceArb, (cmds) => runSequence(cmds, `${health.url}/health`, cacheDir)),
      { numRuns: RUNS, verbose: 1, ...replay },
    );
  });
});

// Minimal sequences the property found, kept as examples.
const OVERRIDE: Cmd = { kind: 'advance', override: true, accept: true, crash: null };
const TO_S1 = [WARM_UP, WARM_UP, WARM_UP];

describe('release state machine model: examples', () => {
  const killedRollback: Cmd = { kind: 'rollback', mode: 'immediate', resume: false, crash: 'rollback:after-flags' };

  it('a rollback killed after its kill switch: advance does not finish the release under it', async () => {
    await runSequence([...TO_S1, WARM_UP, WARM_UP, killedRollback, OVERRIDE], `${health.url}/health`, cacheDir);
  });

  // Found by the model: after an immediate rollback whose state was not recorded (killed, or the lock
  // was busy), a progressive rollback planned from the state's percentage turned the kill switch off
  // again for its first steps. A ramp-down that finds the kill switch in the file now keeps it.
  it('a progressive rollback never serves more than the kill switch it finds', async () => {
    const killedRamp: Cmd = { kind: 'rollback', mode: 'progressive', resume: false, crash: 'rollback:after-step' };
    const refused: Cmd = { ...OVERRIDE, accept: false };
    await runSequence([...TO_S1, killedRollback, refused, killedRamp, refused], `${health.url}/health`, cacheDir, true);
  });

  // Found by the model: retry treated any release whose last step was a retry as an unfinished retry and
  // re-ran on a re-opened release; killed between its writes it left the file on the earlier stage. Now
  // only a retry whose flag file still shows the kill switch is finished, from the state as it is.
  it('a retry killed after its state write leaves the flag file on the safe side', async () => {
    const rollback: Cmd = { kind: 'rollback', mode: 'immediate', resume: false, crash: null };
    const retry: Cmd = { kind: 'retry', from: null, override: false, crash: null };
    const killedRetry: Cmd = { kind: 'retry', from: 0, override: false, crash: 'state:after-dir-fsync' };
    const wait: Cmd = { kind: 'advance', override: false, accept: false, crash: null };
    await runSequence([...TO_S1, OVERRIDE, rollback, retry, killedRetry, wait], `${health.url}/health`, cacheDir, true);
  });

  // Found by the model: the state remembered one file per flag, so after `file:` moved and an advance
  // wrote the new file, a rollback switched off only the new one. Every file written is now recorded.
  it('a rollback switches off the flag file the plan used before `file:` moved and an advance', async () => {
    const moveFile: Cmd = { kind: 'edit', edit: 'file', pick: 1 };
    const rollback: Cmd = { kind: 'rollback', mode: 'immediate', resume: false, crash: null };
    await runSequence([...TO_S1, moveFile, OVERRIDE, rollback], `${health.url}/health`, cacheDir, true);
  });
});
