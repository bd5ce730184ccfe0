import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import {
  buildReport,
  buildReportFromLog,
  collectEvents,
  renderHtml,
  renderMarkdown,
  type ReportLimits,
} from '../../../src/report/index.js';
import { REORDER_WINDOW, type ReleaseEvent } from '../../../src/report/events.js';
import type { AuditEntry } from '../../../src/state/store.js';
import { REPO_ROOT } from '../../helpers/cli.js';
import { NOW, generatedAudit, makeAudit, makeState } from './release-fixture.js';

const { config } = await loadConfig({ file: 'rollout.yaml', cwd: REPO_ROOT });
const UNLIMITED: ReportLimits = { timeline: 1e9, visits: 1e9, decisions: 1e9, rollbacks: 1e9, overrides: 1e9 };
const SMALL: ReportLimits = { timeline: 7, visits: 5, decisions: 4, rollbacks: 3, overrides: 2 };

const generated = generatedAudit;

describe('a report of a long history keeps the most recent items and counts everything', () => {
  const audit = generated(3_000);
  const full = buildReport(config, null, audit, NOW, UNLIMITED);
  const bounded = buildReport(config, null, audit, NOW, SMALL);

  it('gives the same delivery figures whatever it lists', () => {
    expect(full.delivery.runs).toBe(8); // a retry every 400 entries
    expect(full.delivery.rollbacks).toBe(7);
    expect(bounded.delivery).toEqual(full.delivery);
  });

  it('lists the most recent items of each kind, and says how many it left out', () => {
    expect(bounded.timeline).toEqual(full.timeline.slice(-7));
    expect(bounded.visits).toEqual(full.visits.slice(-5));
    expect(bounded.decisions).toEqual(full.decisions.slice(-4));
    expect(bounded.rollbacks).toEqual(full.rollbacks.slice(-3));
    expect(bounded.canarySeries).toEqual(
      buildReport(config, null, audit, NOW, { ...UNLIMITED, decisions: 4 }).canarySeries,
    );
    expect(bounded.omitted).toEqual({
      events: 3_000,
      timeline: 2_993,
      visits: full.visits.length - 5,
      decisions: full.decisions.length - 4,
      rollbacks: 4,
      overrides: 0,
    });
    expect(full.omitted).toBeUndefined();
    expect(renderMarkdown(bounded)).toContain('A long history (3,000 events)');
    expect(renderHtml(bounded)).toContain('2,993 earlier timeline events');
  });

  it('streams the same report as it builds from an array', async () => {
    const { report, entries } = await buildReportFromLog(
      config,
      null,
      async (visit) => audit.forEach(visit),
      NOW,
      SMALL,
    );
    expect(entries).toBe(3_000);
    expect(report).toEqual(bounded);
  });

  it('is unchanged on the reference release when a long run of lock entries pads the log', () => {
    const padding = Array.from({ length: 2_500 }, (_, i) => ({
      ...makeAudit()[0]!,
      op: 'lock:takeover',
      stateSerial: undefined,
      ts: '2026-04-02T00:00:00.000Z',
      seq: 100 + i,
    }));
    const plain = buildReport(config, makeState(), makeAudit(), NOW);
    const padded = buildReport(config, makeState(), [...makeAudit(), ...padding], NOW);
    expect(padded.delivery).toEqual(plain.delivery);
    expect(padded.visits).toEqual(plain.visits);
    expect(padded.rollbacks).toEqual(plain.rollbacks);
  });
});

describe('event order', () => {
  /** How collectEvents ordered events before it streamed: everything, then one stable sort. */
  function sortedReference(events: ReleaseEvent[]): ReleaseEvent[] {
    return events
      .map((e, i) => ({ e, i }))
      .sort((a, b) => Date.parse(a.e.at) - Date.parse(b.e.at) || a.i - b.i)
      .map(({ e }) => e);
  }

  it('is exactly the full sort for a log within the reorder window, however shuffled its times', () => {
    const state = makeState();
    const audit = makeAudit();
    const shuffled: AuditEntry[] = Array.from({ length: 600 }, (_, i) => ({
      ...audit[0]!,
      op: `note-${i}`,
      stateSerial: undefined,
      ts: new Date(Date.UTC(2026, 2, 1 + ((i * 7919) % 40), i % 24)).toISOString(),
    }));
    const log = [...audit, ...shuffled];
    const events = collectEvents(state, log);
    // Reference input: the history in its order, then each audit-only entry as its own event, in log order.
    const covered = new Set(state.history.map((h) => h.serial));
    const historyEvents = state.history.map((h) => collectEvents({ ...state, history: [h] }, [])[0]!);
    const auditEvents = log
      .filter((a) => a.stateSerial === undefined || !covered.has(a.stateSerial))
      .map((a) => collectEvents(null, [a])[0]!);
    expect(events).toEqual(sortedReference([...historyEvents, ...auditEvents]));
    expect(REORDER_WINDOW).toBeGreaterThan(shuffled.length);
  });
});
