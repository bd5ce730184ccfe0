import { hostname } from 'node:os';
import { createFaultDriver, describeFault } from '../chaos/fault-driver.js';
import {
  claimIntent,
  cleanStaleIntent,
  readIntent,
  releaseIntent,
  resolveIntentDir,
  updateIntent,
  type ChaosIntent,
  type StaleCleanup,
} from '../chaos/intent.js';
import { createCheckRunner } from '../chaos/checks.js';
import { createGateProbe } from '../chaos/gate-probe.js';
import { recordResult } from '../chaos/results.js';
import { createHttpProbe, type ProbeRunner } from '../chaos/probe.js';
import { renderExperiment, renderStaleCleanup } from '../chaos/render.js';
import { DEFAULT_STEADY_TIMEOUT_MS, runExperiment } from '../chaos/run-experiment.js';
import type { ChaosExperiment, ExperimentResult } from '../chaos/types.js';
import { parseDuration } from '../config/duration.js';
import type { LoadedConfig } from '../config/load.js';
import type { Ctx } from '../context.js';
import { EXIT, type ExitCode } from '../errors/catalogue.js';
import type { GateContext } from '../gates/types.js';
import { RolloutError } from '../errors/rollout-error.js';
import { redactDeep } from '../output/redact.js';
import { plainStyle } from '../output/style.js';
import type { StateStore } from '../state/store.js';
import { loadConfigFor } from './load-config.js';
import { openState, resolveStateUrl } from '../state/open-state.js';
import type { CommandResult, MutatingOptions } from '../output/command-result.js';

export interface ChaosListResult {
  experiments: Array<{
    id: string;
    title: string;
    item?: string;
    fault: string;
    duration: string;
    recoveryObjective: string;
    streak: number;
    probe: string;
  }>;
  active: ChaosIntent | null;
  cleaned: StaleCleanup | null;
}

export interface ChaosRunResult {
  experiment: ExperimentResult | null;
  /** Where the run was recorded for `chaos` gates (aborted runs are not recorded). */
  recordedIn?: string;
  dryRun: boolean;
  plan?: { fault: string; duration: string; probe: string; recoveryObjective: string; checks: string[] };
  cleaned: StaleCleanup | null;
}

/** What tests (and later the gates module) swap in; the CLI uses the defaults. */
export interface ChaosDeps {
  probe?: ProbeRunner;
  fetch?: typeof fetch;
  intervalMs?: number;
  steadyTimeoutMs?: number;
  signal?: AbortSignal;
}

const EXIT_BY_VERDICT: Record<ExperimentResult['verdict'], ExitCode> = {
  pass: EXIT.ok,
  fail: EXIT.fail,
  'not-steady': EXIT.inconclusive,
  'not-exercised': EXIT.inconclusive,
  aborted: EXIT.inconclusive,
};

export function runChaos(
  options: MutatingOptions,
  args: string[],
  ctx: Ctx,
): Promise<CommandResult<ChaosListResult | ChaosRunResult>> {
  return runChaosWith(options, args, ctx, {});
}

export async function runChaosWith(
  options: MutatingOptions,
  args: string[],
  ctx: Ctx,
  deps: ChaosDeps,
): Promise<CommandResult<ChaosListResult | ChaosRunResult>> {
  const [action, id] = args;
  const loaded = await loadConfigFor(ctx);
  const store = openState(ctx, loaded);
  const dir = resolveIntentDir(resolveStateUrl(ctx, loaded), ctx.cwd);
  const cleaned = await cleanStaleIntent(dir);
  if (cleaned) {
    ctx.progress(renderStaleCleanup(cleaned, plainStyle));
    await audit(
      ctx,
      store,
      'chaos:cleanup',
      `a killed run of ${cleaned.intent.experimentId} left its fault behind`,
      cleaned,
    );
  }
  if (action === 'list' || action === undefined) return listExperiments(loaded, dir, cleaned);
  if (action !== 'run') throw new RolloutError('E_USAGE', `unknown chaos action "${action}": use list or run <id>`);
  const experiment = loaded.config.chaos.find((x) => x.id === id);
  if (!experiment) {
    const known = loaded.config.chaos.map((x) => x.id).join(', ') || 'none';
    throw new RolloutError(
      'E_USAGE',
      id
        ? `no chaos experiment "${id}" in ${loaded.file} (known: ${known})`
        : `chaos run needs an experiment id (known: ${known})`,
    );
  }
  if (options.dryRun === true) {
    const plan = {
      fault: describeFault(experiment.fault),
      duration: experiment.duration,
      probe: experiment.probe.id,
      recoveryObjective: experiment.recoveryObjective,
      checks: experiment.checks.map((c) => `${c.id} (${c.kind})`),
    };
    const result: ChaosRunResult = { experiment: null, dryRun: true, plan, cleaned };
    return {
      exitCode: EXIT.ok,
      result,
      human: (s) =>
        `${s.yellow('dry run')}: would inject ${plan.fault} for ${plan.duration}, probing ${plan.probe}${plan.checks.length ? `, checking ${plan.checks.join(', ')}` : ''}; recovery objective ${plan.recoveryObjective}. Nothing was injected.`,
    };
  }
  const experimentResult = await runGuarded(ctx, loaded, dir, experiment, deps, options.reason);
  // An aborted run reached no verdict: the previous record (if any) stands.
  const recordedIn =
    experimentResult.verdict === 'aborted'
      ? undefined
      : await recordResult(dir, experiment, experimentResult, ctx.clock.now());
  const result: ChaosRunResult = {
    experiment: experimentResult,
    dryRun: false,
    ...(recordedIn ? { recordedIn } : {}),
    cleaned,
  };
  return {
    exitCode: EXIT_BY_VERDICT[experimentResult.verdict],
    result,
    human: (s) =>
      `${renderExperiment(experimentResult, s)}${recordedIn ? `\n${s.dim(`recorded in ${recordedIn}`)}` : ''}`,
  };
}

function listExperiments(
  loaded: LoadedConfig,
  dir: string,
  cleaned: StaleCleanup | null,
): Promise<CommandResult<ChaosListResult>> {
  return readIntent(dir).then((active) => {
    const experiments = loaded.config.chaos.map((x) => ({
      id: x.id,
      title: x.title,
      ...(x.item ? { item: x.item } : {}),
      fault: describeFault(x.fault),
      duration: x.duration,
      recoveryObjective: x.recoveryObjective,
      streak: x.streak,
      probe: x.probe.id,
    }));
    const result: ChaosListResult = { experiments, active, cleaned };
    return {
      exitCode: EXIT.ok,
      result,
      human: (s) => {
        const lines = experiments.map(
          (x) =>
            `${s.bold(x.id.padEnd(22))} ${x.title}\n${' '.repeat(23)}${s.dim(`${x.fault}, ${x.duration}; recovery ≤ ${x.recoveryObjective}`)}`,
        );
        if (active)
          lines.push(
            s.yellow(
              `running now: ${active.experimentId} (pid ${active.pid} on ${active.host}, until ${active.expiresAt})`,
            ),
          );
        if (cleaned) lines.push(renderStaleCleanup(cleaned, s));
        return lines.length ? lines.join('\n') : 'no chaos experiments in this plan';
      },
    };
  });
}

/** Record the intent, install the signal handlers, run, and always undo both. */
async function runGuarded(
  ctx: Ctx,
  loaded: LoadedConfig,
  dir: string,
  x: ChaosExperiment,
  deps: ChaosDeps,
  reason: string | undefined,
): Promise<ExperimentResult> {
  const store = openState(ctx, loaded);
  const steadyTimeoutMs = deps.steadyTimeoutMs ?? DEFAULT_STEADY_TIMEOUT_MS;
  const durationMs = parseDuration(x.duration) ?? 0;
  const windowMs = steadyTimeoutMs + durationMs + (parseDuration(x.recoveryObjective) ?? 30_000);
  const now = ctx.clock.now();
  const intent: ChaosIntent = {
    v: 1,
    experimentId: x.id,
    pid: process.pid,
    host: hostname(),
    startedAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + windowMs).toISOString(),
    fault: {
      type: x.fault.type,
      ...(x.fault.listen ? { listen: x.fault.listen } : {}),
      ...(x.fault.target ? { target: x.fault.target } : {}),
      ...(x.fault.megabytes ? { megabytes: x.fault.megabytes } : {}),
    },
    processes: [],
  };
  const holder = await claimIntent(dir, intent);
  if (holder) {
    throw new RolloutError(
      'E_LOCK_BUSY',
      `chaos experiment ${holder.experimentId} is already running (pid ${holder.pid} on ${holder.host}, since ${holder.startedAt})`,
      { details: { holder } },
    );
  }
  const abort = new AbortController();
  deps.signal?.addEventListener('abort', () => abort.abort(), { once: true });
  // Signals are the one thing a command must catch itself: the fault has to be removed before exit.
  // `once` restores the default, so a second Ctrl-C still kills the process; the next run cleans up.
  const onSignal = (signal: NodeJS.Signals) => {
    ctx.progress(`${signal}: removing the fault…`);
    abort.abort();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await audit(ctx, store, 'chaos:start', reason, {
      experiment: x.id,
      fault: intent.fault,
      expiresAt: intent.expiresAt,
    });
    const driver = createFaultDriver(x, {
      // A process the fault starts ends on its own shortly after the window, even if this run is killed.
      maxLifetimeMs: durationMs + 5_000,
      onProcess: async (p) => {
        intent.processes.push(p);
        await updateIntent(dir, intent);
      },
    });
    const result = await runExperiment({
      experiment: x,
      driver,
      probe: deps.probe ?? (await defaultProbe(ctx, loaded)),
      clock: ctx.clock,
      progress: ctx.progress,
      signal: abort.signal,
      steadyTimeoutMs,
      checks: x.checks.map((check) =>
        createCheckRunner(check, { env: ctx.env, ...(deps.fetch ? { fetch: deps.fetch } : {}) }),
      ),
      ...(deps.intervalMs ? { intervalMs: deps.intervalMs } : {}),
    });
    const { timeline, ...summary } = result;
    await audit(ctx, store, 'chaos:run', reason, { ...summary, timelineEvents: timeline.length });
    return result;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await releaseIntent(dir);
  }
}

/** HTTP probes run stand-alone; prometheus and command probes go through the gates module. */
async function defaultProbe(ctx: Ctx, loaded: LoadedConfig): Promise<ProbeRunner> {
  const http = createHttpProbe({ env: ctx.env });
  const { createGateMetrics } = await import('../gates/metrics.js');
  const gctx: GateContext = {
    planDir: loaded.dir,
    env: ctx.env,
    clock: ctx.clock,
    redact: ctx.redact,
    release: loaded.config.release,
    phase: loaded.config.phases[0]?.id ?? '',
    state: null,
    budget: loaded.budget,
    budgetFile: loaded.config.budget,
    metrics: createGateMetrics(loaded.config.metrics.prometheus, ctx.env),
  };
  return createGateProbe(gctx, http);
}

async function audit(
  ctx: Ctx,
  store: StateStore,
  op: string,
  reason: string | undefined,
  data: unknown,
): Promise<void> {
  await store.appendAudit(redactDeep({ actor: ctx.actor, op, ...(reason ? { reason } : {}), data }, ctx.redact));
}
