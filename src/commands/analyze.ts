import { computeAccuracyDelta } from '../canary/accuracy-delta.js';
import { analyzeCanary } from '../canary/analyze.js';
import { renderCanary } from '../canary/render.js';
import type { CanaryVerdict } from '../canary/types.js';
import type { LoadedConfig } from '../config/load.js';
import type { StageConfig } from '../config/schema.js';
import type { Ctx } from '../context.js';
import { EXIT, type ExitCode } from '../errors/catalogue.js';
import { RolloutError } from '../errors/rollout-error.js';
import { suggest } from '../config/suggest.js';
import { changeRelease } from '../lifecycle/transaction.js';
import type * as Recordings from '../metrics/recording.js';
import { loadConfigFor } from './load-config.js';
import { openMetrics } from '../metrics/open-metrics.js';
import { openState } from '../state/open-state.js';
import type { CommandResult } from '../output/command-result.js';

export interface AnalyzeResult extends CanaryVerdict {
  stage: string | null;
  source: string;
  recorded?: string;
}

export const VERDICT_EXIT: Record<CanaryVerdict['verdict'], ExitCode> = {
  pass: EXIT.ok,
  fail: EXIT.fail,
  inconclusive: EXIT.inconclusive,
};

function findStage(loaded: LoadedConfig, id: string | undefined, current: string | null): StageConfig | null {
  const stages = loaded.config.phases.flatMap((p) => p.rollout?.stages ?? []);
  const wanted = id ?? current;
  if (!wanted) return null;
  const stage = stages.find((s) => s.id === wanted);
  if (!stage && id) {
    const hint = suggest(
      id,
      stages.map((s) => s.id),
    );
    throw new RolloutError(
      'E_USAGE',
      `--stage ${id}: no such stage${hint ? ` (did you mean ${hint}?)` : ''}; stages: ${stages.map((s) => s.id).join(', ')}`,
    );
  }
  return stage ?? null;
}

/** `rollout analyze` options as cli.ts parses them; --window is already a duration from 1s to 30d (as written). */
export interface AnalyzeOptions {
  stage?: string;
  window?: string;
  record?: string;
  replay?: string;
  dryRun?: boolean;
}

export async function runAnalyze(
  options: AnalyzeOptions,
  _args: string[],
  ctx: Ctx,
): Promise<CommandResult<AnalyzeResult>> {
  const loaded = await loadConfigFor(ctx);
  const canary = loaded.config.canary;
  if (!canary) throw new RolloutError('E_NO_CANARY', `${ctx.global.config} has no canary section`);
  const replay = options.replay;
  const recordFile = options.record;
  if (replay && recordFile) throw new RolloutError('E_USAGE', '--record and --replay cannot be combined');
  const window = options.window;
  const state = await openState(ctx, loaded).read();
  const stage = findStage(loaded, options.stage, state?.stage?.id ?? null);
  const recordings = await import('../metrics/recording.js');
  // One instant for the whole analysis; a replay is judged at the recorded instant, so the same
  // evidence gives the same verdict.
  const now = replay ? await readRecordedInstant(recordings, replay) : (ctx.clock.wallNow?.() ?? ctx.clock.now());
  const recording = recordFile ? recordings.createRecording('rollout analyze', now) : undefined;
  const source = await openMetrics(ctx, loaded, {
    ...(replay ? { replay } : {}),
    ...(recording ? { record: recording } : {}),
    now: () => now,
  });
  const policy = stage?.minSamples ? { ...canary, minSamples: stage.minSamples } : canary;
  const verdict = await analyzeCanary({
    canary: policy,
    budget: loaded.budget,
    source,
    now,
    release: loaded.config.release,
    accuracyDelta: computeAccuracyDelta(loaded),
    ...(window ? { window } : {}),
  });
  if (recording && recordFile) await recordings.writeRecording(recordFile, recording);
  const result: AnalyzeResult = {
    ...verdict,
    stage: stage?.id ?? null,
    source: source.description,
    ...(recordFile ? { recorded: recordFile } : {}),
  };
  if (!replay && !ctx.global.dryRun) await recordEvidence(ctx, loaded, result);
  return {
    exitCode: VERDICT_EXIT[verdict.verdict],
    result,
    human: (s) => renderCanary(verdict, s) + (recordFile ? `\nrecorded every query and answer to ${recordFile}` : ''),
  };
}

async function readRecordedInstant(recordings: typeof Recordings, file: string): Promise<Date> {
  try {
    return new Date((await recordings.readRecording(file)).createdAt);
  } catch (error) {
    throw new RolloutError('E_USAGE', `--replay ${file}: ${(error as Error).message}`);
  }
}

/** The stage's latest evidence, for `status` and `advance`; audited like every state change. */
async function recordEvidence(ctx: Ctx, loaded: LoadedConfig, result: AnalyzeResult): Promise<void> {
  const key = `canary:${result.stage ?? 'adhoc'}`;
  await changeRelease(ctx, loaded, { operation: 'analyze' }, async (state) => ({
    next: {
      ...state,
      evidence: {
        ...state.evidence,
        [key]: { verdict: result.verdict, summary: result.summary, at: result.at, metrics: result.metrics },
      },
    },
    audit: {
      op: 'analyze',
      data: {
        stage: result.stage,
        verdict: result.verdict,
        summary: result.summary,
        metrics: result.metrics.map((m) => ({ id: m.id, verdict: m.verdict, reason: m.reason })),
      },
    },
    result: undefined,
  }));
}
