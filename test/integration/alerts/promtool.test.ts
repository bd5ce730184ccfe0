import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { AlertRule } from '../../../src/alerts/index.js';
import { runAlerts } from '../../../src/commands/alerts.js';
import type { Ctx } from '../../../src/context.js';
import { systemClock } from '../../../src/lifecycle/clock.js';
import { createRedactor } from '../../../src/output/redact.js';
import { plainStyle } from '../../../src/output/style.js';
import { REPO_ROOT, tempProject } from '../../helpers/cli.js';

// Debian's prometheus package; the test command installs it when missing.
const PROMTOOL = '/usr/bin/promtool';
const CANARY = 'reserves_v1.1';
const BASELINE = 'reserves_v1.0';

function makeCtx(cwd: string): Ctx {
  return {
    cwd,
    env: {},
    clock: systemClock,
    actor: 'tester',
    global: { config: 'rollout.yaml', json: false, color: false },
    progress: () => undefined,
    isTTY: false,
    redact: createRedactor({}),
  };
}

let dir: string;
let rulesFile: string;
let rules: Map<string, AlertRule>;

beforeAll(async () => {
  dir = await tempProject();
  const outcome = await runAlerts({ out: 'rules.yml' }, [], makeCtx(dir));
  rulesFile = path.join(dir, 'rules.yml');
  rules = new Map(outcome.result.groups.flatMap((g) => g.rules).map((r) => [r.alert, r]));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** One counter per (labels) rising by `perMinute` for `minutes`, in promtool's expanding notation. */
function counter(
  name: string,
  labels: Record<string, string>,
  perMinute: number,
  minutes = 60,
): { series: string; values: string } {
  const rendered = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(',');
  return { series: `${name}{${rendered}}`, values: `0+${perMinute}x${minutes}` };
}

/** Requests per minute for one arm split into 5xx and 200. */
function requests(variant: string, perMinute: number, errorShare: number) {
  const errors = Math.round(perMinute * errorShare);
  return [
    counter('http_requests_total', { variant, status: '500' }, errors),
    counter('http_requests_total', { variant, status: '200' }, perMinute - errors),
  ];
}

/** A latency histogram whose cumulative bucket counts per minute are `cumulative` (le 0.1, 0.25, 0.5, 1, +Inf). */
function histogram(variant: string, cumulative: [number, number, number, number, number]) {
  const les = ['0.1', '0.25', '0.5', '1', '+Inf'];
  return les.map((le, i) => counter('http_request_duration_seconds_bucket', { variant, le }, cumulative[i]!));
}

function ratioPair(events: string, total: string, variant: string, perMinute: number, share: number) {
  return [counter(events, { variant }, Math.round(perMinute * share)), counter(total, { variant }, perMinute)];
}

/** An expected firing alert: the rule's own labels and annotations (the expressions aggregate every other label away). */
function firing(alert: string): { exp_labels: Record<string, string>; exp_annotations: Record<string, string> } {
  const rule = rules.get(alert);
  if (!rule) throw new Error(`no rule ${alert}`);
  return { exp_labels: { ...rule.labels }, exp_annotations: { ...rule.annotations } };
}

interface Case {
  name: string;
  series: Array<{ series: string; values: string }>;
  checks: Array<{ at: string; alert: string; fires: boolean }>;
}

async function promtoolTest(cases: Case[]): Promise<{ exitCode: number | undefined; output: string }> {
  const doc = {
    rule_files: [path.basename(rulesFile)],
    evaluation_interval: '1m',
    tests: cases.map((c) => ({
      name: c.name,
      interval: '1m',
      input_series: c.series,
      alert_rule_test: c.checks.map((k) => ({
        eval_time: k.at,
        alertname: k.alert,
        exp_alerts: k.fires ? [firing(k.alert)] : [],
      })),
    })),
  };
  const file = path.join(dir, `test-${cases[0]!.name.replace(/\W+/g, '-')}.yml`);
  await writeFile(file, stringify(doc, { lineWidth: 0 }));
  const result = await execa(PROMTOOL, ['test', 'rules', path.basename(file)], { cwd: dir, reject: false, all: true });
  return { exitCode: result.exitCode, output: result.all ?? '' };
}

describe('rollout alerts → promtool', () => {
  it('writes a rules file that promtool check rules accepts', async () => {
    const result = await execa(PROMTOOL, ['check', 'rules', rulesFile], { reject: false, all: true });
    expect(result.all).toContain('SUCCESS');
    expect(result.exitCode).toBe(0);
    expect(await readFile(rulesFile, 'utf8')).toMatch(/^# Prometheus alerting rules for release v2\.1\.0/);
  });

  it('fires RolloutErrorRate (critical) for 3 % on the canary vs 1 % on the baseline, and the error budget warning', async () => {
    const r = await promtoolTest([
      {
        name: 'error rate 3 % vs 1 %',
        series: [...requests(CANARY, 200, 0.03), ...requests(BASELINE, 200, 0.01)],
        checks: [
          { at: '15m', alert: 'RolloutErrorRate', fires: true },
          { at: '15m', alert: 'RolloutBudgetErrorRateMax', fires: true },
        ],
      },
    ]);
    expect(r.output).toContain('SUCCESS');
    expect(r.exitCode).toBe(0);
  });

  it('stays quiet when both arms have the same error rate, or when the canary has too few requests', async () => {
    const r = await promtoolTest([
      {
        name: 'error rate equal',
        series: [...requests(CANARY, 200, 0.01), ...requests(BASELINE, 200, 0.01)],
        checks: [{ at: '15m', alert: 'RolloutErrorRate', fires: false }],
      },
      {
        name: 'error rate 5 % vs 1 % on 200 canary requests per 10 minutes',
        series: [...requests(CANARY, 20, 0.05), ...requests(BASELINE, 200, 0.01)],
        checks: [{ at: '15m', alert: 'RolloutErrorRate', fires: false }],
      },
    ]);
    expect(r.output).toContain('SUCCESS');
    expect(r.exitCode).toBe(0);
  });

  it('fails the promtool test when the expectation is wrong (the harness can fail)', async () => {
    const r = await promtoolTest([
      {
        name: 'wrong expectation',
        series: [...requests(CANARY, 200, 0.01), ...requests(BASELINE, 200, 0.01)],
        checks: [{ at: '15m', alert: 'RolloutErrorRate', fires: true }],
      },
    ]);
    expect(r.exitCode).not.toBe(0);
    expect(r.output).toContain('FAILED');
  });

  it('fires RolloutLatencyP95 when the canary p95 is 750 ms and not when it is 225 ms', async () => {
    const r = await promtoolTest([
      {
        name: 'p95 slow canary',
        series: [...histogram(CANARY, [50, 70, 90, 100, 100]), ...histogram(BASELINE, [80, 98, 100, 100, 100])],
        checks: [
          { at: '10m', alert: 'RolloutLatencyP95', fires: true },
          { at: '10m', alert: 'RolloutBudgetP95Max', fires: true },
        ],
      },
      {
        name: 'p95 fast canary',
        series: [...histogram(CANARY, [80, 98, 100, 100, 100]), ...histogram(BASELINE, [80, 98, 100, 100, 100])],
        checks: [
          { at: '10m', alert: 'RolloutLatencyP95', fires: false },
          { at: '10m', alert: 'RolloutBudgetP95Max', fires: false },
        ],
      },
    ]);
    expect(r.output).toContain('SUCCESS');
    expect(r.exitCode).toBe(0);
  });

  it('fires RolloutWizardCompletion below baseline × 0.9 (80 % vs 95 %) but not at 93 % vs 95 %', async () => {
    const r = await promtoolTest([
      {
        name: 'completion drop',
        series: [
          ...ratioPair('wizard_completed_total', 'wizard_started_total', CANARY, 100, 0.8),
          ...ratioPair('wizard_completed_total', 'wizard_started_total', BASELINE, 100, 0.95),
        ],
        checks: [{ at: '20m', alert: 'RolloutWizardCompletion', fires: true }],
      },
      {
        name: 'completion within tolerance',
        series: [
          ...ratioPair('wizard_completed_total', 'wizard_started_total', CANARY, 100, 0.93),
          ...ratioPair('wizard_completed_total', 'wizard_started_total', BASELINE, 100, 0.95),
        ],
        checks: [{ at: '20m', alert: 'RolloutWizardCompletion', fires: false }],
      },
    ]);
    expect(r.output).toContain('SUCCESS');
    expect(r.exitCode).toBe(0);
  });

  it('raises the business metric as a warning (alert + manual review), not a page', async () => {
    expect(rules.get('RolloutFundSetup')?.labels.severity).toBe('warning');
    const r = await promtoolTest([
      {
        name: 'fund setup degradation',
        series: [
          ...ratioPair('fund_setup_success_total', 'fund_setup_attempts_total', CANARY, 100, 0.8),
          ...ratioPair('fund_setup_success_total', 'fund_setup_attempts_total', BASELINE, 100, 0.95),
        ],
        checks: [{ at: '40m', alert: 'RolloutFundSetup', fires: true }],
      },
    ]);
    expect(r.output).toContain('SUCCESS');
    expect(r.exitCode).toBe(0);
  });
});

describe('rollout alerts output', () => {
  it('prints the rules file to stdout when no --out is given', async () => {
    const outcome = await runAlerts({}, [], makeCtx(REPO_ROOT));
    expect(outcome.result.file).toBeNull();
    expect(outcome.human(plainStyle)).toBe(outcome.result.yaml);
    expect(outcome.result.notes.map((n) => n.trigger).sort()).toEqual([
      'budget.heapDeltaMax',
      'canary-health',
      'model-accuracy',
    ]);
  });
});
