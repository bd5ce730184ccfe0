import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { LoadedConfig } from '../config/load.js';
import type { GateConfig, PhaseConfig, RawConfig } from '../config/schema.js';
import { suggest } from '../config/suggest.js';
import type { Ctx } from '../context.js';
import { EXIT, type ExitCode } from '../errors/catalogue.js';
import { RolloutError } from '../errors/rollout-error.js';
import { buildGateContext } from '../gates/gate-context.js';
import { summarizeVerdicts } from '../gates/run-gates.js';
import type { GateVerdict } from '../gates/types.js';
import { runWithProgress } from '../gates/run-with-progress.js';
import { changeRelease } from '../lifecycle/transaction.js';
import { currentPhase } from '../lifecycle/planner.js';
import { isGitHubActions } from '../output/annotations.js';
import { renderJUnit } from '../output/junit.js';
import {
  renderAnnotations,
  renderPreflight,
  type GatePositions,
  type PreflightResult,
} from '../output/preflight-render.js';
import { loadStyle, shouldColor, type Style } from '../output/style.js';
import type { ReleaseState } from '../state/types.js';
import { loadConfigFor } from './load-config.js';
import { openState, resolveStateUrl } from '../state/open-state.js';
import type { GateRecord, WorkingTree } from '../gates/reuse.js';
import { preflightKey, recordedResults, workingTreeFor } from '../gates/reuse-context.js';
import type { CommandResult } from '../output/command-result.js';

export type { PreflightResult } from '../output/preflight-render.js';

/** `--phase ID`, or the current phase; an unknown id is a usage error with a suggestion. */
export function resolvePhase(
  config: RawConfig,
  state: ReleaseState | null,
  requested: string | undefined,
): PhaseConfig {
  if (requested === undefined || requested === '') return currentPhase(config, state).phase;
  const phase = config.phases.find((p) => p.id === requested);
  if (phase) return phase;
  const ids = config.phases.map((p) => p.id);
  const guess = suggest(requested, ids);
  throw new RolloutError(
    'E_USAGE',
    `unknown phase "${requested}"${guess ? ` (did you mean "${guess}"?)` : ''}; phases: ${ids.join(', ')}`,
    { details: { phase: requested, phases: ids } },
  );
}

/** `--only a b` or `--only a,b`: the phase's gates with those ids, in plan order. */
export function selectGates(config: RawConfig, phase: PhaseConfig, only: string[] | undefined): GateConfig[] {
  const wanted = (only ?? [])
    .flatMap((x) => x.split(','))
    .map((x) => x.trim())
    .filter(Boolean);
  if (wanted.length === 0) return phase.gates;
  const ids = phase.gates.map((g) => g.id);
  for (const id of wanted) {
    if (ids.includes(id)) continue;
    const elsewhere = config.phases.find((p) => p.gates.some((g) => g.id === id));
    const guess = suggest(id, ids);
    const note = elsewhere
      ? ` (it is a gate of ${elsewhere.id}: add --phase ${elsewhere.id})`
      : guess
        ? ` (did you mean "${guess}"?)`
        : '';
    throw new RolloutError('E_USAGE', `unknown gate "${id}" in phase ${phase.id}${note}; gates: ${ids.join(', ')}`, {
      details: { gate: id, gates: ids },
    });
  }
  return phase.gates.filter((g) => wanted.includes(g.id));
}

export function exitCodeFor(verdict: GateVerdict): ExitCode {
  return verdict === 'pass' ? EXIT.ok : verdict === 'fail' ? EXIT.fail : EXIT.inconclusive;
}

/** `rollout preflight` options as cli.ts parses them (`--only` is variadic: always a list). */
export interface PreflightOptions {
  phase?: string;
  only?: string[];
  junit?: string;
}

/** `rollout preflight [--phase ID] [--only GATE…] [--junit FILE]`: run a phase's gates; record the result. */
export async function runPreflight(
  options: PreflightOptions,
  _args: string[],
  ctx: Ctx,
): Promise<CommandResult<PreflightResult>> {
  const loaded = await loadConfigFor(ctx);
  const state = await openState(ctx, loaded).read();
  const phase = resolvePhase(loaded.config, state, options.phase);
  const gates = selectGates(loaded.config, phase, options.only);
  const started = ctx.clock.now();
  const t0 = performance.now();
  const stateUrl = resolveStateUrl(ctx, loaded);
  // The tree as the gates see it: read before they run (a gate may write files of its own).
  const tree = await workingTreeFor(ctx, loaded, stateUrl, options.junit ? [options.junit] : []);
  const gctx = buildGateContext(ctx, loaded, phase.id, state);
  const progressStyle = await loadStyle(
    shouldColor({ flag: ctx.global.color, json: false, isTTY: ctx.isTTY, env: ctx.env }),
  );
  const results = await runWithProgress(gates, gctx, ctx, progressStyle);
  const { verdict, counts } = summarizeVerdicts(results);
  const exitCode = exitCodeFor(verdict);
  const result: PreflightResult = {
    release: loaded.config.release,
    phase: phase.id,
    phaseTitle: phase.title,
    verdict,
    counts: { ...counts, total: results.length },
    at: started.toISOString(),
    durationMs: Math.round(performance.now() - t0),
    ...(gates.length !== phase.gates.length ? { only: gates.map((g) => g.id) } : {}),
    gates: results,
    recorded: false,
    provenance: tree.tree
      ? tree.tree.dirty
        ? { commit: tree.tree.commit, dirty: true, reusable: false, why: 'the working tree has uncommitted changes' }
        : { commit: tree.tree.commit, dirty: false, reusable: true }
      : { commit: null, dirty: false, reusable: false, why: tree.why },
    exitCode,
  };
  const junit = options.junit || null;
  const github = isGitHubActions(ctx.env);
  const positions = junit || github ? await gatePositions(ctx, loaded, phase.id) : undefined;
  if (junit) result.junit = await writeJUnit(ctx, junit, result, positions);
  await recordResult(ctx, loaded, result, {
    tree: tree.tree,
    wrote: result.junit ? [path.resolve(ctx.cwd, result.junit)] : [],
    phaseGates: phase.gates.map((g) => g.id),
  });
  // With --json, stdout is one document: annotations go to stderr, which the Actions runner also reads.
  if (github && ctx.global.json) for (const line of renderAnnotations(result, positions)) ctx.progress(line);
  return {
    exitCode,
    result,
    human: (s: Style) => renderPreflight(result, s, { annotations: github, ...(positions ? { positions } : {}) }),
  };
}

/** Gate lines in the plan, relative to the working directory as CI annotations and JUnit want them. */
async function gatePositions(ctx: Ctx, loaded: LoadedConfig, phase: string): Promise<GatePositions> {
  const { findGatePositions } = await import('../config/positions.js');
  return findGatePositions(loaded.file, path.relative(ctx.cwd, loaded.file) || loaded.file, phase);
}

async function writeJUnit(
  ctx: Ctx,
  file: string,
  result: PreflightResult,
  positions: GatePositions | undefined,
): Promise<string> {
  const target = path.resolve(ctx.cwd, file);
  const xml = renderJUnit({
    name: `${result.phase} ${result.phaseTitle}`,
    phase: result.phase,
    release: result.release,
    timestamp: result.at,
    durationMs: result.durationMs,
    results: result.gates,
    ...(positions ? { positions } : {}),
  });
  await writeFile(target, ctx.redact(xml));
  return path.relative(ctx.cwd, target) || file;
}

/**
 * Only the run's result changes in the state: `evidence['preflight:<phase>']`, audited as `preflight`.
 * `results` keeps each gate's latest result with the plan hash, commit and time, for `advance` to reuse
 * (src/gates/reuse.ts); a run with `--only` replaces the results of its gates and keeps the others'.
 */
async function recordResult(
  ctx: Ctx,
  loaded: LoadedConfig,
  result: PreflightResult,
  run: { tree: WorkingTree | null; wrote: string[]; phaseGates: string[] },
): Promise<void> {
  const fresh: Record<string, GateRecord> = {};
  for (const g of result.gates)
    fresh[g.id] = {
      verdict: g.inconclusiveAsFail && g.verdict === 'inconclusive' ? 'fail' : g.verdict,
      reason: g.reason,
      summary: g.summary,
      at: result.at,
      planHash: loaded.hash,
      commit: run.tree?.commit ?? null,
      dirty: run.tree?.dirty ?? false,
    };
  const record = {
    verdict: result.verdict,
    summary: `${result.counts.pass} passed, ${result.counts.fail} failed, ${result.counts.inconclusive} inconclusive`,
    at: result.at,
    ...(result.only ? { only: result.only } : {}),
    gates: result.gates.map((g) => ({
      id: g.id,
      kind: g.kind,
      verdict: g.verdict,
      reason: g.reason,
      summary: g.summary,
    })),
  };
  const provenance = { planHash: loaded.hash, commit: run.tree?.commit ?? null, dirty: run.tree?.dirty ?? false };
  try {
    await changeRelease(ctx, loaded, { operation: 'preflight' }, async (state) => {
      const kept = Object.fromEntries(
        Object.entries(recordedResults(state, result.phase)).filter(([id]) => run.phaseGates.includes(id)),
      );
      const stored = { ...record, ...provenance, wrote: run.wrote, results: { ...kept, ...fresh } };
      return {
        next: { ...state, evidence: { ...state.evidence, [preflightKey(result.phase)]: stored } },
        audit: { op: 'preflight', data: { phase: result.phase, ...record, ...provenance } },
        result: true,
      };
    });
    result.recorded = true;
  } catch (error) {
    // The verdict is what CI acts on; failing to record it (e.g. a busy lock) is reported, not fatal.
    result.recordError = error instanceof Error ? error.message : String(error);
  }
}
