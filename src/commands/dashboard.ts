import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Ctx } from '../context.js';
import { buildDashboard, type GrafanaDashboard } from '../dashboard/index.js';
import { EXIT } from '../errors/catalogue.js';
import { loadConfigFor } from './load-config.js';
import type { CommandResult, OutOptions } from '../output/command-result.js';

export interface DashboardResult {
  release: string;
  /** Where the dashboard was written, or null when it went to stdout. */
  file: string | null;
  panels: number;
  dashboard: GrafanaDashboard;
}

export async function runDashboard(
  options: OutOptions,
  _args: string[],
  ctx: Ctx,
): Promise<CommandResult<DashboardResult>> {
  const loaded = await loadConfigFor(ctx);
  const dashboard = buildDashboard(loaded.config, loaded.budget);
  const json = `${JSON.stringify(dashboard, null, 2)}\n`;
  const out = options.out !== undefined ? path.resolve(ctx.cwd, options.out) : null;
  if (out) await writeFile(out, json, { mode: 0o644 });
  const panels = dashboard.panels.filter((p) => p.type !== 'row').length;
  return {
    exitCode: EXIT.ok,
    result: { release: loaded.config.release, file: out, panels, dashboard },
    human: (s) =>
      out
        ? `${s.green('wrote')} ${path.relative(ctx.cwd, out) || out}: dashboard "${dashboard.title}" (uid ${dashboard.uid}), ${panels} panels; import it in Grafana and pick the Prometheus datasource`
        : json,
  };
}
