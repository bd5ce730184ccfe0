import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import type { RawConfig } from '../../../src/config/schema.js';
import { runDashboard } from '../../../src/commands/dashboard.js';
import type { Ctx } from '../../../src/context.js';
import {
  buildDashboard,
  toDashboardUid,
  type GrafanaDashboard,
  type GrafanaPanel,
} from '../../../src/dashboard/index.js';
import { systemClock } from '../../../src/lifecycle/clock.js';
import { renderQuery } from '../../../src/metrics/promql.js';
import { createRedactor } from '../../../src/output/redact.js';
import { REPO_ROOT } from '../../helpers/cli.js';

const loaded = await loadConfig({ file: 'rollout.yaml', cwd: REPO_ROOT });
const plan = loaded.config;
const dashboard = buildDashboard(plan, loaded.budget);

/** The structural rules Grafana's importer relies on. */
function assertValidDashboard(d: GrafanaDashboard): void {
  expect(typeof d.title).toBe('string');
  expect(d.uid).toMatch(/^[A-Za-z0-9_-]{1,40}$/);
  expect(d.schemaVersion).toBeGreaterThanOrEqual(36);
  expect(
    d.templating.list.some((v) => v.type === 'datasource' && v.query === 'prometheus' && v.name === 'datasource'),
  ).toBe(true);
  const ids = d.panels.map((p) => p.id);
  expect(new Set(ids).size).toBe(ids.length);
  for (const p of d.panels) {
    expect(p.gridPos.x + p.gridPos.w).toBeLessThanOrEqual(24);
    expect(p.gridPos.w).toBeGreaterThan(0);
    expect(p.gridPos.h).toBeGreaterThan(0);
    expect(['timeseries', 'stat', 'row']).toContain(p.type);
    if (p.type === 'row') continue;
    expect(p.datasource).toEqual({ type: 'prometheus', uid: '${datasource}' });
    expect(p.targets!.length).toBeGreaterThan(0);
    const refIds = p.targets!.map((t) => t.refId);
    expect(new Set(refIds).size).toBe(refIds.length);
    for (const t of p.targets!) {
      expect(t.refId).toMatch(/^[A-Z]$/);
      expect(t.expr.length).toBeGreaterThan(0);
    }
  }
  // Panels must not overlap on the grid.
  const cells = new Set<string>();
  for (const p of d.panels) {
    for (let x = p.gridPos.x; x < p.gridPos.x + p.gridPos.w; x++) {
      for (let y = p.gridPos.y; y < p.gridPos.y + p.gridPos.h; y++) {
        const key = `${x},${y}`;
        expect(cells.has(key), `panel ${p.id} overlaps at ${key}`).toBe(false);
        cells.add(key);
      }
    }
  }
}

function panel(title: string): GrafanaPanel {
  const found = dashboard.panels.find((p) => p.title === title);
  if (!found) throw new Error(`no panel "${title}"`);
  return found;
}

describe('buildDashboard on the real plan', () => {
  it('is a valid Grafana dashboard model that survives a JSON round trip', () => {
    assertValidDashboard(JSON.parse(JSON.stringify(dashboard)) as GrafanaDashboard);
    expect(dashboard.uid).toBe('rollout-v2-1-0');
    expect(dashboard.title).toBe('Release v2.1.0');
  });

  it('has the golden signals: latency p50/p95, traffic, errors, saturation', () => {
    expect(panel('Latency p50 / p95').targets!.map((t) => t.legendFormat)).toEqual(['p50', 'p95']);
    expect(panel('Latency p50 / p95').targets![1]!.expr).toBe(
      '1000 * histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket[$__rate_interval])))',
    );
    expect(panel('Traffic').targets!.map((t) => t.expr)).toEqual([
      'sum(rate(http_requests_total[$__rate_interval]))',
      'sum by (variant) (rate(http_requests_total[$__rate_interval]))',
    ]);
    expect(panel('Requests/s now').type).toBe('stat');
    expect(panel('Errors (5xx share)').fieldConfig!.defaults.thresholds!.steps).toEqual([
      { color: 'green', value: null },
      { color: 'red', value: 0.01 },
    ]);
    expect(panel('Saturation: resident memory').targets![0]!.expr).toContain('process_resident_memory_bytes');
    expect(panel('Saturation: CPU').targets![0]!.expr).toContain('process_cpu_seconds_total');
  });

  it('charts each Prometheus canary metric as the plan query rendered for each arm', () => {
    const canary = plan.canary!;
    const charted = plan.canary!.metrics.filter((m) => m.kind !== 'threshold' || m.source === 'prometheus');
    expect(charted.map((m) => m.id)).toEqual([
      'error_rate',
      'latency_p95',
      'latency',
      'wizard_completion_rate',
      'fund_setup_success_rate',
    ]);
    const windows: Record<string, string> = {
      error_rate: '10m',
      latency_p95: '5m',
      latency: '30m',
      wizard_completion_rate: '15m',
      fund_setup_success_rate: '30m',
    };
    for (const m of charted) {
      const targets = panel(`${m.id}: canary vs baseline`).targets!;
      const render = (variant: string) => {
        const vars = { variant, window: windows[m.id]! };
        if (m.kind === 'ratio') return `(${renderQuery(m.events, vars)}) / (${renderQuery(m.total, vars)})`;
        // A histogram metric is charted as the quantile it judges, in the metric's unit.
        if (m.kind === 'distribution' && m.method === 'histogram')
          return `${m.scale} * histogram_quantile(${m.quantile}, ${renderQuery(m.query, vars)})`;
        return renderQuery(m.query!, vars);
      };
      expect(targets[0]!.expr).toBe(render(canary.arms.canary));
      expect(targets[1]!.expr).toBe(render(canary.arms.baseline));
      expect(targets[0]!.expr).toContain(`variant="${canary.arms.canary}"`);
      expect(targets[1]!.expr).toContain(`variant="${canary.arms.baseline}"`);
    }
    expect(dashboard.description).toContain('model_accuracy_delta');
  });

  it('draws the limits: the p95 budget as a threshold line, relative triggers as a dashed baseline × factor series', () => {
    const p95 = panel('latency_p95: canary vs baseline');
    expect(p95.fieldConfig!.defaults.thresholds!.steps).toEqual([
      { color: 'green', value: null },
      { color: 'red', value: 400 },
    ]);
    expect(p95.fieldConfig!.defaults.unit).toBe('ms');
    const errors = panel('error_rate: canary vs baseline');
    expect(errors.fieldConfig!.defaults.thresholds!.steps.at(-1)).toEqual({ color: 'red', value: 0.02 });
    const line = errors.targets![2]!;
    expect(line.legendFormat).toBe('rollback: error-rate (baseline × 1.5)');
    expect(line.expr).toBe(`1.5 * (${errors.targets![1]!.expr})`);
    expect(errors.fieldConfig!.overrides[0]!.matcher.options).toBe(line.legendFormat);
    const completion = panel('wizard_completion_rate: canary vs baseline');
    expect(completion.fieldConfig!.defaults.thresholds!.steps).toEqual([
      { color: 'red', value: null },
      { color: 'green', value: 0.95 },
    ]);
    expect(completion.targets![2]!.expr).toMatch(/^0\.9 \* \(/);
  });
});

describe('buildDashboard variations', () => {
  it('leaves out panels whose series the plan does not use, and stays valid', () => {
    const bare: RawConfig = structuredClone(plan);
    bare.phases = bare.phases.map((p) => ({ ...p, gates: p.gates.filter((g) => g.kind !== 'prometheus') }));
    bare.canary = undefined;
    bare.triggers = [];
    const d = buildDashboard(bare, null);
    assertValidDashboard(d);
    expect(d.panels.filter((p) => p.type !== 'row').map((p) => p.title)).toEqual(['Saturation: CPU']);
  });

  it('keeps uids within Grafana limits', () => {
    expect(toDashboardUid('v2.1.0')).toBe('rollout-v2-1-0');
    expect(toDashboardUid('x'.repeat(80))).toHaveLength(40);
  });
});

describe('rollout dashboard command', () => {
  it('prints the dashboard JSON when no --out is given', async () => {
    const ctx: Ctx = {
      cwd: REPO_ROOT,
      env: {},
      clock: systemClock,
      actor: 'tester',
      global: { config: 'rollout.yaml', json: false, color: false },
      progress: () => undefined,
      isTTY: false,
      redact: createRedactor({}),
    };
    const outcome = await runDashboard({}, [], ctx);
    const { plainStyle } = await import('../../../src/output/style.js');
    expect(JSON.parse(outcome.human(plainStyle))).toEqual(dashboard);
    expect(outcome.result.panels).toBe(dashboard.panels.filter((p) => p.type !== 'row').length);
  });
});
