import { findPromqlSyntaxProblem, PromqlTemplateError, renderQuery } from '../metrics/promql.js';
import { parseDuration } from './duration.js';
import type { GateConfig, MetricConfig, RawConfig } from './schema.js';

type Path = (string | number)[];
type Report = (path: Path, message: string, severity?: 'error' | 'warning') => void;

/** Gate and metric templates name these; the older rules in rules.ts report unknown names of this shape. */
const SIMPLE_NAME = /^[A-Za-z_]+$/;
/** Prometheus answers a range query with at most 11,000 points per series. */
const MAX_RANGE_POINTS = 11_000;

/**
 * Renders every PromQL template with the values each command will pass it — preflight (gate window,
 * release), analyze (both arms, the canary window), watch (both arms, each trigger's window),
 * alerts (each trigger's window, else the watch interval) and the dashboard (each trigger's window,
 * else the canary window) — so a template that validates also renders at run time.
 */
export function checkTemplates(config: RawConfig, report: Report): void {
  config.phases.forEach((phase, p) => {
    phase.gates.forEach((gate, g) => checkGateTemplate(gate, ['phases', p, 'gates', g], config.release, report));
  });
  config.chaos.forEach((exp, e) => checkGateTemplate(exp.probe, ['chaos', e, 'probe'], config.release, report));
  const canary = config.canary;
  if (!canary) return;
  canary.metrics.forEach((metric, m) => {
    const windows = new Set([canary.window]);
    for (const t of config.triggers) {
      if (t.metric !== metric.id) continue;
      windows.add(t.window ?? canary.window);
      windows.add(t.window ?? config.watch.interval);
    }
    const at: Path = ['canary', 'metrics', m];
    for (const [field, template] of templatesOf(metric)) {
      const problem = firstProblem(template, [canary.arms.canary, canary.arms.baseline], [...windows], config.release);
      if (problem) report([...at, field], problem);
    }
    if (metric.kind === 'distribution') checkDistribution(metric, canary.window, at, report);
  });
  config.triggers.forEach((t, i) => {
    const metric = canary.metrics.find((m) => m.id === t.metric);
    if (metric?.kind === 'distribution') {
      report(
        ['triggers', i, 'metric'],
        `trigger "${t.id}" watches the distribution metric "${metric.id}", which watch cannot evaluate (analyze judges it); trigger on a ratio or threshold metric`,
      );
    }
  });
}

/** A `[5m]` range in a query (not a `{{window}}` one, which the window decides). */
const RANGE = /\[\s*(\d+(?:ms|[smhdwy])(?:\d+(?:ms|[smhdwy]))*)\s*(?::[^\]]*)?\]/g;

function checkDistribution(
  metric: Extract<MetricConfig, { kind: 'distribution' }>,
  window: string,
  at: Path,
  report: Report,
): void {
  if (metric.method === 'histogram') {
    if (!/\ble\b/.test(metric.query)) {
      report(
        [...at, 'query'],
        'a histogram metric needs one series per bucket: group by `le`, e.g. sum by (le) (increase(x_bucket{variant="{{variant}}"}[{{window}}]))',
        'warning',
      );
    }
    return;
  }
  const windowMs = parseDuration(window);
  const stepMs = parseDuration(metric.step);
  if (windowMs !== null && stepMs !== null && stepMs > 0 && windowMs / stepMs > MAX_RANGE_POINTS) {
    report(
      [...at, 'step'],
      `step ${metric.step} over the canary window ${window} asks Prometheus for more than ${MAX_RANGE_POINTS} points; use a longer step`,
    );
  }
  for (const match of metric.query.matchAll(RANGE)) {
    const rangeMs = parseDuration(match[1] as string);
    if (rangeMs !== null && stepMs !== null && rangeMs > stepMs) {
      report(
        [...at, 'query'],
        `the query's range [${match[1]}] is longer than its step ${metric.step}: consecutive points share ${Math.round((100 * (rangeMs - stepMs)) / rangeMs)} % of their requests and are not independent; use a range equal to the step, or method: histogram on the bucket counts`,
        'warning',
      );
      return;
    }
  }
}

function checkGateTemplate(gate: GateConfig, at: Path, release: string, report: Report): void {
  if (gate.kind !== 'prometheus') return;
  const vars: Record<string, string> = { release, ...(gate.window ? { window: gate.window } : {}) };
  const problem = renderProblem(gate.query, vars);
  if (problem) report([...at, 'query'], problem);
}

function templatesOf(metric: MetricConfig): Array<[string, string]> {
  if (metric.kind === 'ratio')
    return [
      ['events', metric.events],
      ['total', metric.total],
    ];
  if (metric.kind === 'distribution') return [['query', metric.query]];
  return metric.source === 'prometheus' && metric.query !== undefined ? [['query', metric.query]] : [];
}

function firstProblem(template: string, variants: string[], windows: string[], release: string): string | null {
  for (const variant of variants) {
    for (const window of windows) {
      const problem = renderProblem(template, { variant, window, release });
      if (problem) return problem;
    }
  }
  return null;
}

/** Why the template cannot be rendered with `vars` into syntactically sound PromQL, or null. */
export function renderProblem(template: string, vars: Record<string, string>): string | null {
  let rendered: string;
  try {
    rendered = renderQuery(template, vars);
  } catch (error) {
    if (!(error instanceof PromqlTemplateError)) throw error;
    // rules.ts already names unknown variables and a {{window}} without a window.
    if (error.code === 'PROMQL_MISSING_VARIABLE' && SIMPLE_NAME.test(error.variable ?? '')) return null;
    return `query template: ${error.message}`;
  }
  const syntax = findPromqlSyntaxProblem(rendered);
  return syntax ? `query: ${syntax}` : null;
}
