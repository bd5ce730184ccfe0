import type { LoadedConfig } from '../config/load.js';
import type { Ctx } from '../context.js';
import { EXIT } from '../errors/catalogue.js';
import { RolloutError } from '../errors/rollout-error.js';
import type { Style } from '../output/style.js';
import type { WatchSummary } from '../watch/loop.js';
import type { MetricsEndpoint, WatchMetrics } from '../watch/metrics-endpoint.js';
import { loadConfigFor } from './load-config.js';
import type { CommandResult } from '../output/command-result.js';

export interface WatchResult extends WatchSummary {
  release: string;
  intervalMs: number;
  forMs: number | null;
  metricsUrl?: string;
  progressFile: string;
}

function readDuration(value: unknown, name: string, parse: (s: string) => number | null): number | undefined {
  if (value === undefined) return undefined;
  const ms = typeof value === 'string' ? parse(value) : null;
  if (ms === null || ms <= 0)
    throw new RolloutError('E_USAGE', `${name} ${String(value)}: a duration such as 2s, 1m or 24h`);
  return ms;
}

/**
 * Looks closer together than this only re-read the same Prometheus scrape while multiplying the query
 * load (every look runs every trigger's queries for both arms). Same bound as `watch.interval` in the plan.
 */
export const MIN_WATCH_INTERVAL_MS = 1_000;

function readInterval(value: unknown, source: string, parse: (s: string) => number | null): number {
  const ms = readDuration(value, source, parse) as number;
  if (ms < MIN_WATCH_INTERVAL_MS) {
    throw new RolloutError(
      'E_USAGE',
      `${source} ${String(value)} is too short: the watch interval is at least 1s (each look queries Prometheus for every trigger)`,
    );
  }
  return ms;
}

/** Listen for the watch's own metrics; a port that is taken or not allowed is a usage error naming it. */
async function openMetricsEndpoint(serve: () => Promise<MetricsEndpoint>, port: number): Promise<MetricsEndpoint> {
  try {
    return await serve();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE')
      throw new RolloutError(
        'E_USAGE',
        `--metrics-port ${port}: the port is already in use on 127.0.0.1; choose another port, or 0 for any free one`,
      );
    if (code === 'EACCES')
      throw new RolloutError(
        'E_USAGE',
        `--metrics-port ${port}: not allowed to listen on this port (ports below 1024 need privileges); choose another port, or 0 for any free one`,
      );
    throw error;
  }
}

/**
 * `rollout watch` options as cli.ts parses them: --for and --interval are durations (as written) already
 * range-checked there; they are checked again here, where the plan's watch.interval gets the same check.
 */
export interface WatchOptions {
  for?: string;
  interval?: string;
  metricsPort?: number;
}

/** `rollout watch` as registered in the CLI: SIGINT/SIGTERM finish the current look, persist, and stop. */
export async function runWatchCli(
  options: WatchOptions,
  args: string[],
  ctx: Ctx,
): Promise<CommandResult<WatchResult>> {
  const controller = new AbortController();
  const stop = (signal: NodeJS.Signals) => {
    ctx.progress(`watch: ${signal} received; finishing the current look`);
    controller.abort();
  };
  // `once`: a second signal gets Node's default behaviour, so a stuck look can still be interrupted.
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    return await runWatchCommand(options, args, ctx, { signal: controller.signal });
  } finally {
    process.removeListener('SIGINT', stop);
    process.removeListener('SIGTERM', stop);
  }
}

/** The command itself, with the stop signal passed in (tests pass their own). */
export async function runWatchCommand(
  options: WatchOptions,
  _args: string[],
  ctx: Ctx,
  extra: { signal?: AbortSignal } = {},
): Promise<CommandResult<WatchResult>> {
  const { parseDuration } = await import('../config/duration.js');
  const loaded = await loadConfigFor(ctx);
  const forMs = readDuration(options.for, '--for', parseDuration);
  const intervalMs = readInterval(
    options.interval ?? loaded.config.watch.interval,
    options.interval === undefined ? 'watch.interval (rollout.yaml)' : '--interval',
    parseDuration,
  );
  const port = options.metricsPort;
  await assertWatchable(loaded);
  const { WatchMetrics, serveWatchMetrics } = await import('../watch/metrics-endpoint.js');
  const metrics = new WatchMetrics();
  // Taken before anything else, so a busy port is reported the same way whether or not there is something to watch.
  const endpoint = port !== undefined ? await openMetricsEndpoint(() => serveWatchMetrics(metrics, port), port) : null;
  try {
    return await watchRelease({
      options: { intervalMs, ...(forMs !== undefined ? { forMs } : {}) },
      ctx,
      loaded,
      metrics,
      endpoint,
      ...(extra.signal ? { signal: extra.signal } : {}),
    });
  } finally {
    await endpoint?.close();
  }
}

async function watchRelease(w: {
  options: { intervalMs: number; forMs?: number };
  ctx: Ctx;
  loaded: LoadedConfig;
  metrics: WatchMetrics;
  endpoint: MetricsEndpoint | null;
  signal?: AbortSignal;
}): Promise<CommandResult<WatchResult>> {
  const { ctx, loaded, metrics, endpoint } = w;
  const { intervalMs, forMs } = w.options;
  const [
    { runWatch, finishKillSwitch },
    { createWatchPorts, progressFileFor },
    { findWatchScope },
    { unfinishedKillSwitch },
  ] = await Promise.all([
    import('../watch/loop.js'),
    import('../watch/ports.js'),
    import('../watch/scope.js'),
    import('../lifecycle/planner.js'),
  ]);
  const ports = createWatchPorts(ctx, loaded);
  const base = {
    release: loaded.config.release,
    intervalMs,
    forMs: forMs ?? null,
    progressFile: progressFileFor(ctx, loaded),
  };
  // Nothing at risk: answer before asking for a metrics source that may not be configured yet.
  const state = await ports.readRelease();
  const scope = findWatchScope(loaded.config, state);
  if (!scope.active) {
    const now = ctx.clock.now().toISOString();
    const idle: WatchResult = {
      ...base,
      watched: false,
      stop: 'nothing-to-watch',
      message: `nothing to watch: ${scope.reason}`,
      exitCode: EXIT.ok,
      scope: null,
      phase: null,
      stage: null,
      startedAt: now,
      endedAt: now,
      looks: 0,
      totalLooks: 0,
      resumed: false,
      triggers: [],
      alerted: [],
      holding: false,
      sourceErrors: 0,
    };
    // A rollback whose kill switch never went on is not "nothing at risk": finish it, Prometheus or not.
    const unfinished = unfinishedKillSwitch(loaded.config, state);
    if (!unfinished) return { exitCode: EXIT.ok, result: idle, human: () => idle.message };
    const result: WatchResult = { ...base, ...(await finishKillSwitch(ctx, loaded, ports, unfinished, idle)) };
    return { exitCode: result.exitCode, result, human: (s) => renderWatch(result, s) };
  }
  const { openMetrics } = await import('../metrics/open-metrics.js');
  const source = await openMetrics(ctx, loaded);
  if (endpoint) ctx.progress(`watch metrics: ${endpoint.url}`);
  const summary = await runWatch({
    ctx,
    loaded,
    source,
    ports,
    intervalMs,
    ...(forMs !== undefined ? { forMs } : {}),
    ...(w.signal ? { signal: w.signal } : {}),
    metrics,
  });
  const result: WatchResult = { ...base, ...summary, ...(endpoint ? { metricsUrl: endpoint.url } : {}) };
  return { exitCode: summary.exitCode, result, human: (s) => renderWatch(result, s) };
}

async function assertWatchable(loaded: LoadedConfig): Promise<void> {
  if (loaded.config.triggers.length === 0)
    throw new RolloutError('E_CONFIG', `${loaded.file} has no rollback triggers: watch would have nothing to evaluate`);
  const { resolveTriggers, TriggerConfigError } = await import('../watch/specs.js');
  try {
    resolveTriggers(loaded.config);
  } catch (error) {
    if (error instanceof TriggerConfigError)
      throw new RolloutError('E_CONFIG', error.message, { details: { problems: error.problems } });
    throw error;
  }
}

function renderWatch(r: WatchResult, s: Style): string {
  const head = r.exitCode === 0 ? s.green(r.message) : r.exitCode === 3 ? s.yellow(r.message) : s.red(r.message);
  const lines = [
    head,
    `${r.release} ${r.phase ?? ''}/${r.stage ?? ''}: ${r.looks} looks this run (${r.totalLooks} in this stage${r.resumed ? ', resumed' : ''}), ${r.sourceErrors} source errors`,
  ];
  for (const t of r.triggers) {
    const mark =
      t.status === 'ok' ? s.green('ok') : t.status === 'fired' ? s.red('FIRED') : s.yellow(t.status.toUpperCase());
    lines.push(
      `  ${t.id.padEnd(18)} ${mark.padEnd(8)} ${t.detail}${t.pValue !== undefined ? ` [p=${t.pValue.toPrecision(2)}]` : ''}`,
    );
  }
  if (r.alerted.length) lines.push(`alerts sent (manual review): ${r.alerted.join(', ')}`);
  if (r.rollback)
    lines.push(
      `rollback ${r.rollback.rollbackId} (${r.rollback.mode}): ${r.rollback.ok ? 'done' : `incomplete — ${r.rollback.problems.join('; ')}`}`,
    );
  return lines.join('\n');
}
