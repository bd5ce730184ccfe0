import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Ctx } from '../context.js';
import { EXIT } from '../errors/catalogue.js';
import { RolloutError } from '../errors/rollout-error.js';
import { buildReportFromLog, renderHtml, renderMarkdown, type ReleaseReport } from '../report/index.js';
import { auditHistoryOf } from '../state/audit-access.js';
import { loadConfigFor } from './load-config.js';
import { openState } from '../state/open-state.js';
import type { CommandResult } from '../output/command-result.js';

export interface ReportResult {
  format: 'md' | 'html';
  /** Where the report was written, or null when it went to stdout. */
  file: string | null;
  report: ReleaseReport;
}

/** `rollout report` options as cli.ts parses them. */
export interface ReportOptions {
  format: 'md' | 'markdown' | 'html';
  out?: string;
}

export async function runReport(options: ReportOptions, _args: string[], ctx: Ctx): Promise<CommandResult<ReportResult>> {
  const format = options.format === 'html' ? 'html' : 'md';
  const loaded = await loadConfigFor(ctx);
  const store = openState(ctx, loaded);
  const state = await store.read();
  // The log is streamed through the report builder: memory does not grow with the history.
  const history = auditHistoryOf(store);
  const { report, entries } = await buildReportFromLog(loaded.config, state, (visit) => history.scan(visit), ctx.clock.now());
  if (!state && entries === 0) throw new RolloutError('E_NO_RELEASE', `no release ${loaded.config.release} in ${store.describe()} yet`);
  // Reasons and evidence come from people and tools: redact before they reach a file or a mailbox.
  const document = ctx.redact(format === 'html' ? renderHtml(report) : renderMarkdown(report));
  const out = options.out !== undefined ? path.resolve(ctx.cwd, options.out) : null;
  if (out) await writeFile(out, document, { mode: 0o644 });
  return {
    exitCode: EXIT.ok,
    result: { format, file: out, report },
    human: (s) => (out ? `${s.green('wrote')} ${path.relative(ctx.cwd, out) || out}: ${format} report of ${report.release} (${report.omitted?.events ?? report.timeline.length} events, ${report.delivery.rollbacks} rollbacks)` : document),
  };
}
