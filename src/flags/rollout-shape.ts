import type { FlagdFlag, JsonValue } from './types.js';
import { DEFAULT_BUCKET_BY, DEFAULT_GROUP_ATTRIBUTE } from './flagd.js';

/** What `rollout` wrote into a flag, read back for explanations. */
export interface RolloutShape {
  newVariant: string;
  fallbackVariant: string;
  stagePercent: number;
  killSwitch: boolean;
  groups: string[];
  groupAttribute: string;
  bucketBy: string;
  /** Weights as written in the `fractional` rule (what applications actually use). */
  newWeight: number;
  totalWeight: number;
}

function findFractional(node: JsonValue | undefined): JsonValue[] | null {
  if (Array.isArray(node)) {
    for (const child of node) {
      const found = findFractional(child);
      if (found) return found;
    }
    return null;
  }
  if (node === null || typeof node !== 'object') return null;
  const args = node['fractional'];
  if (Array.isArray(args)) return args;
  for (const child of Object.values(node)) {
    const found = findFractional(child);
    if (found) return found;
  }
  return null;
}

function readWeights(args: JsonValue[], newVariant: string): { newWeight: number; totalWeight: number } | null {
  let newWeight = 0;
  let totalWeight = 0;
  for (const entry of args) {
    if (!Array.isArray(entry)) continue; // the bucketing expression
    const weight = typeof entry[1] === 'number' ? Math.max(0, entry[1]) : 1;
    if (entry[0] === newVariant) newWeight = weight;
    totalWeight += weight;
  }
  return totalWeight > 0 ? { newWeight, totalWeight } : null;
}

/** Returns the rollout layout of a flag written by buildFlagDocument, or null for any other flag. */
export function readRolloutShape(flag: FlagdFlag): RolloutShape | null {
  const m = flag.metadata ?? {};
  const newVariant = m['rollout.new_variant'];
  const fallbackVariant = m['rollout.fallback_variant'];
  if (typeof newVariant !== 'string' || typeof fallbackVariant !== 'string') return null;
  const args = findFractional(flag.targeting);
  const weights = args ? readWeights(args, newVariant) : null;
  if (!weights) return null;
  const groups =
    typeof m['rollout.groups'] === 'string' && m['rollout.groups'] !== '' ? m['rollout.groups'].split(',') : [];
  return {
    newVariant,
    fallbackVariant,
    stagePercent: typeof m['rollout.stage_percent'] === 'number' ? m['rollout.stage_percent'] : NaN,
    killSwitch: m['rollout.kill_switch'] === true,
    groups,
    groupAttribute:
      typeof m['rollout.group_attribute'] === 'string' ? m['rollout.group_attribute'] : DEFAULT_GROUP_ATTRIBUTE,
    bucketBy: typeof m['rollout.bucket_by'] === 'string' ? m['rollout.bucket_by'] : DEFAULT_BUCKET_BY,
    ...weights,
  };
}
