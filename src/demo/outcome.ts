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

/** The flag as it is at the end, evaluated for every simulated user (flagd-core, or Unleash's evaluation). */
export async function evaluateFinalFlag(w: DemoWorld): Promise<DemoResult['finalFlag']> {
  const flag = w.loaded.config.flags[0];
  if (!flag) return { allFallback: false, usersOnNewVariant: 0, users: [] };
  if (w.unleash) return evaluateFinalToggle(w, flag);
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

/**
 * The Unleash toggle at the end: read back through the admin API, every user evaluated as the application
 * did, and one user of each kind explained by the provider exactly as `rollout flags eval` explains them.
 */
async function evaluateFinalToggle(
  w: DemoWorld,
  flag: DemoWorld['loaded']['config']['flags'][number],
): Promise<DemoResult['finalFlag']> {
  const [{ openProvider }, { toProviderFlag }, { canonicalEnvironment }] = await Promise.all([
    import('../flags/providers/registry.js'),
    import('../lifecycle/flag-sync.js'),
    import('../flags/providers/unleash-api.js'),
  ]);
  const provider = await openProvider('unleash', { planDir: w.loaded.dir, env: w.ctx.env, redact: w.ctx.redact });
  const pf = toProviderFlag(w.loaded.config, flag);
  const text = await w.flagReader.read();
  const onNew = (w.flagReader.assign(text, w.app.users) ?? new Uint8Array()).reduce((n, x) => n + x, 0);
  const users: FlagUserEvaluation[] = [];
  for (const u of pickUsers(w.app.users)) {
    const e = await provider.explain(pf, { targetingKey: u.key, groups: u.groups });
    users.push({ key: u.key, groups: u.groups, variant: e.variant, reason: e.reason, detail: e.detail });
  }
  const env =
    text === null ? null : canonicalEnvironment(JSON.parse(text) as Parameters<typeof canonicalEnvironment>[0]);
  return {
    allFallback: text !== null && onNew === 0 && users.every((u) => u.variant === flag.variants.fallback),
    usersOnNewVariant: onNew,
    users,
    toggle: env && {
      enabled: env.enabled,
      strategies: env.strategies.map(({ title, rollout, constraints }) => ({ title, rollout, constraints })),
    },
  };
}
