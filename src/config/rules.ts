import type { Problem } from '../errors/rollout-error.js';
import { fitsPercentStep, PROVIDERS } from '../flags/providers/registry.js';
import type { PerfBudget, RawConfig } from './schema.js';
import { checkTemplates } from './template-rules.js';
import { checkPlanText } from './text-rules.js';
import { locate, type YamlSource } from './yaml-source.js';

type Path = (string | number)[];
interface RuleContext {
  config: RawConfig;
  budget: PerfBudget | null;
  report(path: Path, message: string, severity?: 'error' | 'warning'): void;
}

const SHELL_SYNTAX = /[\s|&;<>$`()*?~]/;
const QUERY_VARS = /\{\{\s*([A-Za-z_]+)\s*\}\}/g;

/** Rules that span fields: ordering, references, duplicates. Each reports at the offending node. */
export function checkRules(config: RawConfig, source: YamlSource, budget: PerfBudget | null): Problem[] {
  const problems: Problem[] = [];
  const ctx: RuleContext = {
    config,
    budget,
    report(path, message, severity = 'error') {
      problems.push({ file: source.file, ...locate(source, path), message, severity });
    },
  };
  for (const rule of [checkUniqueIds, checkPhases, checkFlags, checkCanary, checkTriggers, checkRollback, checkChaos])
    rule(ctx);
  checkTemplates(config, (path, message, severity) => ctx.report(path, message, severity));
  checkPlanText(source.data, (path, message) => ctx.report(path, message));
  return problems;
}

function unique(
  ctx: RuleContext,
  items: { id: string }[],
  base: Path,
  what: string,
  seen = new Map<string, Path>(),
): void {
  items.forEach((item, i) => {
    const first = seen.get(item.id);
    if (first)
      ctx.report([...base, i, 'id'], `duplicate ${what} id "${item.id}" (first defined at ${first.join('.')})`);
    else seen.set(item.id, [...base, i]);
  });
}

function checkUniqueIds(ctx: RuleContext): void {
  const { config } = ctx;
  unique(ctx, config.phases, ['phases'], 'phase');
  const checklist = new Map<string, Path>();
  unique(ctx, config.completionChecklist, ['completionChecklist'], 'checklist item', checklist);
  config.phases.forEach((phase, p) => {
    unique(ctx, phase.gates, ['phases', p, 'gates'], 'gate');
    unique(ctx, phase.checklist, ['phases', p, 'checklist'], 'checklist item', checklist);
    if (phase.rollout) unique(ctx, phase.rollout.stages, ['phases', p, 'rollout', 'stages'], 'stage');
  });
  unique(
    ctx,
    config.flags.map((f) => ({ id: f.key })),
    ['flags'],
    'flag',
  );
  if (config.canary) unique(ctx, config.canary.metrics, ['canary', 'metrics'], 'metric');
  unique(ctx, config.triggers, ['triggers'], 'trigger');
  unique(ctx, config.chaos, ['chaos'], 'chaos experiment');
}

function httpGateIds(config: RawConfig): Set<string> {
  return new Set(config.phases.flatMap((p) => p.gates.filter((g) => g.kind === 'http').map((g) => g.id)));
}

function checkPhases(ctx: RuleContext): void {
  const { config } = ctx;
  const completionIds = new Set(config.completionChecklist.map((c) => c.id));
  config.phases.forEach((phase, p) => {
    const local = new Set([...phase.checklist.map((c) => c.id), ...completionIds]);
    phase.gates.forEach((gate, g) => {
      const at: Path = ['phases', p, 'gates', g];
      checkGate(ctx, gate, at);
      if (gate.kind === 'manual' && !local.has(gate.signoff)) {
        ctx.report([...at, 'signoff'], `sign-off "${gate.signoff}" is not a checklist item of phase ${phase.id}`);
      }
    });
    if (phase.rollout) {
      const stages = phase.rollout.stages;
      const base: Path = ['phases', p, 'rollout'];
      if (!config.flags.some((f) => f.key === phase.rollout?.flag)) {
        ctx.report([...base, 'flag'], `flag "${phase.rollout.flag}" is not defined under flags`);
      }
      if (!config.canary) ctx.report(base, 'a progressive rollout needs a canary section to judge its stages');
      stages.forEach((stage, s) => {
        const prev = stages[s - 1];
        if (stage.percent === 0 && stage.groups.length === 0) {
          ctx.report(
            [...base, 'stages', s, 'percent'],
            `stage ${stage.id} serves the new variant to nobody: give it groups (0 % with groups = those groups only) or a percentage`,
          );
        }
        if (prev && stage.percent <= prev.percent) {
          ctx.report(
            [...base, 'stages', s, 'percent'],
            `stage percentages must increase: ${stage.percent} follows ${prev.percent}`,
          );
        }
      });
      const last = stages[stages.length - 1];
      if (last && last.percent !== 100) {
        ctx.report(
          [...base, 'stages', stages.length - 1, 'percent'],
          `the last stage stops at ${last.percent} %; the release is never complete`,
          'warning',
        );
      }
    }
  });
}

function checkGate(ctx: RuleContext, gate: RawConfig['phases'][number]['gates'][number], at: Path): void {
  if (gate.kind === 'chaos') {
    const known = ctx.config.chaos.map((x) => x.id);
    gate.experiments.forEach((id, i) => {
      if (!known.includes(id))
        ctx.report(
          [...at, 'experiments', i],
          `chaos experiment "${id}" is not defined under chaos: (known: ${known.join(', ') || 'none'})`,
        );
    });
  }
  if (gate.kind === 'command') {
    const [program] = gate.run;
    if (gate.run.length === 1 && program !== undefined && SHELL_SYNTAX.test(program)) {
      ctx.report(
        [...at, 'run'],
        `"${program}" looks like a shell string; write the argv as a list, e.g. [${program
          .split(/\s+/)
          .map((w) => JSON.stringify(w))
          .join(', ')}]`,
      );
    }
  }
  if (gate.kind === 'http' && (gate.url === undefined) === (gate.urlEnv === undefined)) {
    ctx.report(at, `http gate "${gate.id}" needs exactly one of url or urlEnv`);
  }
  if (gate.kind === 'prometheus') {
    for (const m of gate.query.matchAll(QUERY_VARS)) {
      const name = m[1] as string;
      if (name === 'window' && !gate.window)
        ctx.report([...at, 'query'], 'the query uses {{window}} but the gate has no window');
      else if (name !== 'window' && name !== 'release')
        ctx.report([...at, 'query'], `unknown template variable {{${name}}} (gates know {{window}} and {{release}})`);
    }
  }
  if (gate.kind === 'file') {
    if (gate.contains === undefined && gate.matches === undefined && gate.releaseSection === undefined) {
      ctx.report(at, `file gate "${gate.id}" needs contains, matches or releaseSection`);
    } else if (gate.releaseSection !== undefined && (gate.contains !== undefined || gate.matches !== undefined)) {
      ctx.report(
        [...at, 'releaseSection'],
        `file gate "${gate.id}": releaseSection is a check of its own; use a second gate for contains or matches`,
      );
    }
  }
  if (gate.kind === 'file' && gate.matches !== undefined) {
    try {
      new RegExp(gate.matches);
    } catch (error) {
      ctx.report([...at, 'matches'], `not a regular expression: ${(error as Error).message}`);
    }
  }
}

function checkFlags(ctx: RuleContext): void {
  const publishByFile = new Map<string, { index: number; publish: string }>();
  ctx.config.flags.forEach((flag, f) => {
    if (flag.variants.new === flag.variants.fallback) {
      ctx.report(
        ['flags', f, 'variants', 'fallback'],
        `the fallback variant must differ from the new variant "${flag.variants.new}"`,
      );
    }
    if (flag.publish) {
      const [program] = flag.publish.run;
      if (flag.publish.run.length === 1 && program !== undefined && SHELL_SYNTAX.test(program)) {
        ctx.report(
          ['flags', f, 'publish', 'run'],
          `"${program}" looks like a shell string; write the argv as a list, e.g. [${program
            .split(/\s+/)
            .map((w) => JSON.stringify(w))
            .join(', ')}]`,
        );
      }
    }
    checkProviderBlock(ctx, f);
    if (flag.provider !== 'flagd-file') return;
    // Flags that share a file are written (and so published) together: one command for the file.
    const publish = JSON.stringify(flag.publish ?? null);
    const first = publishByFile.get(flag.file);
    if (first && first.publish !== publish) {
      ctx.report(
        ['flags', f, 'publish'],
        `flags ${ctx.config.flags[first.index]?.key} and ${flag.key} share ${flag.file} but publish it differently; give them the same publish (or none)`,
      );
    } else if (!first) publishByFile.set(flag.file, { index: f, publish });
  });
  checkProviderLimits(ctx);
}

/** A provider's own block (`flags[].<kind>`) is required by its provider and meaningless for any other. */
function checkProviderBlock(ctx: RuleContext, f: number): void {
  const flag = ctx.config.flags[f];
  if (!flag) return;
  const blocks = { unleash: flag.unleash } as const;
  for (const [kind, block] of Object.entries(blocks)) {
    if (kind === flag.provider && !block)
      ctx.report(
        ['flags', f, 'provider'],
        `flag ${flag.key} uses the ${kind} provider but has no flags[].${kind} block (at least \`environment\`; the URL and token come from the environment)`,
      );
    if (kind !== flag.provider && block)
      ctx.report(
        ['flags', f, kind],
        `flag ${flag.key} uses the ${flag.provider} provider: flags[].${kind} applies only with provider: ${kind}`,
      );
  }
  if (flag.provider !== 'flagd-file' && flag.publish)
    ctx.report(
      ['flags', f, 'publish'],
      `flag ${flag.key} lives in ${flag.provider}, which applications read directly: publish applies only to flagd-file flags`,
    );
}

/** Each stage must be servable by its flag's provider (e.g. whole percentages only). */
function checkProviderLimits(ctx: RuleContext): void {
  ctx.config.phases.forEach((phase, p) => {
    const flag = ctx.config.flags.find((f) => f.key === phase.rollout?.flag);
    if (!flag || !phase.rollout) return;
    const { percentStep } = PROVIDERS[flag.provider].capabilities;
    phase.rollout.stages.forEach((stage, s) => {
      if (!fitsPercentStep(stage.percent, percentStep)) {
        ctx.report(
          ['phases', p, 'rollout', 'stages', s, 'percent'],
          `${stage.percent} % cannot be served by the ${flag.provider} provider of flag ${flag.key}: it takes percentages in steps of ${percentStep}`,
        );
      }
    });
  });
}

function checkCanary(ctx: RuleContext): void {
  const canary = ctx.config.canary;
  if (!canary) return;
  if (canary.arms.canary === canary.arms.baseline)
    ctx.report(['canary', 'arms', 'baseline'], 'the baseline arm must differ from the canary arm');
  canary.metrics.forEach((metric, m) => {
    const at: Path = ['canary', 'metrics', m];
    const queries =
      metric.kind === 'ratio'
        ? [metric.events, metric.total]
        : metric.kind === 'threshold'
          ? [metric.query ?? '']
          : [metric.query];
    for (const q of queries) {
      for (const v of q.matchAll(QUERY_VARS)) {
        if (!['variant', 'window', 'release'].includes(v[1] as string))
          ctx.report(
            at,
            `unknown template variable {{${v[1]}}} (metrics know {{variant}}, {{window}} and {{release}})`,
          );
      }
    }
    if (metric.kind === 'threshold') {
      if (metric.source === 'prometheus' && !metric.query)
        ctx.report(at, `threshold metric "${metric.id}" reads Prometheus and needs a query`);
      if (metric.max === undefined && metric.min === undefined)
        ctx.report(at, `threshold metric "${metric.id}" needs max or min`);
      if (typeof metric.max === 'string') {
        const key = metric.max.slice('budget.'.length);
        const value = ctx.budget ? (ctx.budget as Record<string, unknown>)[key] : undefined;
        if (typeof value !== 'number')
          ctx.report([...at, 'max'], `${metric.max} is not a number in the performance budget file`);
      }
    }
  });
}

function checkTriggers(ctx: RuleContext): void {
  const { config } = ctx;
  const metrics = new Map((config.canary?.metrics ?? []).map((m) => [m.id, m]));
  const health = httpGateIds(config);
  config.triggers.forEach((trigger, t) => {
    const at: Path = ['triggers', t];
    if ((trigger.metric === undefined) === (trigger.healthCheck === undefined)) {
      ctx.report(at, `trigger "${trigger.id}" needs exactly one of metric or healthCheck`);
      return;
    }
    if (trigger.metric !== undefined) {
      const metric = metrics.get(trigger.metric);
      if (!metric) {
        ctx.report(
          [...at, 'metric'],
          `trigger "${trigger.id}" watches metric "${trigger.metric}", which is not defined under canary.metrics`,
        );
        return;
      }
      if (trigger.above === undefined && trigger.below === undefined)
        ctx.report(at, `trigger "${trigger.id}" needs above or below`);
      const relative = [trigger.above, trigger.below].some((l) => typeof l === 'string');
      if (relative && metric.kind === 'threshold' && metric.source === 'verify') {
        ctx.report(at, `metric "${metric.id}" has no baseline arm; use an absolute limit`);
      }
    } else if (!health.has(trigger.healthCheck as string)) {
      ctx.report([...at, 'healthCheck'], `health check "${trigger.healthCheck}" is not an http gate of any phase`);
    }
  });
}

function checkRollback(ctx: RuleContext): void {
  const health = httpGateIds(ctx.config);
  ctx.config.rollback.full.healthChecks.forEach((id, i) => {
    if (!health.has(id))
      ctx.report(['rollback', 'full', 'healthChecks', i], `health check "${id}" is not an http gate of any phase`);
  });
}

function checkChaos(ctx: RuleContext): void {
  ctx.config.chaos.forEach((exp, e) => {
    const at: Path = ['chaos', e];
    if (!['http', 'prometheus', 'command'].includes(exp.probe.kind))
      ctx.report(
        [...at, 'probe', 'kind'],
        `a steady-state probe is an http, prometheus or command check, not ${exp.probe.kind}`,
      );
    const needsProxy = exp.fault.type !== 'memory-pressure';
    if (needsProxy && (!exp.fault.target || !exp.fault.listen))
      ctx.report([...at, 'fault'], `fault ${exp.fault.type} needs target and listen (host:port)`);
    if (exp.fault.type === 'latency' && !exp.fault.latency)
      ctx.report([...at, 'fault'], 'a latency fault needs latency, e.g. 200ms');
    exp.checks.forEach((check, c) => checkExperimentCheck(ctx, check, [...at, 'checks', c]));
    unique(ctx, exp.checks, [...at, 'checks'], 'check');
  });
}

const HAS = (name: string, text: string | undefined) => new RegExp(`\\{\\{\\s*${name}\\s*\\}\\}`).test(text ?? '');

function checkExperimentCheck(ctx: RuleContext, check: RawConfig['chaos'][number]['checks'][number], at: Path): void {
  if (!check.url && !check.urlEnv) ctx.report(at, `check ${check.id} needs url or urlEnv (the application's base URL)`);
  const requests = check.kind === 'write-read' ? [check.write, check.read] : check.steps;
  const paths: Path[] =
    check.kind === 'write-read'
      ? [
          [...at, 'write'],
          [...at, 'read'],
        ]
      : check.steps.map((_, i) => [...at, 'steps', i]);
  requests.forEach((request, i) => {
    if (!request.bodyMatches) return;
    try {
      new RegExp(request.bodyMatches);
    } catch (error) {
      ctx.report([...(paths[i] as Path), 'bodyMatches'], `not a regular expression: ${(error as Error).message}`);
    }
  });
  if (check.kind !== 'write-read') return;
  if (!HAS('key', check.write.path) && !HAS('key', check.write.body))
    ctx.report([...at, 'write'], 'the write must name {{key}} in its path or body, or every write lands on one record');
  if (!HAS('value', check.write.body))
    ctx.report([...at, 'write'], 'the write body must carry {{value}}: that is what is read back');
  if (!HAS('key', check.read.path))
    ctx.report([...at, 'read', 'path'], 'the read path must name {{key}}, so each acknowledged write is read back');
}
