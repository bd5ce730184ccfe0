import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { addProgressLooks, buildReport, renderMarkdown } from '../../../src/report/index.js';
import { ReportBuilder } from '../../../src/report/build-report.js';
import { niceTicks } from '../../../src/report/metric-chart.js';
import { LOOKS_PER_STAGE } from '../../../src/report/watch-looks.js';
import type { AuditEntry } from '../../../src/state/store.js';
import { REPO_ROOT } from '../../helpers/cli.js';
import { NOW, WEEK2_SCOPE, makeAudit, makeState, makeWatchAuditInputs } from './release-fixture.js';

const { config } = await loadConfig({ file: 'rollout.yaml', cwd: REPO_ROOT });

function asEntries(inputs: Array<{ actor: string; op: string; data?: unknown }>, from: number): AuditEntry[] {
  return inputs.map((input, i) => {
    const at = (input.data as { at?: string } | undefined)?.at ?? NOW.toISOString();
    return { ...input, v: 1, seq: from + i, ts: at, prev: `sha256:${from + i - 1}`, hash: `sha256:${from + i}` };
  });
}

const withLooks = (extra: Array<{ actor: string; op: string; data?: unknown }> = []): AuditEntry[] => {
  const audit = makeAudit();
  return [...audit, ...asEntries([...makeWatchAuditInputs(), ...extra], audit.length + 1)];
};

describe('report: the looks of rollout watch', () => {
  const report = buildReport(config, makeState(), withLooks(), NOW);

  it('puts every look in its metric series, in time order between the stage-end analyses, in the run it belongs to', () => {
    const error = report.canarySeries.error_rate!;
    expect(error.map((p) => [p.source, p.label, p.canary])).toEqual([
      ['stage-end', 'week-1 #1', 0.011],
      ['watch', 'week-2 #1 watch 1', 0.0104],
      ['watch', 'week-2 #1 watch 2', 0.0108],
      ['watch', 'week-2 #1 watch 3', 0.0121],
      ['watch', 'week-2 #1 watch 4', 0.0142],
      ['watch', 'week-2 #1 watch 5', 0.031],
      ['stage-end', 'week-2 #1', 0.031],
      ['stage-end', 'week-1 #2', 0.0102],
      ['stage-end', 'week-2 #2', 0.0099],
      ['stage-end', 'week-3 #2 (latest)', 0.0098],
    ]);
    const fired = error.find((p) => p.label === 'week-2 #1 watch 5')!;
    expect(fired).toMatchObject({ verdict: 'fail', trigger: 'error-rate', baseline: 0.01, limit: 0.015, run: 1 });
    expect(report.canarySeries.latency_p95!.filter((p) => p.source === 'watch').map((p) => p.canary)).toEqual([
      318, 322, 326, 329, 335,
    ]);
  });

  it('describes each metric: its unit and the limits drawn over it', () => {
    expect(report.canaryMetrics.error_rate).toEqual({
      unit: '%',
      title: 'Error rate increase > 10% → rollback',
      limits: [
        { source: 'error-rate', action: 'rollback', comparison: 'above', factor: 1.5 },
        { source: 'stage-end', action: 'rollback', comparison: 'above', absolute: 0.02 },
      ],
    });
    expect(report.canaryMetrics.latency_p95).toMatchObject({
      unit: 'ms',
      limits: [{ source: 'latency-p95', comparison: 'above', absolute: 400 }],
    });
    expect(report.canaryMetrics.latency?.unit).toBe('ms');
    expect(report.canaryMetrics.wizard_completion_rate?.limits.map((l) => [l.source, l.comparison])).toEqual([
      ['wizard-completion', 'below'],
      ['stage-end', 'below'],
    ]);
  });

  it('keeps a look recorded twice (with the rollback and with the stop) once, and ignores hand-edited junk', () => {
    const [, second] = makeWatchAuditInputs();
    const series = (second!.data as { series: unknown[] }).series;
    const junk = [
      { at: 'not a time', look: 9, values: [] },
      { at: '2026-03-20T13:30:00.000Z', look: 'six', values: [] },
      { at: '2026-03-20T13:30:00.000Z', look: 6, values: [{ trigger: 1 }, 'x', null] },
      {
        at: '2026-03-20T13:31:00.000Z',
        look: 7,
        values: [{ trigger: 'error-rate', metric: 'error_rate', value: 'NaN' }],
      },
      null,
    ];
    const again = buildReport(
      config,
      makeState(),
      withLooks([
        {
          actor: 'rollout-watch',
          op: 'rollback',
          data: { evidence: { scope: WEEK2_SCOPE, series: [...series, ...junk] } },
        },
        { actor: 'rollout-watch', op: 'watch:stop', data: { scope: WEEK2_SCOPE, series: 'corrupt' } },
      ]),
      NOW,
    );
    const watch = again.canarySeries.error_rate!.filter((p) => p.source === 'watch');
    expect(watch.map((p) => p.label)).toEqual([1, 2, 3, 4, 7, 5].map((n) => `week-2 #1 watch ${n}`));
    // A value that is not a number is a look without a value, never NaN on a chart.
    expect(watch.find((p) => p.label.endsWith('watch 7'))).toMatchObject({
      canary: null,
      baseline: null,
      verdict: 'pass',
    });
  });

  it('goes on from a checkpoint with the looks it had seen', () => {
    const audit = withLooks();
    const cut = audit.length - 1;
    const first = new ReportBuilder(config, makeState(), NOW);
    for (const e of audit.slice(0, cut)) first.add(e);
    const saved = structuredClone(first.data());
    const resumed = new ReportBuilder(config, makeState(), NOW, undefined, saved);
    for (const e of audit.slice(cut)) resumed.add(e);
    expect(resumed.finish().canarySeries).toEqual(report.canarySeries);
  });

  it('thins a long stage to LOOKS_PER_STAGE looks, keeping the latest, and says how many it left out', () => {
    const series = Array.from({ length: 1000 }, (_, i) => ({
      at: new Date(Date.parse('2026-03-19T10:00:00.000Z') + i * 60_000).toISOString(),
      look: i + 1,
      values: [
        { trigger: 'error-rate', metric: 'error_rate', status: 'ok', value: 0.01, baseline: 0.01, limit: 0.015 },
      ],
    }));
    const long = buildReport(
      config,
      makeState(),
      withLooks([{ actor: 'rollout-watch', op: 'watch:stop', data: { scope: WEEK2_SCOPE, series } }]),
      NOW,
    );
    const watch = long.canarySeries.error_rate!.filter((p) => p.source === 'watch');
    expect(watch.length).toBeLessThanOrEqual(LOOKS_PER_STAGE);
    expect(watch.at(-1)?.label).toBe('week-2 #1 watch 1000');
    expect(long.omitted?.looks).toBe(1000 - watch.length + 0);
    expect(renderMarkdown(long)).toContain('earlier watch looks');
  });

  it("adds a running watch's looks from its progress file, once, and only for this release", () => {
    const live = buildReport(config, makeState(), withLooks(), NOW);
    const [, second] = makeWatchAuditInputs();
    const recorded = (second!.data as { series: Array<{ at: string; look: number; values: unknown[] }> }).series;
    const week3 = 'P2/week-3@2026-04-01T10:00:00.000Z';
    const look = (n: number, at: string) => ({
      at,
      look: n,
      values: [
        { trigger: 'error-rate', metric: 'error_rate', status: 'ok', value: 0.0097, baseline: 0.01, limit: 0.015 },
      ],
    });
    addProgressLooks(live, { release: 'other', scope: week3, series: [look(1, '2026-04-02T10:00:00.000Z')] });
    addProgressLooks(live, 'garbage');
    addProgressLooks(live, null);
    expect(live.canarySeries).toEqual(report.canarySeries);
    // The file of a watch stopped when the release changed: its looks are in the log already.
    addProgressLooks(live, { release: 'v2.1.0', scope: WEEK2_SCOPE, series: recorded });
    expect(live.canarySeries).toEqual(report.canarySeries);
    addProgressLooks(live, {
      release: 'v2.1.0',
      scope: week3,
      series: [look(1, '2026-04-02T10:00:00.000Z'), look(2, '2026-04-03T10:00:00.000Z')],
    });
    const watch = live.canarySeries.error_rate!.filter((p) => p.source === 'watch').map((p) => p.label);
    expect(watch.slice(-2)).toEqual(['week-3 #2 watch 1', 'week-3 #2 watch 2']);
    expect(live.canarySeries.error_rate!.at(-1)?.label).toBe('week-3 #2 (latest)');
  });

  it('renders the same data as a Markdown table, in the metric unit, with limits and the rollback', () => {
    const md = renderMarkdown(report);
    expect(md).toContain('### error_rate (%)');
    expect(md).toContain('Limits: error-rate (rollback) ≤ 1.5 × baseline; stage-end (rollback) ≤ 2.00 %.');
    expect(md).toContain('Rollbacks: 2026-03-20 14:00Z.');
    expect(md).toContain(
      '| 2026-03-20 13:59Z | week-2 #1 watch 5 | watch (error-rate) | 1.00 % | 3.10 % | 1.50 % | fail |',
    );
    expect(md).toContain('| 2026-03-19 10:00Z | week-1 #1 | stage-end | 1.00 % | 1.10 % | 1.50 %, 2.00 % | pass |');
    expect(md).toContain('### latency_p95 (ms)');
    expect(md).toContain('| watch (latency-p95) | n/a | 335 ms | 400 ms | pass |');
  });
});

describe('niceTicks', () => {
  it.each([
    [0, 3.1],
    [0, 400],
    [0.3, 0.7],
    [-7.1, -2],
    [5, 5],
    [0, 1e-9],
    [1234, 98765],
  ])('covers [%d, %d] with round steps', (lo, hi) => {
    const ticks = niceTicks(lo, hi);
    expect(ticks[0]).toBeLessThanOrEqual(lo);
    expect(ticks.at(-1)).toBeGreaterThanOrEqual(hi);
    expect(ticks.length).toBeGreaterThanOrEqual(2);
    expect(ticks.length).toBeLessThanOrEqual(12);
    const step = ticks[1]! - ticks[0]!;
    const mantissa = step / 10 ** Math.floor(Math.log10(step));
    expect([1, 2, 5, 10].some((m) => Math.abs(mantissa - m) < 1e-6)).toBe(true);
  });
});
