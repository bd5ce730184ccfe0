import { readRolloutShape } from './rollout-shape.js';
import type { FlagdDocument } from './types.js';

/** What a rollout flag's change means to its users: the percentage, the groups, the kill switch. */
export interface FlagMeaningChange {
  flag: string;
  /** Present when the new variant's share changed. */
  percent?: { before: number | null; after: number };
  groupsAdded: string[];
  groupsRemoved: string[];
  /** Present when the kill switch was switched on or off. */
  killSwitch?: { before: boolean; after: boolean };
}

/**
 * The change of every flag written in rollout's layout, by meaning rather than array position (adding
 * a group shifts every later entry of the targeting rule, which a leaf diff shows as many changes).
 * Flags not in rollout's layout on the after side are left to the leaf diff.
 */
export function describeFlagMeanings(before: FlagdDocument | null, after: FlagdDocument): FlagMeaningChange[] {
  const out: FlagMeaningChange[] = [];
  for (const [key, flag] of Object.entries(after.flags)) {
    const next = readRolloutShape(flag);
    if (!next) continue;
    const previousFlag = before?.flags[key];
    const prev = previousFlag ? readRolloutShape(previousFlag) : null;
    const change: FlagMeaningChange = {
      flag: key,
      groupsAdded: next.groups.filter((g) => !prev?.groups.includes(g)),
      groupsRemoved: prev ? prev.groups.filter((g) => !next.groups.includes(g)) : [],
    };
    if (prev?.stagePercent !== next.stagePercent)
      change.percent = { before: prev ? prev.stagePercent : null, after: next.stagePercent };
    if ((prev?.killSwitch ?? false) !== next.killSwitch)
      change.killSwitch = { before: prev?.killSwitch ?? false, after: next.killSwitch };
    if (change.percent || change.killSwitch || change.groupsAdded.length || change.groupsRemoved.length)
      out.push(change);
  }
  return out;
}

/** `reserves_v1.1: 5 % → 25 %; groups +beta_users −internal; kill switch on` */
export function formatFlagMeaning(c: FlagMeaningChange): string {
  const parts: string[] = [];
  if (c.percent)
    parts.push(`${c.percent.before === null ? 'new flag' : `${c.percent.before} %`} → ${c.percent.after} %`);
  if (c.groupsAdded.length || c.groupsRemoved.length)
    parts.push(`groups ${[...c.groupsAdded.map((g) => `+${g}`), ...c.groupsRemoved.map((g) => `−${g}`)].join(' ')}`);
  if (c.killSwitch) parts.push(`kill switch ${c.killSwitch.after ? 'on (fallback for everyone)' : 'off'}`);
  return `${c.flag}: ${parts.join('; ')}`;
}
