import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  buildAlertRules,
  parseLimit,
  renderRulesYaml,
  toAlertName,
  type AlertRule,
} from '../../../src/alerts/index.js';
import { loadConfig } from '../../../src/config/load.js';
import type { RawConfig } from '../../../src/config/schema.js';
import { renderQuery } from '../../../src/metrics/promql.js';
import { REPO_ROOT } from '../../helpers/cli.js';

const loaded = await loadConfig({ file: 'rollout.yaml', cwd: REPO_ROOT });
const plan = loaded.config;
const budget = loaded.budget;

function rulesOf(config: RawConfig, b = budget): Map<string, AlertRule> {
  return new Map(
    buildAlertRules(config, b)
      .groups.flatMap((g) => g.rules)
      .map((r) => [r.alert, r]),
  );
}

function withCanary(mutate: (c: RawConfig) => void): RawConfig {
  const copy = structuredClone(plan);
  mutate(copy);
  return copy;
}

describe('buildAlertRules on the real plan', () => {
  const rules = rulesOf(plan);

  it('makes one rule per Prometheus-evaluable trigger plus the p95 and error-rate budgets', () => {
    expect([...rules.keys()].sort()).toEqual([
      'RolloutBudgetErrorRateMax',
      'RolloutBudgetP95Max',
      'RolloutErrorRate',
      'RolloutFundSetup',
      'RolloutLatencyP95',
      'RolloutWizardCompletion',
    ]);
  });

  it('labels rollback triggers critical and alert-only triggers and budgets warning', () => {
    const severities = Object.fromEntries([...rules.values()].map((r) => [r.labels.trigger, r.labels.severity]));
    expect(severities).toEqual({
      'error-rate': 'critical',
      'latency-p95': 'critical',
      'wizard-completion': 'critical',
      'fund-setup': 'warning',
      'budget.p95Max': 'warning',
      'budget.errorRateMax': 'warning',
    });
    for (const r of rules.values()) expect(r.labels.release).toBe('v2.1.0');
  });

  it('compares the canary ratio with 1.5 × the baseline ratio over the trigger window, with the plan queries rendered per arm', () => {
    const metric = plan.canary!.metrics.find((m) => m.id === 'error_rate')!;
    if (metric.kind !== 'ratio') throw new Error('error_rate is a ratio');
    const arm = (variant: string) =>
      `(${renderQuery(metric.events, { variant, window: '10m' })}) / (${renderQuery(metric.total, { variant, window: '10m' })})`;
    const total = (variant: string) => renderQuery(metric.total, { variant, window: '10m' });
    expect(rules.get('RolloutErrorRate')!.expr).toBe(
      `((${arm('reserves_v1.1')}) > ignoring(variant) 1.5 * (${arm('reserves_v1.0')})) and on() (${total('reserves_v1.1')}) >= 1000 and on() (${total('reserves_v1.0')}) >= 1000`,
    );
  });

  it('uses the absolute 400 ms limit over 5m for p95 and "<" with 0.9 for wizard completion', () => {
    expect(rules.get('RolloutLatencyP95')!.expr).toBe(
      '(1000 * histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{variant="reserves_v1.1"}[5m])))) > 400',
    );
    expect(rules.get('RolloutWizardCompletion')!.expr).toContain('< ignoring(variant) 0.9 * ');
    expect(rules.get('RolloutWizardCompletion')!.expr).toContain('[15m]');
    expect(rules.get('RolloutFundSetup')!.expr).toContain('< ignoring(variant) 0.95 * ');
  });

  it('turns errorRateMax (percent) into a ratio and p95Max into milliseconds', () => {
    expect(rules.get('RolloutBudgetErrorRateMax')!.expr).toMatch(/ > 0\.01$/);
    expect(rules.get('RolloutBudgetP95Max')!.expr).toMatch(/^1000 \* histogram_quantile\(0\.95, .* > 400$/);
  });

  it('explains the health check, the verify-fed metric and the heap budget instead of inventing rules', () => {
    const notes = buildAlertRules(plan, budget).notes;
    expect(notes.map((n) => n.trigger)).toEqual(['canary-health', 'model-accuracy', 'budget.heapDeltaMax']);
    expect(notes[0]!.sketch).toContain('probe_success');
  });

  it('renders YAML that parses back to the same groups, with the notes as comments', () => {
    const result = buildAlertRules(plan, budget);
    const text = renderRulesYaml(result, { plan: 'rollout.yaml', budget: '.perf-budget.json', release: 'v2.1.0' });
    expect(parse(text)).toEqual({ groups: result.groups });
    expect(text).toContain('# not generated: canary-health');
  });
});

describe('buildAlertRules on variations of the plan', () => {
  it('escapes an arm value that contains a quote instead of breaking the query', () => {
    const config = withCanary((c) => (c.canary!.arms.canary = 'v1.1"} or vector(1) #'));
    const expr = rulesOf(config).get('RolloutLatencyP95')!.expr;
    expect(expr).toContain('variant="v1.1\\"} or vector(1) #"');
  });

  it('generates a heap rule only when the plan exports a heap series', () => {
    const config = withCanary((c) =>
      c.phases[0]!.gates.push({
        id: 'heap',
        kind: 'prometheus',
        query: 'max(nodejs_heap_size_used_bytes)',
        expect: '< 1e9',
        expectSeries: 'one',
      }),
    );
    const heap = rulesOf(config).get('RolloutBudgetHeapDeltaMax');
    expect(heap?.expr).toBe('max by (instance) (delta(nodejs_heap_size_used_bytes[1h])) / 1048576 > 15');
  });

  it('notes a missing budget file and keeps the trigger rules', () => {
    const result = buildAlertRules(plan, null);
    expect(result.groups).toHaveLength(1);
    expect(result.notes.some((n) => n.trigger === 'budget')).toBe(true);
  });

  it('combines above and below on one trigger with "or"', () => {
    const config = withCanary((c) =>
      c.triggers.splice(0, c.triggers.length, {
        id: 'band',
        metric: 'latency_p95',
        above: 400,
        below: 10,
        window: '5m',
        action: 'alert',
      }),
    );
    const rule = rulesOf(config, null).get('RolloutBand')!;
    expect(rule.expr).toMatch(/^\(\(.*\) > 400\) or \(\(.*\) < 10\)$/);
    expect(rule.labels.severity).toBe('warning');
  });
});

describe('helpers', () => {
  it('names alerts as PromQL identifiers', () => {
    expect(toAlertName('error-rate')).toBe('RolloutErrorRate');
    expect(toAlertName('model.accuracy_v2')).toBe('RolloutModelAccuracyV2');
  });
  it('parses limits', () => {
    expect(parseLimit(400)).toEqual({ kind: 'absolute', value: 400 });
    expect(parseLimit('baseline * 1.5')).toEqual({ kind: 'relative', factor: 1.5 });
    expect(() => parseLimit('twice')).toThrow();
  });
});
