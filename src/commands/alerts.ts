import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { buildAlertRules, renderRulesYaml, type AlertNote, type AlertRuleGroup } from '../alerts/index.js';
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

export async function runAlerts(options: OutOptions, _args: string[], ctx: Ctx): Promise<CommandResult<AlertsResult>> {
  const loaded = await loadConfigFor(ctx);
  const built = buildAlertRules(loaded.config, loaded.budget);
  const yaml = renderRulesYaml(built, {
    plan: path.relative(ctx.cwd, loaded.file) || loaded.file,
    budget: loaded.config.budget,
    release: loaded.config.release,
  });
  const out = options.out !== undefined ? path.resolve(ctx.cwd, options.out) : null;
  if (out) await writeFile(out, yaml, { mode: 0o644 });
  const rules = built.groups.reduce((n, g) => n + g.rules.length, 0);
  const result: AlertsResult = { release: loaded.config.release, file: out, rules, groups: built.groups, notes: built.notes, yaml };
  return {
    exitCode: EXIT.ok,
    result,
    human: (s) => {
      if (!out) return yaml;
      const lines = [`${s.green('wrote')} ${path.relative(ctx.cwd, out) || out}: ${rules} rules in ${built.groups.length} groups (check with \`promtool check rules\`)`];
      for (const note of built.notes) {
        lines.push(`${s.yellow('note')} ${note.trigger}: ${note.message}`);
        if (note.sketch) lines.push(`     ${note.sketch}`);
      }
      return lines.join('\n');
    },
  };
}
