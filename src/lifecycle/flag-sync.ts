import path from 'node:path';
import type { RawConfig } from '../config/schema.js';
import { buildFlagDocument } from '../flags/flagd.js';
import { createFileFlagStore } from '../flags/flag-store.js';
import { diffDocuments, type FlagDiff } from '../flags/diff.js';
import { readRolloutShape } from '../flags/rollout-shape.js';
import type { FlagdDocument, FlagSpec } from '../flags/types.js';
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
  const doc = await createFileFlagStore({ path: path.resolve(planDir, flag.file), dryRun: true }).read();
  const f = doc?.flags[key];
  return f ? readRolloutShape(f)?.killSwitch === true : false;
}

/**
 * The kill switch from the flag file alone: every rollout flag in `doc` (or only `keys`) serves its
 * fallback to everyone; percentages and groups are kept so undoing it restores the same users.
 */
export function killSwitchDocument(doc: FlagdDocument, keys?: readonly string[]): FlagdDocument {
  const specs: FlagSpec[] = [];
  for (const [key, flag] of Object.entries(doc.flags)) {
    const shape = readRolloutShape(flag);
    if (!shape) continue;
    const metadata = Object.fromEntries(Object.entries(flag.metadata ?? {}).filter(([k]) => !k.startsWith('rollout.')));
    const kill = keys === undefined || keys.includes(key);
    specs.push({
      key,
      newVariant: shape.newVariant,
      fallbackVariant: shape.fallbackVariant,
      percent: Number.isFinite(shape.stagePercent) ? shape.stagePercent : 0,
      groups: shape.groups,
      groupAttribute: shape.groupAttribute,
      bucketBy: shape.bucketBy,
      killSwitch: kill || shape.killSwitch,
      metadata,
    });
  }
  const rebuilt = buildFlagDocument(specs);
  // Flags rollout does not manage stay exactly as they were.
  return { ...doc, flags: { ...doc.flags, ...rebuilt.flags } };
}

export { diffDocuments };
