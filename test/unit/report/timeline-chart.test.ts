import { describe, expect, it } from 'vitest';
import { renderTimelineChart } from '../../../src/report/svg-charts.js';
import type { RollbackRecord, Visit } from '../../../src/report/timeline.js';

const visits: Visit[] = [
  {
    phase: 'P2',
    stage: 's1',
    percent: 1,
    enteredAt: '2026-03-01T00:00:00.000Z',
    leftAt: '2026-03-02T00:00:00.000Z',
    outcome: 'rolled-back',
    run: 1,
  },
  {
    phase: 'P2',
    stage: 's1',
    percent: 1,
    enteredAt: '2026-03-02T01:00:00.000Z',
    leftAt: '2026-03-02T02:00:00.000Z',
    outcome: 'rolled-back',
    run: 2,
  },
];
const rollback = (at: string): RollbackRecord => ({
  startedAt: at,
  completedAt: at,
  failed: false,
  mode: 'immediate',
  reason: 'spike',
  actor: 'watch',
  phase: 'P2',
  stage: 's1',
  run: 1,
});
const GENERATED = '2026-04-30T00:00:00.000Z';

describe('stage timeline chart', () => {
  const svg = renderTimelineChart(
    visits,
    [rollback('2026-03-02T00:00:00.000Z'), rollback('2026-03-02T00:30:00.000Z'), rollback('2026-03-02T02:00:00.000Z')],
    GENERATED,
  );

  it('ends its time axis at the last event, not at the time the report was generated', () => {
    const ticks = [...svg.matchAll(/<text class="tick" data-at="([^"]+)"/g)].map((m) => m[1]);
    expect(ticks[0]).toBe('2026-03-01T00:00:00.000Z');
    expect(ticks[ticks.length - 1]).toBe('2026-03-02T02:00:00.000Z');
  });

  it('puts rollback labels that would overlap on different lines', () => {
    const labels = [...svg.matchAll(/<text class="rollback-label" data-lane="(\d)" x="([\d.]+)"/g)].map((m) => ({
      lane: Number(m[1]),
      x: Number(m[2]),
    }));
    expect(labels).toHaveLength(3);
    for (let i = 0; i < labels.length; i++) {
      for (let j = i + 1; j < labels.length; j++) {
        const [a, b] = [labels[i]!, labels[j]!];
        if (a.lane === b.lane)
          expect(Math.abs(a.x - b.x), `${JSON.stringify(a)} vs ${JSON.stringify(b)}`).toBeGreaterThanOrEqual(64);
      }
    }
    expect(new Set(labels.map((l) => l.lane)).size).toBeGreaterThan(1);
  });

  it('has a legend for the bar colours and the rollback marker', () => {
    expect([...svg.matchAll(/<g class="legend-item" data-name="([^"]+)"/g)].map((m) => m[1])).toEqual([
      'advanced',
      'rolled back',
      'completed',
      'current',
      'rollback',
    ]);
  });

  it('an ongoing visit still runs to the generation time', () => {
    const current = renderTimelineChart([{ ...visits[0]!, leftAt: null, outcome: 'current' }], [], GENERATED);
    expect([...current.matchAll(/<text class="tick" data-at="([^"]+)"/g)].map((m) => m[1]).pop()).toBe(GENERATED);
  });
});
