import path from 'node:path';
import type { RawConfig } from '../config/schema.js';
import { createFileFlagStore } from '../flags/flag-store.js';
import { diffDocuments, type FlagDiff } from '../flags/diff.js';
import { readRolloutShape } from '../flags/rollout-shape.js';
import { locationOf, openProvider } from '../flags/providers/registry.js';
import type { ProviderFlag, PublishOutcome } from '../flags/providers/types.js';
import type { FlagdMetadata, FlagSpec } from '../flags/types.js';
import type { FlagState } from '../state/types.js';

/**
 * The flag files `rollout` owns, computed from the plan and the state's flag positions. Flags the
 * release has not touched yet serve the fallback to everyone (0 %, no groups).
 * Only the light flag modules are imported here: flagd-core (the evaluator) is heavy and not needed
 * to write a file. Writes go through each flag's provider (src/flags/providers/).
 */
export function flagSpecsFor(config: RawConfig, flags: Record<string, FlagState>): Map<string, FlagSpec[]> {
  const byFile = new Map<string, FlagSpec[]>();
  for (const flag of config.flags) {
    if (flag.provider !== 'flagd-file') continue;
    const state = flags[flag.key];
    const spec: FlagSpec = {
      key: flag.key,
      newVariant: flag.variants.new,
      fallbackVariant: flag.variants.fallback,
      percent: state?.percent ?? 0,
      groups: state?.groups ?? [],
      groupAttribute: flag.groupAttribute,
      killSwitch: state?.killSwitch ?? false,
      metadata: flagMetadata(config, flag),
    };
    byFile.set(flag.file, [...(byFile.get(flag.file) ?? []), spec]);
  }
  return byFile;
}

/** The flat metadata written with every flag: the release and the monitoring thresholds. */
function flagMetadata(config: RawConfig, flag: RawConfig['flags'][number]): FlagdMetadata {
  const monitoring = flag.monitoring ?? {};
  const metadata: FlagdMetadata = { release: config.release };
  if (monitoring.completionRateThreshold !== undefined)
    metadata['monitoring.completion_rate_threshold'] = monitoring.completionRateThreshold;
  if (monitoring.errorRateThreshold !== undefined)
    metadata['monitoring.error_rate_threshold'] = monitoring.errorRateThreshold;
  if (monitoring.latencyThreshold !== undefined) metadata['monitoring.latency_threshold'] = monitoring.latencyThreshold;
  return metadata;
}

export interface FlagWrite {
  file: string;
  changed: boolean;
  diff: FlagDiff;
  /** sha256 of the document the file holds now (or would, in a dry run): what the state records. */
  sha256: string;
  /** The file's `publish` run, when it has one and it ran. */
  publish?: PublishOutcome;
}

/** How syncFlagFiles writes. */
export interface SyncOptions {
  dryRun: boolean;
  env: NodeJS.ProcessEnv;
  redact: (text: string) => string;
  /** Default `changed`: publish after a write that changed the file; `always` for `flags sync`. */
  publish?: 'changed' | 'always' | 'never';
  /** Rewrite a file that means the same but differs byte for byte. */
  force?: boolean;
}

type PlanFlag = RawConfig['flags'][number];

/** The provider's own block of a plan flag, `flags[].<provider>` (none for flagd-file). */
function settingsOf(flag: PlanFlag): Record<string, unknown> | undefined {
  const block = (flag as unknown as Record<string, unknown>)[flag.provider];
  return block && typeof block === 'object' ? (block as Record<string, unknown>) : undefined;
}

/** Where a plan flag lives: its flag file, or `unleash:<project>/<environment>/<key>`. The state records it. */
export function flagLocation(flag: PlanFlag): string {
  const settings = settingsOf(flag);
  return locationOf(flag.provider, { key: flag.key, file: flag.file, ...(settings ? { settings } : {}) });
}

/** The plan's flag as its provider sees it. */
export function toProviderFlag(config: RawConfig, flag: PlanFlag): ProviderFlag {
  const settings = settingsOf(flag);
  return {
    key: flag.key,
    newVariant: flag.variants.new,
    fallbackVariant: flag.variants.fallback,
    groupAttribute: flag.groupAttribute,
    location: flagLocation(flag),
    metadata: flagMetadata(config, flag),
    ...(flag.publish ? { publish: flag.publish } : {}),
    ...(settings ? { settings } : {}),
  };
}

/**
 * Writes every flag of the plan through its provider (atomically; dry-run computes the diff and writes
 * nothing), then publishes what changed. A failed publish is in the result, never thrown: each caller
 * decides what it means (advance restores the file and stops, a rollback exits 6).
 */
export async function syncFlagFiles(
  config: RawConfig,
  planDir: string,
  flags: Record<string, FlagState>,
  options: SyncOptions,
): Promise<FlagWrite[]> {
  const writes: FlagWrite[] = [];
  for (const kind of new Set(config.flags.map((f) => f.provider))) {
    const provider = await openProvider(kind, { planDir, env: options.env, redact: options.redact });
    const entries = config.flags
      .filter((f) => f.provider === kind)
      .map((f) => {
        const state = flags[f.key];
        return {
          flag: toProviderFlag(config, f),
          position: {
            percent: state?.percent ?? 0,
            groups: state?.groups ?? [],
            killSwitch: state?.killSwitch ?? false,
          },
        };
      });
    const out = await provider.writeStage(entries, {
      dryRun: options.dryRun,
      publish: options.dryRun ? 'never' : (options.publish ?? 'changed'),
      force: options.force === true,
    });
    for (const w of out)
      writes.push({
        file: w.location,
        changed: w.changed,
        diff: w.diff,
        sha256: w.sha256,
        ...(w.publish ? { publish: w.publish } : {}),
      });
  }
  return writes;
}

/** One message per failed publish: what was written locally and what did not reach applications. */
export function publishProblems(writes: Array<{ file: string; publish?: PublishOutcome }>): string[] {
  return writes
    .filter((w) => w.publish && !w.publish.ok)
    .map((w) => `${w.file} was written locally but NOT published (${w.publish?.command}: ${w.publish?.summary})`);
}

/** The flags with the sha256 of the file each one now lives in (state records what every step wrote). */
export function stampDigests(
  config: RawConfig,
  flags: Record<string, FlagState>,
  files: Array<{ file: string; sha256?: string }>,
): Record<string, FlagState> {
  const out: Record<string, FlagState> = {};
  for (const [key, f] of Object.entries(flags)) {
    const flag = config.flags.find((c) => c.key === key);
    const file = flag ? flagLocation(flag) : undefined;
    const sha256 = files.find((w) => w.file === file)?.sha256;
    out[key] = sha256 ? { ...f, sha256 } : f;
  }
  return out;
}

/** What reading a remote provider needs: the environment (URL, token) and the redaction of its answers. */
export interface ProviderWorld {
  env: NodeJS.ProcessEnv;
  redact: (text: string) => string;
}

/**
 * Whether the flag currently serves the fallback to everyone (a rollback got there first), read from where
 * the flag lives. A remote provider that cannot be read throws ProviderUnavailableError.
 */
export async function isKillSwitchOn(
  config: RawConfig,
  planDir: string,
  key: string,
  world: ProviderWorld = { env: process.env, redact: (t) => t },
): Promise<boolean> {
  const flag = config.flags.find((f) => f.key === key);
  if (!flag) return false;
  if (flag.provider !== 'flagd-file') {
    const provider = await openProvider(flag.provider, { planDir, ...world });
    return (await provider.readServed(toProviderFlag(config, flag)))?.killSwitch === true;
  }
  const doc = await createFileFlagStore({ path: path.resolve(planDir, flag.file), dryRun: true })
    .read()
    .catch(() => null);
  const f = doc?.flags[key];
  return f ? readRolloutShape(f)?.killSwitch === true : false;
}

/** One line on what a flag file serves for `key` right now, read from the file (never from the state). */
export async function readServing(planDir: string, file: string, key: string): Promise<string> {
  try {
    const doc = await createFileFlagStore({ path: path.resolve(planDir, file), dryRun: true }).read();
    const flag = doc?.flags[key];
    if (!doc) return 'nothing (no file)';
    if (!flag) return 'nothing (the flag is not in the file)';
    const shape = readRolloutShape(flag);
    if (!shape) return 'a flag rollout did not write (no rollout.* metadata)';
    return shape.killSwitch
      ? `the fallback to everyone (kill switch, ${shape.fallbackVariant})`
      : `${shape.stagePercent} %${shape.groups.length ? ` + ${shape.groups.join(', ')}` : ''} on ${shape.newVariant}`;
  } catch (error) {
    return `unknown: ${(error as Error).message}`;
  }
}

export { diffDocuments };
