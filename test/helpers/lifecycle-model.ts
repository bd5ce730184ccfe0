/**
 * The world of the release state-machine model test (test/integration/state/lifecycle-model.test.ts):
 * a temporary project whose plan can be edited between commands, a Ctx built the way src/main.ts
 * builds one (with a fake clock), simulated kill -9 crashes, and what the flag files actually serve.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Ctx } from '../../src/context.js';
import { evaluateShare } from '../../src/flags/evaluate.js';
import { readRolloutShape } from '../../src/flags/rollout-shape.js';
import type { FlagdDocument } from '../../src/flags/types.js';
import type { FakeClock } from '../../src/lifecycle/clock.js';
import { createRedactor } from '../../src/output/redact.js';
import { miniPlan } from './mini-plan.js';

export const FLAG = 'reserves_v1.1';
export const NEW_VARIANT = 'reserves_v1.1';
export const GROUPS = ['internal', 'beta_users'];
/** Sample users evaluated per group set: every one must get the fallback after a rollback. */
export const SAMPLE_KEYS = Array.from({ length: 500 }, (_, i) => `user-${i}`);

export interface StageModel {
  id: string;
  percent: number;
  groups: string[];
}

/** The parts of the plan the test edits mid-release. */
export interface PlanModel {
  stages: StageModel[];
  file: string;
}

export function initialPlan(): PlanModel {
  return {
    stages: [
      { id: 's1', percent: 10, groups: ['internal'] },
      { id: 's2', percent: 50, groups: ['internal', 'beta_users'] },
      { id: 's3', percent: 100, groups: ['internal', 'beta_users'] },
    ],
    file: 'flags/flags.json',
  };
}

const ROLLBACK = `  defaultMode: immediate
  progressive: { over: 5m, steps: 3 }
  full: { healthChecks: [health-endpoint], deadline: 30s, interval: 10s }`;

/** The mini plan with this model's stages and flag file. */
export function planText(plan: PlanModel, healthUrl: string): string {
  const stages = plan.stages
    .map((s) => `        - { id: ${s.id}, percent: ${s.percent}, groups: [${s.groups.join(', ')}], bake: 0s }`)
    .join('\n');
  const text = miniPlan({ healthUrl, rollback: ROLLBACK })
    .replace(/( {6}stages:\n)(?: {8}- .*\n)+/, `$1${stages}\n`)
    .replace('file: flags/flags.json', `file: ${plan.file}`);
  if (!text.includes(stages) || !text.includes(`file: ${plan.file}`))
    throw new Error('planText: the mini plan changed shape');
  return text;
}

export async function writePlan(dir: string, plan: PlanModel, healthUrl: string): Promise<void> {
  await writeFile(path.join(dir, 'rollout.yaml'), planText(plan, healthUrl));
}

export async function makeProject(plan: PlanModel, healthUrl: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'rollout-model-'));
  await writePlan(dir, plan, healthUrl);
  return dir;
}

/** A Ctx as src/main.ts builds it for `--json`, with the fake clock instead of the system clock. */
export function modelCtx(dir: string, clock: FakeClock, cacheDir: string, lines: string[]): Ctx {
  const env = { PATH: process.env.PATH ?? '', XDG_CACHE_HOME: cacheDir, ROLLOUT_ACTOR: 'model' };
  return {
    cwd: dir,
    env,
    clock,
    actor: 'model',
    global: { config: 'rollout.yaml', json: true, color: false },
    progress: (l) => lines.push(l),
    isTTY: false,
    redact: createRedactor(env),
  };
}

/** A pid that belonged to a process which has exited: what a lock left by a killed command records. */
export function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '0']);
  if (!child.pid) throw new Error('deadPid: could not spawn');
  return child.pid;
}

interface Entry {
  rel: string;
  mode: number;
  data?: Buffer;
}

/**
 * Every file and directory of the project as it is right now. Taken synchronously inside a crash
 * point, it is exactly what a `kill -9` at that point leaves on disk.
 */
export function snapshotTree(root: string): Entry[] {
  const out: Entry[] = [];
  const walk = (rel: string) => {
    for (const name of readdirSync(path.join(root, rel))) {
      const r = path.join(rel, name);
      const st = statSync(path.join(root, r));
      if (st.isDirectory()) {
        out.push({ rel: r, mode: st.mode & 0o777 });
        walk(r);
      } else out.push({ rel: r, mode: st.mode & 0o777, data: readFileSync(path.join(root, r)) });
    }
  };
  walk('');
  return out;
}

/**
 * Puts the snapshot back (whatever the interrupted command did after the crash point is undone).
 * The locks and scratch files the "killed" command held name this live process; they are rewritten
 * to a dead pid, so the next command takes the lock over (and audits the takeover) as it would.
 */
export function restoreTree(root: string, entries: Entry[], pid: number): void {
  for (const name of readdirSync(root)) rmSync(path.join(root, name), { recursive: true, force: true });
  for (const e of entries) {
    const abs = path.join(root, e.rel);
    if (!e.data) mkdirSync(abs, { mode: e.mode });
    else writeFileSync(abs, e.data, { mode: e.mode });
    chmodSync(abs, e.mode);
  }
  // The release lock (lock.json) and the audit append lock (audit.jsonl.lock).
  for (const e of entries) {
    if (!e.data || !/(^|[./])lock(\.json)?$/.test(path.basename(e.rel))) continue;
    let info: { pid?: number };
    try {
      info = JSON.parse(e.data.toString('utf8')) as { pid?: number };
    } catch {
      continue; // an unreadable lock names nobody; the store treats it as held
    }
    if (info.pid === process.pid)
      writeFileSync(path.join(root, e.rel), JSON.stringify({ ...info, pid }), { mode: e.mode });
  }
  for (const e of entries) {
    const base = path.basename(e.rel);
    if (!e.data || !base.includes(`.tmp-${process.pid}-`)) continue;
    renameSync(
      path.join(root, e.rel),
      path.join(root, path.dirname(e.rel), base.replace(`.tmp-${process.pid}-`, `.tmp-${pid}-`)),
    );
  }
}

/** What one flag file serves for the flag, read from disk and evaluated with flagd-core. */
export interface Served {
  exists: boolean;
  killSwitch: boolean;
  /** `rollout.stage_percent` (kept under the kill switch, for an undo). */
  metaPercent: number | null;
  metaGroups: string[];
  /** Percent actually served: 0 under the kill switch or without the flag. */
  percent: number;
  /** Sample users (no group, each group, all groups) that got the new variant. */
  newVariantUsers: number;
  example?: string;
}

export async function readServed(dir: string, file: string): Promise<Served> {
  let doc: FlagdDocument;
  try {
    doc = JSON.parse(await readFile(path.join(dir, file), 'utf8')) as FlagdDocument;
  } catch {
    return { exists: false, killSwitch: false, metaPercent: null, metaGroups: [], percent: 0, newVariantUsers: 0 };
  }
  const flag = doc.flags?.[FLAG];
  const shape = flag ? readRolloutShape(flag) : null;
  let newVariantUsers = 0;
  let example: string | undefined;
  for (const groups of [undefined, ...GROUPS.map((g) => [g]), GROUPS]) {
    const share = evaluateShare(doc, FLAG, SAMPLE_KEYS, {
      variant: NEW_VARIANT,
      collectKeys: true,
      ...(groups ? { groups } : {}),
    });
    newVariantUsers += share.withNewVariant;
    const first = share.keysWithNewVariant?.[0];
    if (first) example ??= `${first}${groups ? ` in ${groups.join('+')}` : ''}`;
  }
  const killSwitch = shape?.killSwitch ?? false;
  return {
    exists: true,
    killSwitch,
    metaPercent: shape ? shape.stagePercent : null,
    metaGroups: shape?.groups ?? [],
    percent: shape && !killSwitch ? shape.stagePercent : 0,
    newVariantUsers,
    ...(example ? { example } : {}),
  };
}
