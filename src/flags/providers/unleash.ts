import { digestText } from '../flag-store.js';
import { ProviderHandEditError } from './errors.js';
import { explainUnleash } from './unleash-evaluate.js';
import { PROVIDERS } from './registry.js';
import type { FlagPosition, FlagProvider, ProviderContext, ProviderFlag, ProviderWrite, ServedFlag } from './types.js';
import {
  canonicalEnvironment as canonical,
  createUnleashApi,
  GROUPS_TITLE,
  STAGE_TITLE,
  unleashOptionsOf,
  UnleashUnavailableError,
  type EnvironmentView,
  type Strategy,
  type UnleashOptions,
} from './unleash-api.js';

export { GROUPS_TITLE, STAGE_TITLE, UnleashUnavailableError, type UnleashOptions } from './unleash-api.js';

/**
 * The Unleash provider: one feature toggle per flag in a project and environment, written through
 * Unleash's admin HTTP API with Node's fetch (no client library). Mapping:
 *
 * - the stage is a `flexibleRollout` strategy titled `rollout:stage` with the stage percent, stickiness on
 *   the bucketing attribute and `groupId` = the flag key, so cohorts nest as the percentage grows;
 * - groups are a second `flexibleRollout` at 100 % titled `rollout:groups` with an `IN` constraint on the
 *   group attribute (one group per context value: Unleash compares the whole string);
 * - the kill switch turns the toggle off in the environment and keeps both strategies, so releasing it
 *   serves the same users again. Applications evaluate `isEnabled(key)`: on → new variant, off → fallback.
 *
 * What rollout wrote is tagged by the strategy titles: a strategy with another title (added in the UI) or
 * a tagged one edited by hand makes the write refuse with UnleashHandEditError, never overwrite it.
 * URL and admin token come from the environment only (UNLEASH_URL, UNLEASH_ADMIN_TOKEN or the names in
 * the options) and never appear in an error: messages name the variable, not its value.
 */
/** The toggle holds something rollout did not write: reported with a diff, never overwritten. */
export class UnleashHandEditError extends ProviderHandEditError {
  constructor(location: string, diff: string[]) {
    super(location, diff);
    this.name = 'UnleashHandEditError';
  }
}

/**
 * The provider the registry opens: each flag's `flags[].unleash` (its `settings`) says where its toggle lives,
 * so flags in different projects or environments each get their own client.
 */
export function createUnleashPlanProvider(ctx: ProviderContext): FlagProvider {
  const byOptions = new Map<string, FlagProvider>();
  const forFlag = (flag: ProviderFlag): FlagProvider => {
    const options = unleashOptionsOf(flag.settings);
    const id = JSON.stringify(options);
    let p = byOptions.get(id);
    if (!p) byOptions.set(id, (p = createUnleashProvider(ctx, options)));
    return p;
  };
  return {
    kind: 'unleash',
    capabilities: PROVIDERS.unleash.capabilities,
    async writeStage(entries, opts) {
      const out: ProviderWrite[] = [];
      for (const e of entries) out.push(...(await forFlag(e.flag).writeStage([e], opts)));
      return out;
    },
    readServed: (flag) => forFlag(flag).readServed(flag),
    explain: (flag, context) => forFlag(flag).explain(flag, context),
    storedDigest: (flag) => forFlag(flag).storedDigest(flag),
    handEdits: (flag, position) => forFlag(flag).handEdits?.(flag, position) ?? Promise.resolve([]),
  };
}

export function createUnleashProvider(ctx: ProviderContext, options: UnleashOptions): FlagProvider {
  const api = createUnleashApi(ctx, options);
  const { call, envPath, readEnvironment } = api;
  const stickiness = api.options.stickiness;
  const locationOf = (key: string) => `unleash:${options.project}/${options.environment}/${key}`;

  async function ensureContextField(name: string): Promise<void> {
    try {
      await call('GET', `/context/${encodeURIComponent(name)}`);
    } catch (error) {
      if (!(error instanceof UnleashUnavailableError && error.status === 404)) throw error;
      await call('POST', '/context', {
        name,
        description: 'the groups rollout targets (one group per context value)',
        stickiness: false,
      });
    }
  }

  function wanted(flag: ProviderFlag, position: FlagPosition): EnvironmentView {
    const groups = [...new Set(position.groups)].sort();
    const strategies: Strategy[] = [
      {
        name: 'flexibleRollout',
        title: STAGE_TITLE,
        parameters: { rollout: String(position.percent), stickiness, groupId: flag.key },
        constraints: [],
      },
    ];
    if (groups.length)
      strategies.push({
        name: 'flexibleRollout',
        title: GROUPS_TITLE,
        parameters: { rollout: '100', stickiness, groupId: flag.key },
        constraints: [{ contextName: flag.groupAttribute, operator: 'IN', values: groups }],
      });
    return { enabled: !position.killSwitch, strategies };
  }

  /** Lines that differ between what is there and what rollout wrote last (only rollout's own strategies may be there). */
  function foreign(current: EnvironmentView): string[] {
    return current.strategies
      .filter((s) => s.title !== STAGE_TITLE && s.title !== GROUPS_TITLE)
      .map(
        (s) =>
          `+ strategy ${s.name}${s.title ? ` "${s.title}"` : ''} ${JSON.stringify(s.parameters ?? {})} (not written by rollout)`,
      );
  }

  async function writeOne(flag: ProviderFlag, position: FlagPosition, dryRun: boolean): Promise<ProviderWrite> {
    let current = await readEnvironment(flag.key);
    const target = wanted(flag, position);
    const before = current ? canonical(current) : null;
    const after = canonical(target);
    const changes = diffLines(before, after);
    const sha256 = digestText(JSON.stringify(after));
    const base = {
      location: locationOf(flag.key),
      flags: [flag.key],
      sha256,
      diff: { changes: changes.map((c) => ({ flag: flag.key, field: 'unleash', before: null, after: c })) },
    } as unknown as ProviderWrite;
    if (current) {
      const alien = foreign(current);
      if (alien.length) throw new UnleashHandEditError(base.location, alien);
    }
    if (!changes.length || dryRun) return { ...base, changed: changes.length > 0, written: false };
    // Unleash refuses a constraint on a context field it does not know: create it before the first change.
    if (position.groups.length) await ensureContextField(flag.groupAttribute);
    if (!current) {
      await call('POST', `/projects/${encodeURIComponent(options.project)}/features`, {
        name: flag.key,
        type: 'release',
        description: `rolled out by rollout (${String(flag.metadata.release ?? '')})`,
        impressionData: false,
      });
      current = { enabled: false, strategies: [] };
    }
    for (const s of target.strategies) {
      const existing = current.strategies.find((c) => c.title === s.title);
      if (existing?.id) await call('PUT', `${envPath(flag.key)}/strategies/${existing.id}`, s);
      else await call('POST', `${envPath(flag.key)}/strategies`, s);
    }
    for (const old of current.strategies)
      if (old.id && !target.strategies.some((s) => s.title === old.title))
        await call('DELETE', `${envPath(flag.key)}/strategies/${old.id}`);
    if (current.enabled !== target.enabled) await call('POST', `${envPath(flag.key)}/${target.enabled ? 'on' : 'off'}`);
    return { ...base, changed: true, written: true };
  }

  return {
    kind: 'unleash',
    capabilities: PROVIDERS.unleash.capabilities,
    async writeStage(entries, opts) {
      const out: ProviderWrite[] = [];
      for (const e of entries) out.push(await writeOne(e.flag, e.position, opts.dryRun));
      return out;
    },
    async readServed(flag) {
      const env = await readEnvironment(flag.key);
      if (!env) return null;
      const stage = env.strategies.find((s) => s.title === STAGE_TITLE);
      const groups = env.strategies.find((s) => s.title === GROUPS_TITLE)?.constraints?.[0]?.values ?? [];
      const served: ServedFlag = {
        newVariant: flag.newVariant,
        fallbackVariant: flag.fallbackVariant,
        percent: Number(stage?.parameters?.rollout ?? 0),
        groups: [...groups].sort(),
        killSwitch: !env.enabled,
      };
      return served;
    },
    async explain(flag, context) {
      return explainUnleash(flag, await readEnvironment(flag.key), context, stickiness);
    },
    async storedDigest(flag) {
      const env = await readEnvironment(flag.key);
      return env ? digestText(JSON.stringify(canonical(env))) : null;
    },
    async handEdits(flag, position) {
      const env = await readEnvironment(flag.key);
      if (!env) return [`the toggle ${flag.key} is gone from project ${options.project} (deleted outside rollout)`];
      const there = canonical(env);
      const wrote = canonical(wanted(flag, position));
      return [...foreign(env), ...diffLines(wrote, there).map((l) => `${l} (rollout wrote the left side)`)];
    },
  };
}

function diffLines(before: ReturnType<typeof canonical> | null, after: ReturnType<typeof canonical>): string[] {
  if (!before) return [`create toggle: ${JSON.stringify(after)}`];
  const out: string[] = [];
  if (before.enabled !== after.enabled) out.push(`enabled: ${before.enabled} → ${after.enabled}`);
  const titles = new Set([...before.strategies, ...after.strategies].map((s) => s.title));
  for (const t of titles) {
    const a = JSON.stringify(before.strategies.find((s) => s.title === t) ?? null);
    const b = JSON.stringify(after.strategies.find((s) => s.title === t) ?? null);
    if (a !== b) out.push(`${t}: ${a} → ${b}`);
  }
  return out;
}
