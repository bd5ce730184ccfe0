import { lstat } from 'node:fs/promises';
import path from 'node:path';
import { parseDuration } from '../config/duration.js';
import type { LoadedConfig } from '../config/load.js';
import type { GateConfig } from '../config/schema.js';
import type { Ctx } from '../context.js';
import type { ReleaseState } from '../state/types.js';
import { decideReuse, maxAgeFor, type GateRecord, type ReuseDecision, type WorkingTree } from './reuse.js';
import { readWorkingTree } from './working-tree.js';

/** The state key `preflight` records a phase's run under (also read by `status` and the report). */
export const preflightKey = (phase: string) => `preflight:${phase}`;

/** The per-gate records of the last preflight runs of `phase` (unknown values: `decideReuse` checks them). */
export function recordedResults(state: ReleaseState | null, phase: string): Record<string, unknown> {
  const record = state?.evidence[preflightKey(phase)];
  const results = (record as { results?: unknown } | null | undefined)?.results;
  return results !== null && typeof results === 'object' && !Array.isArray(results)
    ? (results as Record<string, unknown>)
    : {};
}

/**
 * Files rollout itself writes inside the plan's tree: the state directory, the flag files, perf baselines
 * and what the recorded runs name (a JUnit report). Changes to them do not make the working tree "dirty".
 */
export function ownedPaths(ctx: Ctx, loaded: LoadedConfig, stateUrl: string, extra: string[] = []): string[] {
  const paths = loaded.config.flags.map((f) => path.resolve(loaded.dir, f.file));
  if (stateUrl.startsWith('file:')) paths.push(stateUrl.slice('file:'.length));
  for (const phase of loaded.config.phases)
    for (const g of phase.gates)
      if (g.kind === 'perf-budget' && g.regression) paths.push(path.resolve(loaded.dir, g.regression.baseline));
  for (const p of extra) paths.push(path.resolve(ctx.cwd, p));
  return paths;
}

/** The working tree of the plan's directory, with rollout's own files left out. */
export async function workingTreeFor(
  ctx: Ctx,
  loaded: LoadedConfig,
  stateUrl: string,
  extra: string[] = [],
): Promise<{ tree: WorkingTree } | { tree: null; why: string }> {
  return readWorkingTree(loaded.dir, ctx.env, ownedPaths(ctx, loaded, stateUrl, extra));
}

/**
 * Why recorded results in this store cannot be trusted, or null. A state directory or state.json that
 * other users can write could hold a forged pass: the gates then run. (PostgreSQL: access is the database's.)
 */
export async function distrustStore(stateUrl: string): Promise<string | null> {
  if (!stateUrl.startsWith('file:')) return null;
  const dir = stateUrl.slice('file:'.length);
  for (const p of [dir, path.join(dir, 'state.json')]) {
    const info = await lstat(p).catch(() => null);
    if (info && (info.mode & 0o022) !== 0)
      return `${p} is writable by other users (mode 0${(info.mode & 0o777).toString(8)}): recorded results are not trusted`;
  }
  return null;
}

export interface ReusePlan {
  /** Gates whose recorded pass is taken, with the record. */
  reused: Array<{ gate: GateConfig; record: GateRecord; ageMs: number }>;
  /** Gates that run, with why their record was not taken (`recorded`: there was a record to take). */
  run: Array<{ gate: GateConfig; why: string; recorded: boolean }>;
}

/** Splits a phase's gates into those `advance` reuses and those it runs. */
export async function planReuse(
  ctx: Ctx,
  loaded: LoadedConfig,
  state: ReleaseState,
  phase: string,
  gates: GateConfig[],
  opts: { fresh: boolean; stateUrl: string },
): Promise<ReusePlan> {
  const plan: ReusePlan = { reused: [], run: [] };
  const defaultMs = parseDuration(loaded.config.reuse.maxAge);
  const maxAges = gates.map((g) => maxAgeFor(g, defaultMs, parseDuration));
  const anyCandidate = !opts.fresh && maxAges.some((m) => m !== null && m > 0);
  const records = recordedResults(state, phase);
  let tree: WorkingTree | null = null;
  let treeWhy = '';
  let distrust: string | null = null;
  if (anyCandidate && Object.keys(records).length > 0) {
    const wrote = (state.evidence[preflightKey(phase)] as { wrote?: unknown } | undefined)?.wrote;
    const extra = Array.isArray(wrote) ? wrote.filter((w): w is string => typeof w === 'string') : [];
    const read = await workingTreeFor(ctx, loaded, opts.stateUrl, extra);
    tree = read.tree;
    treeWhy = read.tree ? '' : read.why;
    distrust = await distrustStore(opts.stateUrl);
  }
  const now = ctx.clock.now();
  gates.forEach((gate, i) => {
    const decision: ReuseDecision = decideReuse(records[gate.id], {
      gate,
      maxAgeMs: maxAges[i] ?? null,
      planHash: loaded.hash,
      tree,
      distrust,
      now,
      fresh: opts.fresh,
    });
    if (decision.reuse) plan.reused.push({ gate, record: decision.record, ageMs: decision.ageMs });
    else
      plan.run.push({
        gate,
        why: treeWhy && decision.why.startsWith('not a git repository') ? treeWhy : decision.why,
        // Only a gate that could have been reused says why it was not (not sign-offs, not maxAge 0).
        recorded: records[gate.id] !== undefined && !opts.fresh && gate.kind !== 'manual' && (maxAges[i] ?? 0) > 0,
      });
  });
  return plan;
}
