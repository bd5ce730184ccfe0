import path from 'node:path';
import { parseDuration } from '../config/duration.js';
import type { Ctx } from '../context.js';
import { EXIT } from '../errors/catalogue.js';
import { RolloutError } from '../errors/rollout-error.js';
import { readRecording } from '../metrics/recording.js';
import { renderSimulation } from '../simulate/render.js';
import {
  planSimulation,
  readRecordedBaselines,
  simulateCanaryPolicy,
  SimulationInputError,
  type RatioMetric,
  type RatioTrigger,
  type ScenarioKind,
  type SimulationReport,
  type SimulationRequest,
} from '../simulate/index.js';
import { resolveTriggers, TriggerConfigError } from '../watch/specs.js';
import { loadConfigFor } from './load-config.js';
import type { CommandResult } from '../output/command-result.js';

export type SimulateResult = SimulationReport;

const usage = (flag: string, message: string) =>
  new RolloutError('E_USAGE', `${flag}: ${message}`, { details: { flag } });

/** `rollout simulate` options as cli.ts parses them: numbers range-checked, --scenario one of its choices. */
export interface SimulateOptions {
  scenario?: ScenarioKind;
  metric?: string;
  stages: number;
  looks: number;
  requestsPerLook?: number;
  baselineRate?: number;
  effect?: number;
  canaryRate?: number;
  seed: number;
  overdispersion?: number;
  autocorrelation?: number;
  fromRecording?: string;
}

/** The checks that span flags (each flag's own range is checked where cli.ts parses it); a bad combination names a flag (exit 2). */
export function parseSimulateFlags(options: SimulateOptions): Omit<SimulationRequest, 'recorded' | 'intervalMs'> {
  const effect = options.effect ?? null;
  const canaryRate = options.canaryRate ?? null;
  if (effect !== null && canaryRate !== null) throw usage('--effect', 'give --effect or --canary-rate, not both');
  const changed = effect !== null || canaryRate !== null;
  if (options.scenario === 'aa' && changed)
    throw usage(
      effect !== null ? '--effect' : '--canary-rate',
      'describes a regression; it cannot be combined with --scenario aa',
    );
  const metric = options.metric;
  if (metric !== undefined && metric.trim() === '') throw usage('--metric', 'a ratio metric id from rollout.yaml');
  return {
    scenario: options.scenario ?? (changed ? 'regression' : 'aa'),
    metric: metric ?? null,
    stages: options.stages,
    looks: options.looks,
    requestsPerLook: options.requestsPerLook ?? null,
    baselineRate: options.baselineRate ?? null,
    effect,
    canaryRate,
    seed: options.seed,
    overdispersion: options.overdispersion ?? 1,
    autocorrelation: options.autocorrelation ?? 0,
  };
}

function resolveRatioTriggers(config: Parameters<typeof resolveTriggers>[0]): RatioTrigger[] {
  try {
    return resolveTriggers(config).filter((t): t is RatioTrigger => t.kind === 'ratio');
  } catch (error) {
    if (error instanceof TriggerConfigError) throw new RolloutError('E_CONFIG', error.message);
    throw error;
  }
}

export async function runSimulate(
  options: SimulateOptions,
  _args: string[],
  ctx: Ctx,
): Promise<CommandResult<SimulateResult>> {
  const flags = parseSimulateFlags(options);
  const loaded = await loadConfigFor(ctx);
  const canary = loaded.config.canary;
  if (!canary) throw new RolloutError('E_NO_CANARY', `${ctx.global.config} has no canary section`);
  const intervalMs = parseDuration(loaded.config.watch.interval) ?? 60_000;
  let recorded: SimulationRequest['recorded'] = null;
  const file = options.fromRecording;
  if (file !== undefined) {
    const recording = await readRecording(path.resolve(ctx.cwd, file)).catch((error: Error) => {
      throw usage('--from-recording', error.message);
    });
    recorded = readRecordedBaselines(
      recording,
      canary,
      loaded.config.release,
      canary.metrics.filter((m): m is RatioMetric => m.kind === 'ratio'),
    );
    if (recorded.size === 0)
      throw usage(
        '--from-recording',
        `${file} holds no baseline events and totals of any ratio metric (record one with \`rollout analyze --record FILE\`)`,
      );
  }
  const notes: string[] = [];
  let report: SimulationReport;
  try {
    const plan = planSimulation(canary, resolveRatioTriggers(loaded.config), { ...flags, intervalMs, recorded }, notes);
    ctx.progress(
      `simulating ${plan.stages} stages × ${plan.looks} looks of ${plan.traffic.length} ratio metrics (seed ${plan.seed})…`,
    );
    report = simulateCanaryPolicy(plan, notes);
  } catch (error) {
    if (error instanceof SimulationInputError) throw usage(error.flag, error.message.slice(error.flag.length + 2));
    throw error;
  }
  const exitCode = report.level && !report.level.ok ? EXIT.fail : EXIT.ok;
  return { exitCode, result: report, human: (s) => renderSimulation(report, s) };
}
