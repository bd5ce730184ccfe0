import { appendFileSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { AUDIT_GENESIS } from '../../../bench/lib/audit-log.mjs';
import { loadConfig } from '../../../src/config/load.js';
import { buildReportIncrementally, type HistoryRead } from '../../../src/report/checkpoint.js';
import { buildReport, type ReleaseReport } from '../../../src/report/index.js';
import type { ReportLimits } from '../../../src/report/timeline.js';
import { auditHistoryOf } from '../../../src/state/audit-access.js';
import { createAuditEntry } from '../../../src/state/audit-chain.js';
import { FileStateStore } from '../../../src/state/file-store.js';
import type { AuditEntry } from '../../../src/state/store.js';
import type { ReleaseState } from '../../../src/state/types.js';
import { REPO_ROOT } from '../../helpers/cli.js';
import { createFakeClock } from '../../../src/lifecycle/clock.js';
import { NOW, generatedAudit, makeChainedAudit, makeState } from './release-fixture.js';

const { config } = await loadConfig({ file: 'rollout.yaml', cwd: REPO_ROOT });
const SMALL: ReportLimits = { timeline: 7, visits: 5, decisions: 4, rollbacks: 3, overrides: 2 };
const roots: string[] = [];
afterAll(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));

const generated = generatedAudit;

const line = (e: AuditEntry): string => `${JSON.stringify(e)}\n`;

/** A state directory whose audit.jsonl the test writes by hand; `report` builds like `rollout report` does. */
function project() {
  const dir = mkdtempSync(path.join(tmpdir(), 'rollout-checkpoint-'));
  roots.push(dir);
  const store = new FileStateStore({ dir, clock: createFakeClock(NOW) });
  const log = path.join(dir, 'audit.jsonl');
  const file = path.join(dir, 'report-checkpoint.bin');
  writeFileSync(log, '', { mode: 0o600 });
  return {
    dir,
    log,
    file,
    append: (entries: AuditEntry[]) => appendFileSync(log, entries.map(line).join('')),
    report: (
      state: ReleaseState | null,
      options: { limits?: ReportLimits; version?: string; cfg?: typeof config; file?: string | null } = {},
    ) =>
      buildReportIncrementally({
        config: options.cfg ?? config,
        state,
        history: auditHistoryOf(store),
        now: NOW,
        version: options.version ?? 'test',
        file: options.file === undefined ? file : options.file,
        limits: options.limits ?? SMALL,
      }),
  };
}

function expectSameReport(
  actual: { report: ReleaseReport },
  state: ReleaseState | null,
  entries: AuditEntry[],
  limits = SMALL,
): void {
  expect(actual.report).toEqual(buildReport(config, state, entries, NOW, limits));
}

describe("a report goes on from the previous report's checkpoint", () => {
  it('reads only what was appended since, and says so', async () => {
    const p = project();
    const all = generated(2_000);
    p.append(all.slice(0, 1_500));
    const first = await p.report(null);
    expect(first.history).toEqual<HistoryRead>({ entries: 1_500, read: 1_500, resumed: false });
    expectSameReport(first, null, all.slice(0, 1_500));
    p.append(all.slice(1_500));
    const second = await p.report(null);
    expect(second.history).toEqual<HistoryRead>({ entries: 2_000, read: 500, resumed: true });
    expectSameReport(second, null, all);
    // Nothing new: nothing read, the same report.
    const third = await p.report(null);
    expect(third.history).toEqual<HistoryRead>({ entries: 2_000, read: 0, resumed: true });
    expect(third.report).toEqual(second.report);
  });

  it('goes on in the middle of a visit and of a rollback, one entry at a time', async () => {
    const p = project();
    const all = generated(1_420);
    p.append(all.slice(0, 1_390));
    await p.report(null);
    for (let i = 1_390; i < all.length; i++) {
      p.append([all[i]!]);
      const run = await p.report(null);
      expect(run.history).toMatchObject({ read: 1, resumed: true });
      expectSameReport(run, null, all.slice(0, i + 1));
    }
  });

  it('gives the report built from the first entry, wherever the log is cut between reports (property)', async () => {
    // Longer than the reorder window (1,000), so that checkpoints hold walked events, open visits and rollbacks.
    const all = generated(2_400);
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.integer({ min: 1, max: 2_399 }), { minLength: 1, maxLength: 4 }),
        fc.constantFrom<ReportLimits>(SMALL, { timeline: 300, visits: 40, decisions: 30, rollbacks: 10, overrides: 5 }),
        async (cuts, limits) => {
          const p = project();
          let written = 0;
          for (const cut of [...cuts.sort((a, b) => a - b), all.length]) {
            p.append(all.slice(written, cut));
            written = cut;
            const run = await p.report(null, { limits });
            expect(run.history.entries).toBe(cut);
            expectSameReport(run, null, all.slice(0, cut), limits);
          }
        },
      ),
      { numRuns: 25 },
    );
  });

  it("takes the state's new history entries in as the release moves on (and an audit-only entry between them)", async () => {
    const entries = makeChainedAudit();
    const full = makeState();
    for (let cut = 1; cut < entries.length; cut++) {
      const p = project();
      const before = entries.slice(0, cut);
      const maxSerial = Math.max(0, ...before.map((e) => e.stateSerial ?? 0));
      const earlier: ReleaseState = {
        ...full,
        serial: maxSerial,
        history: full.history.filter((h) => h.serial <= maxSerial),
      };
      p.append(before);
      expectSameReport(
        await p.report(earlier, {
          limits: { timeline: 1e9, visits: 1e9, decisions: 1e9, rollbacks: 1e9, overrides: 1e9 },
        }),
        earlier,
        before,
        { timeline: 1e9, visits: 1e9, decisions: 1e9, rollbacks: 1e9, overrides: 1e9 },
      );
      p.append(entries.slice(cut));
      const later = await p.report(full, {
        limits: { timeline: 1e9, visits: 1e9, decisions: 1e9, rollbacks: 1e9, overrides: 1e9 },
      });
      expect(later.history.resumed).toBe(true);
      expectSameReport(later, full, entries, {
        timeline: 1e9,
        visits: 1e9,
        decisions: 1e9,
        rollbacks: 1e9,
        overrides: 1e9,
      });
    }
  });
});

describe('a checkpoint is used only while everything it was made from holds', () => {
  const all = generated(900);

  async function checkpointed() {
    const p = project();
    p.append(all.slice(0, 600));
    await p.report(null);
    return p;
  }

  it('a log rewritten under it (same length, other entries): rebuilt from the first entry', async () => {
    const p = await checkpointed();
    const other = generated(600).map((e) => ({ ...e }));
    // A different history of the same size: re-chain it with another first entry.
    let prev = AUDIT_GENESIS;
    const rewritten = other.map((e, i) => {
      const next = createAuditEntry(
        {
          actor: i === 0 ? 'someone-else' : e.actor,
          op: e.op,
          ...(e.reason ? { reason: e.reason } : {}),
          ...(e.data !== undefined ? { data: e.data } : {}),
          ...(e.stateSerial !== undefined ? { stateSerial: e.stateSerial } : {}),
        },
        i + 1,
        prev,
        e.ts,
      );
      prev = next.hash;
      return next;
    });
    writeFileSync(p.log, rewritten.map(line).join(''));
    const run = await p.report(null);
    expect(run.history).toMatchObject({
      entries: 600,
      read: 600,
      resumed: false,
      rebuiltBecause: expect.stringContaining('no longer holds'),
    });
    expectSameReport(run, null, rewritten);
  });

  it('a truncated log (restored from an older backup): rebuilt', async () => {
    const p = await checkpointed();
    writeFileSync(p.log, all.slice(0, 400).map(line).join(''));
    const run = await p.report(null);
    expect(run.history).toMatchObject({ entries: 400, resumed: false });
    expectSameReport(run, null, all.slice(0, 400));
  });

  it('a torn line after the anchor is left for the next report, which reads it once complete', async () => {
    const p = await checkpointed();
    const next = line(all[600]!);
    appendFileSync(p.log, next.slice(0, 40));
    expect((await p.report(null)).history).toMatchObject({ entries: 600, read: 0, resumed: true });
    appendFileSync(p.log, next.slice(40));
    p.append(all.slice(601));
    const run = await p.report(null);
    expect(run.history).toMatchObject({ entries: 900, read: 300, resumed: true });
    expectSameReport(run, null, all);
  });

  it('a damaged, truncated, empty or foreign checkpoint file is ignored and replaced', async () => {
    for (const damage of [
      (b: Buffer) => {
        b.writeUInt8(b.readUInt8(b.length - 5) ^ 0xff, b.length - 5);
        return b;
      },
      (b: Buffer) => b.subarray(0, b.length >> 1),
      () => Buffer.alloc(0),
      () => Buffer.from('{"format":1}'),
    ]) {
      const p = await checkpointed();
      writeFileSync(p.file, damage(readFileSync(p.file)));
      p.append(all.slice(600));
      const run = await p.report(null);
      expect(run.history).toEqual<HistoryRead>({ entries: 900, read: 900, resumed: false });
      expectSameReport(run, null, all);
      expect((await p.report(null)).history).toEqual<HistoryRead>({ entries: 900, read: 0, resumed: true });
    }
  });

  it('another plan, other limits or another rollout version: not used', async () => {
    const p = await checkpointed();
    const edited = { ...config, budget: `${config.budget}.next` };
    expect((await p.report(null, { cfg: edited })).history.resumed).toBe(false);
    expect((await p.report(null, { cfg: edited })).history.resumed).toBe(true);
    expect((await p.report(null, { cfg: edited, limits: { ...SMALL, timeline: 8 } })).history.resumed).toBe(false);
    expect(
      (await p.report(null, { cfg: edited, limits: { ...SMALL, timeline: 8 }, version: 'next' })).history.resumed,
    ).toBe(false);
  });

  it('a state whose history is not the one the checkpoint saw (state replaced, repaired): rebuilt', async () => {
    const p = project();
    const entries = makeChainedAudit();
    p.append(entries);
    const state = makeState();
    await p.report(state);
    const replaced: ReleaseState = {
      ...state,
      history: state.history.map((h) => (h.serial === 4 ? { ...h, actor: 'mallory' } : h)),
    };
    const run = await p.report(replaced);
    expect(run.history).toMatchObject({ resumed: false, rebuiltBecause: expect.stringContaining('state') });
    expectSameReport(run, replaced, entries);
  });

  it('an entry the earlier report read before the state recorded its transition is not counted twice', async () => {
    const p = project();
    const entries = makeChainedAudit();
    p.append(entries);
    const full = makeState();
    // The earlier report read the state at serial 10, then the log, which already held serial 11's entry.
    const stale: ReleaseState = { ...full, serial: 10, history: full.history.filter((h) => h.serial <= 10) };
    await p.report(stale, { limits: { ...SMALL, timeline: 1e9 } });
    const run = await p.report(full, { limits: { ...SMALL, timeline: 1e9 } });
    expect(run.history.resumed).toBe(false);
    expectSameReport(run, full, entries, { ...SMALL, timeline: 1e9 });
  });

  it('goes on when the state moves on while the log carries serials the state never had (a log imported or generated)', async () => {
    const p = project();
    // As bench/history-scale.mjs writes it: serials far above the state's.
    let prev = AUDIT_GENESIS;
    const log = generated(3_000).map((e, i) => {
      const { v: _v, seq: _seq, ts, prev: _prev, hash: _hash, stateSerial, ...input } = e;
      const next = createAuditEntry(
        { ...input, ...(stateSerial !== undefined ? { stateSerial: stateSerial + 10_000 } : {}) },
        i + 1,
        prev,
        ts,
      );
      prev = next.hash;
      return next;
    });
    const base = makeState();
    const at = (h: number) => new Date(Date.parse(log.at(-1)!.ts) + h * 3_600_000).toISOString();
    const before: ReleaseState = {
      ...base,
      serial: 1,
      history: [{ serial: 1, at: at(1), actor: 'rollout', action: 'create', to: { release: base.release } }],
    };
    const after: ReleaseState = {
      ...before,
      serial: 2,
      history: [
        ...before.history,
        { serial: 2, at: at(2), actor: 'ci', action: 'advance', from: null, to: { phase: 'P0' } },
      ],
    };
    p.append(log);
    await p.report(before);
    const run = await p.report(after);
    expect(run.history).toMatchObject({ read: 0, resumed: true });
    expectSameReport(run, after, log);
  });

  it('a checkpoint that cannot be written leaves the report complete and says why; a symlink in its place is replaced, not followed', async () => {
    const p = await checkpointed();
    const blocked = path.join(p.dir, 'not-a-dir');
    writeFileSync(blocked, 'x');
    const run = await p.report(null, { file: path.join(blocked, 'report-checkpoint.bin') });
    expect(run.history.checkpointError).toMatch(/ENOTDIR|EEXIST/);
    expectSameReport(run, null, all.slice(0, 600));

    const target = path.join(p.dir, 'elsewhere.bin');
    writeFileSync(target, 'precious');
    rmSync(p.file);
    symlinkSync(target, p.file);
    expect((await p.report(null)).history.resumed).toBe(false);
    expect(readFileSync(target, 'utf8')).toBe('precious');
    expect((await p.report(null)).history.resumed).toBe(true);
  });

  it('with no checkpoint file configured, reads everything every time and writes nothing', async () => {
    const p = project();
    p.append(all);
    for (let i = 0; i < 2; i++)
      expect((await p.report(null, { file: null })).history).toEqual<HistoryRead>({
        entries: 900,
        read: 900,
        resumed: false,
      });
    expect(() => readFileSync(p.file)).toThrow(/ENOENT/);
  });
});
