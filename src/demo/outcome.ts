import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { evaluateFlag } from '../flags/evaluate.js';
import type { FlagdDocument } from '../flags/types.js';
import { plainStyle } from '../output/style.js';
import { assignVariants, type SimulatedUser } from './app.js';
import type { DemoWorld } from './steps.js';
import type { DemoResult, FlagUserEvaluation } from './types.js';

/** `rollout log` and `rollout log --verify` on the demo's state, as a user would run them. */
export async function readAudit(w: DemoWorld): Promise<DemoResult['audit']> {
  const { runLog } = await import('../commands/log.js');
  const log = await runLog({ limit: 10_000 }, [], w.ctx);
  const verify = await runLog({ verify: true, limit: 10_000 }, [], w.ctx);
  const v = verify.result.verification;
  const audit = {
    entries: log.result.total,
    ops: log.result.entries.map((e) => e.op),
    verified: verify.exitCode === 0 && v !== undefined && !v.tampered && v.problems.length === 0,
    head: v?.head ?? null,
    lines: log.human(plainStyle).split('\n'),
  };
  w.narrate(
    `rollout log --verify: ${audit.verified ? 'the hash chain verifies' : 'the audit log does NOT verify'} (${audit.entries} entries)`,
  );
  return audit;
}

/** One user of each kind: internal, beta, and two without a group. */
function pickUsers(users: readonly SimulatedUser[]): SimulatedUser[] {
  const first = (test: (u: SimulatedUser) => boolean) => users.find(test);
  const plain = users.filter((u) => u.groups.length === 0).slice(0, 2);
  return [first((u) => u.groups.includes('internal')), first((u) => u.groups.includes('beta_users')), ...plain].filter(
    (u): u is SimulatedUser => u !== undefined,
  );
}

async function readFlagDocument(file: string): Promise<FlagdDocument | null> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as FlagdDocument;
  } catch {
    return null;
  }
}

/** The flag file as it is at the end, evaluated with flagd-core for every simulated user. */
export async function evaluateFinalFlag(w: DemoWorld): Promise<DemoResult['finalFlag']> {
  const flag = w.loaded.config.flags[0];
  if (!flag) return { allFallback: false, usersOnNewVariant: 0, users: [] };
  const doc = await readFlagDocument(path.resolve(w.loaded.dir, flag.file));
  if (!doc) return { allFallback: false, usersOnNewVariant: 0, users: [] };
  const onNew = assignVariants(doc, flag.key, w.app.users, flag.variants.new).reduce((n, x) => n + x, 0);
  const users: FlagUserEvaluation[] = pickUsers(w.app.users).map((u) => {
    const e = evaluateFlag(doc, flag.key, { targetingKey: u.key, groups: u.groups });
    return { key: u.key, groups: u.groups, variant: e.variant, reason: e.reason, detail: e.detail };
  });
  return {
    allFallback: onNew === 0 && users.every((u) => u.variant === flag.variants.fallback),
    usersOnNewVariant: onNew,
    users,
  };
}
