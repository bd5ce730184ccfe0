import path from 'node:path';
import { parseDuration } from '../config/duration.js';
import type { Ctx } from '../context.js';
import { EXIT } from '../errors/catalogue.js';
import { RolloutError } from '../errors/rollout-error.js';
import { readRecording } from '../metrics/recording.js';
import { renderSimulation } from '../simulate/render.js';
import { planSimulation, readRecordedBaselines, simulateCanaryPolicy, SimulationInputError, type RatioMetric, type RatioTrigger, type ScenarioKind, type SimulationReport, type SimulationRequest } from '../simulate/index.js';
import { resolveTriggers, TriggerConfigError } from '../watch/specs.js';
import { loadConfigFor } from './load-config.js';
import type { CommandResult } from '../output/command-result.js';

export type SimulateResult = SimulationReport;

const usage = (flag: string, message: string) => new RolloutError('E_USAGE', `${flag}: ${message}`, { details: { flag } });

function readInteger(options: Record<string, unknown>, key: string, flag: string, range: { min: number; max: number }, fallback: number): number {
  const raw = options[key];
  if (raw === undefined) return fallback;
  const text = String(raw).trim();
  const value = Number(text);
  if (!/^-?\d+$/.test(text) || value < range.min || value > range.max) throw usage(flag, `an integer from ${range.min} to ${range.max} (got ${JSON.stringify(raw)})`);
  return value;
}

function readNumber(options: Record<string, unknown>, key: string, flag: string, accept: (x: number) => boolean, what: string): number | null {
  const raw = options[key];
  if (raw === undefined) return null;
  const value = Number(String(raw).trim());
  if (String(raw).trim() === '' || !Number.isFinite(value) || !accept(value)) throw usage(flag, `${what} (got ${JSON.stringify(raw)})`);
  return value;
}

function readScenario(options: Record<string, unknown>, changed: boolean): ScenarioKind {
  const raw = options.scenario;
  if (raw === undefined) return changed ? 'regression' : 'aa';
  if (raw !== 'aa' && raw !== 'regression') throw usage('--scenario', `aa or regression (got ${JSON.stringify(raw)})`);
  if (raw === 'aa' && changed) throw usage(options.effect !== undefined ? '--effect' : '--canary-rate', 'describes a regression; it cannot be combined with --scenario aa');
  return raw;
}

/** Every flag parsed and range-checked; a bad one is a usage error naming it (exit 2). */
export function parseSimulateFlags(options: Record<string, unknown>): Omit<SimulationRequest, 'recorded' | 'intervalMs'> {
  const effect = readNumber(options, 'effect', '--effect', (x) => x > 1 && x <= 100, 'a relative effect above 1, e.g. 1.5 for 50 % worse');
  const canaryRate = readNumber(options, 'canaryRate', '--canary-rate', (x) => x >= 0 && x <= 1, 'a rate from 0 to 1, e.g. 0.03');
  if (effect !== null && canaryRate !== null) throw usage('--effect', 'give --effect or --canary-rate, not both');
  const metric = options.metric;
  if (metric !== undefined && (typeof metric !== 'string' || metric.trim() === '')) throw usage('--metric', 'a ratio metric id from rollout.yaml');
  return {
    scenario: readScenario(options, effect !== null || canaryRate !== null),
    metric: typeof metric === 'string' ? metric : null,
    stages: readInteger(options, 'stages', '--stages', { min: 1, max: 1_000_000 }, 1000),
    looks: readInteger(options, 'looks', '--looks', { min: 1, max: 10_000 }, 60),
    requestsPerLook: options.requestsPerLook === undefined ? null : readInteger(options, 'requestsPerLook', '--requests-per-look', { min: 1, max: 100_000_000 }, 0),
    baselineRate: readNumber(options, 'baselineRate', '--baseline-rate', (x) => x > 0 && x < 1, 'a rate strictly between 0 and 1, e.g. 0.02'),
    effect,
    canaryRate,
    seed: readInteger(options, 'seed', '--seed', { min: -(2 ** 31), max: 2 ** 32 - 1 }, 1),
    overdispersion: readNumber(options, 'overdispersion', '--overdispersion', (x) => x >= 1 && x <= 1000, 'a variance factor φ from 1 (binomial) to 1000, e.g. 4') ?? 1,
    autocorrelation: readNumber(options, 'autocorrelation', '--autocorrelation', (x) => x >= 0 && x < 1, 'a lag-1 correlation from 0 to below 1, e.g. 0.5') ?? 0,
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

export async function runSimulate(options: Record<string, unknown>, _args: string[], ctx: Ctx): Promise<CommandResult<SimulateResult>> {
  const flags = parseSimulateFlags(options);
  const loaded = await loadConfigFor(ctx);
  const canary = loaded.config.canary;
  if (!canary) throw new RolloutError('E_NO_CANARY', `${ctx.global.config} has no canary section`);
  const intervalMs = parseDuration(loaded.config.watch.interval) ?? 60_000;
  let recorded: SimulationRequest['recorded'] = null;
  const file = options.fromRecording;
  if (typeof file === 'string') {
    const recording = await readRecording(path.resolve(ctx.cwd, file)).catch((error: Error) => {
      throw usage('--from-recording', error.message);
    });
    recorded = readRecordedBaselines(recording, canary, loaded.config.release, canary.metrics.filter((m): m is RatioMetric => m.kind === 'ratio'));
    if (recorded.size === 0) throw usage('--from-recording', `${file} holds no baseline events and totals of any ratio metric (record one with \`rollout analyze --record FILE\`)`);
  }
  const notes: string[] = [];
  let report: SimulationReport;
  try {
    const plan = planSimulation(canary, resolveRatioTriggers(loaded.config), { ...flags, intervalMs, recorded }, notes);
    ctx.progress(`simulating ${plan.stages} stages × ${plan.looks} looks of ${plan.traffic.length} ratio metrics (seed ${plan.seed})…`);
    report = simulateCanaryPolicy(plan, notes);
  } catch (error) {
    if (error instanceof SimulationInputError) throw usage(error.flag, error.message.slice(error.flag.length + 2));
    throw error;
  }
  const exitCode = report.level && !report.level.ok ? EXIT.fail : EXIT.ok;
  return { exitCode, result: report, human: (s) => renderSimulation(report, s) };
}
