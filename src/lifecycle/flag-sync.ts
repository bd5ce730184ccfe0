import path from 'node:path';
import type { RawConfig } from '../config/schema.js';
import { buildFlagDocument } from '../flags/flagd.js';
import { createFileFlagStore } from '../flags/flag-store.js';
import { diffDocuments, type FlagDiff } from '../flags/diff.js';
import { readRolloutShape } from '../flags/rollout-shape.js';
import type { FlagSpec } from '../flags/types.js';
import type { FlagState } from '../state/types.js';

/**
 * The flag files `rollout` owns, computed from the plan and the state's flag positions. Flags the
 * release has not touched yet serve the fallback to everyone (0 %, no groups).
 * Only flags/flagd.js and flags/flag-store.js are imported here: flagd-core (the evaluator) is
 * heavy and not needed to write a file.
 */
export function flagSpecsFor(config: RawConfig, flags: Record<string, FlagState>): Map<string, FlagSpec[]> {
  const byFile = new Map<string, FlagSpec[]>();
  for (const flag of config.flags) {
    const state = flags[flag.key];
    const monitoring = flag.monitoring ?? {};
    const metadata: Record<string, number | string> = { release: config.release };
    if (monitoring.completionRateThreshold !== undefined) metadata['monitoring.completion_rate_threshold'] = monitoring.completionRateThreshold;
    if (monitoring.errorRateThreshold !== undefined) metadata['monitoring.error_rate_threshold'] = monitoring.errorRateThreshold;
    if (monitoring.latencyThreshold !== undefined) metadata['monitoring.latency_threshold'] = monitoring.latencyThreshold;
    const spec: FlagSpec = {
      key: flag.key,
      newVariant: flag.variants.new,
      fallbackVariant: flag.variants.fallback,
      percent: state?.percent ?? 0,
      groups: state?.groups ?? [],
      groupAttribute: flag.groupAttribute,
      killSwitch: state?.killSwitch ?? false,
      metadata,
    };
    byFile.set(flag.file, [...(byFile.get(flag.file) ?? []), spec]);
  }
  return byFile;
}

export interface FlagWrite {
  file: string;
  changed: boolean;
  diff: FlagDiff;
}

/** Writes every flag file of the plan (atomically; dry-run computes the diff and writes nothing). */
export async function syncFlagFiles(config: RawConfig, planDir: string, flags: Record<string, FlagState>, dryRun: boolean): Promise<FlagWrite[]> {
  const writes: FlagWrite[] = [];
  for (const [file, specs] of flagSpecsFor(config, flags)) {
    const store = createFileFlagStore({ path: path.resolve(planDir, file), dryRun });
    const result = await store.write(buildFlagDocument(specs));
    writes.push({ file, changed: result.changed, diff: result.diff });
  }
  return writes;
}

/** Whether the flag file currently serves the fallback to everyone (a rollback got there first). */
export async function isKillSwitchOn(config: RawConfig, planDir: string, key: string): Promise<boolean> {
  const flag = config.flags.find((f) => f.key === key);
  if (!flag) return false;
  const doc = await createFileFlagStore({ path: path.resolve(planDir, flag.file), dryRun: true }).read().catch(() => null);
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
    return shape.killSwitch ? `the fallback to everyone (kill switch, ${shape.fallbackVariant})` : `${shape.stagePercent} %${shape.groups.length ? ` + ${shape.groups.join(', ')}` : ''} on ${shape.newVariant}`;
  } catch (error) {
    return `unknown: ${(error as Error).message}`;
  }
}

export { diffDocuments };
