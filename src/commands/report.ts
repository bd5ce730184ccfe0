import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { configCacheDir, rolloutVersion } from '../config/cache.js';
import type { Ctx } from '../context.js';
import { EXIT } from '../errors/catalogue.js';
import { RolloutError } from '../errors/rollout-error.js';
import { buildReportIncrementally, type HistoryRead } from '../report/checkpoint.js';
import { addProgressLooks, renderHtml, renderMarkdown, type ReleaseReport } from '../report/index.js';
import { progressFileFor } from '../watch/ports.js';
import { createFileProgressStore } from '../watch/progress-store.js';
import { auditHistoryOf } from '../state/audit-access.js';
import { FileStateStore } from '../state/file-store.js';
import type { StateStore } from '../state/store.js';
import { loadConfigFor } from './load-config.js';
import { openState } from '../state/open-state.js';
import type { CommandResult } from '../output/command-result.js';

export interface ReportResult {
  format: 'md' | 'html';
  /** Where the report was written, or null when it went to stdout. */
  file: string | null;
  report: ReleaseReport;
  /** How much of the audit log this report read (see src/report/checkpoint.ts). */
  history: HistoryRead;
}

/**
 * Where the report's checkpoint lives: beside the state for the file backend, in the per-user cache
 * for PostgreSQL (keyed by the store and release); null with --no-checkpoint or ROLLOUT_NO_CACHE.
 */
function checkpointFile(store: StateStore, release: string, options: ReportOptions, ctx: Ctx): string | null {
  if (options.checkpoint === false || ctx.env.ROLLOUT_NO_CACHE) return null;
  if (store instanceof FileStateStore) return path.join(store.dir, 'report-checkpoint.bin');
  const dir = configCacheDir(ctx.env);
  const name = createHash('sha256').update(`${store.describe()}\u0000${release}`).digest('hex').slice(0, 32);
  return dir ? path.join(dir, 'reports', `${name}.bin`) : null;
}

/** `rollout report` options as cli.ts parses them. */
export interface ReportOptions {
  format: 'md' | 'markdown' | 'html';
  out?: string;
  /** false with --no-checkpoint */
  checkpoint?: boolean;
}

export async function runReport(
  options: ReportOptions,
  _args: string[],
  ctx: Ctx,
): Promise<CommandResult<ReportResult>> {
  const format = options.format === 'html' ? 'html' : 'md';
  const loaded = await loadConfigFor(ctx);
  const store = openState(ctx, loaded);
  const state = await store.read();
  // The log is streamed through the report builder (memory does not grow with the history), from the
  // previous report's checkpoint when it still holds (time does not grow with it either).
  const { report, history } = await buildReportIncrementally({
    config: loaded.config,
    state,
    history: auditHistoryOf(store),
    now: ctx.clock.now(),
    version: await rolloutVersion(),
    file: checkpointFile(store, loaded.config.release, options, ctx),
  });
  if (!state && history.entries === 0)
    throw new RolloutError('E_NO_RELEASE', `no release ${loaded.config.release} in ${store.describe()} yet`);
  // A running watch has not recorded its looks yet: its progress file has them. Unreadable = none.
  addProgressLooks(
    report,
    await createFileProgressStore(progressFileFor(ctx, loaded))
      .load()
      .catch(() => null),
  );
  if (loaded.config.successMetrics.length > 0) {
    const [{ evaluateSuccessMetrics }, { readPrometheusSuccessMetrics }] = await Promise.all([
      import('../report/success-metrics.js'),
      import('../report/success-sources.js'),
    ]);
    const prometheus = await readPrometheusSuccessMetrics(ctx, loaded, state);
    report.successMetrics = evaluateSuccessMetrics(loaded.config, {
      report,
      state,
      auditEntries: history.entries,
      prometheus,
    });
  }
  // Reasons and evidence come from people and tools: redact before they reach a file or a mailbox.
  const document = ctx.redact(format === 'html' ? renderHtml(report) : renderMarkdown(report));
  const out = options.out !== undefined ? path.resolve(ctx.cwd, options.out) : null;
  if (out) await writeFile(out, document, { mode: 0o644 });
  return {
    exitCode: EXIT.ok,
    result: { format, file: out, report, history },
    human: (s) =>
      out
        ? `${s.green('wrote')} ${path.relative(ctx.cwd, out) || out}: ${format} report of ${report.release} (${report.omitted?.events ?? report.timeline.length} events, ${report.delivery.rollbacks} rollbacks)`
        : document,
  };
}
