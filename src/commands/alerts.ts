import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { buildAlertRules, renderRulesYaml, type AlertNote, type AlertRuleGroup } from '../alerts/index.js';
import { DEFAULT_ALERT_RUNBOOK } from '../alerts/types.js';
import type { LoadedConfig } from '../config/load.js';
import type { Ctx } from '../context.js';
import { EXIT } from '../errors/catalogue.js';
import { loadConfigFor } from './load-config.js';
import type { CommandResult, OutOptions } from '../output/command-result.js';

export interface AlertsResult {
  release: string;
  /** Where the rules file was written, or null when it went to stdout. */
  file: string | null;
  rules: number;
  groups: AlertRuleGroup[];
  notes: AlertNote[];
  yaml: string;
}

/**
 * Which runbook each alert names: a runbook of the project whose `triggers:` lists the trigger, as its
 * path under the plan's `runbooks:` directory; otherwise the generic one, as the command that shows it
 * (it ships with rollout, not in the project).
 */
async function indexRunbooks(loaded: LoadedConfig): Promise<(trigger: string) => string> {
  const { listRunbooks } = await import('../runbooks/library.js');
  const { runbooks } = await listRunbooks([path.resolve(loaded.dir, loaded.config.runbooks)]);
  const own = new Set(runbooks.map((r) => r.id));
  return (trigger) => {
    const declared = runbooks.find((r) => r.triggers.includes(trigger));
    if (declared) return `${loaded.config.runbooks}/${declared.id}.md`;
    return own.has(DEFAULT_ALERT_RUNBOOK)
      ? `${loaded.config.runbooks}/${DEFAULT_ALERT_RUNBOOK}.md`
      : `rollout runbook show ${DEFAULT_ALERT_RUNBOOK}`;
  };
}

export async function runAlerts(options: OutOptions, _args: string[], ctx: Ctx): Promise<CommandResult<AlertsResult>> {
  const loaded = await loadConfigFor(ctx);
  const built = buildAlertRules(loaded.config, loaded.budget, await indexRunbooks(loaded));
  const yaml = renderRulesYaml(built, {
    plan: path.relative(ctx.cwd, loaded.file) || loaded.file,
    budget: loaded.config.budget,
    release: loaded.config.release,
  });
  const out = options.out !== undefined ? path.resolve(ctx.cwd, options.out) : null;
  if (out) await writeFile(out, yaml, { mode: 0o644 });
  const rules = built.groups.reduce((n, g) => n + g.rules.length, 0);
  const result: AlertsResult = {
    release: loaded.config.release,
    file: out,
    rules,
    groups: built.groups,
    notes: built.notes,
    yaml,
  };
  return {
    exitCode: EXIT.ok,
    result,
    human: (s) => {
      if (!out) return yaml;
      const lines = [
        `${s.green('wrote')} ${path.relative(ctx.cwd, out) || out}: ${rules} rules in ${built.groups.length} groups (check with \`promtool check rules\`)`,
      ];
      for (const note of built.notes) {
        lines.push(`${s.yellow('note')} ${note.trigger}: ${note.message}`);
        if (note.sketch) lines.push(`     ${note.sketch}`);
      }
      return lines.join('\n');
    },
  };
}
