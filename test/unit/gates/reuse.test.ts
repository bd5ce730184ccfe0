import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDuration } from '../../../src/config/duration.js';
import type { GateConfig } from '../../../src/config/schema.js';
import { decideReuse, maxAgeFor, readGateRecord, type ReuseContext } from '../../../src/gates/reuse.js';

const PLAN = 'a'.repeat(64);
const OTHER_PLAN = 'b'.repeat(64);
const COMMIT = '1'.repeat(40);
const OTHER_COMMIT = '2'.repeat(40);
const NOW = new Date('2026-03-01T12:00:00.000Z');
const HOUR = 3_600_000;

const record = (over: Record<string, unknown> = {}) => ({
  verdict: 'pass',
  reason: 'ok',
  summary: 'exit 0',
  at: new Date(NOW.getTime() - HOUR).toISOString(),
  planHash: PLAN,
  commit: COMMIT,
  dirty: false,
  ...over,
});

const context = (over: Partial<ReuseContext> = {}): ReuseContext => ({
  gate: { id: 'tests', kind: 'command' },
  maxAgeMs: 24 * HOUR,
  planHash: PLAN,
  tree: { commit: COMMIT, dirty: false },
  distrust: null,
  now: NOW,
  fresh: false,
  ...over,
});

describe('decideReuse', () => {
  it('reuses a passing record of this plan and commit, younger than maxAge, and says how old it is', () => {
    const d = decideReuse(record(), context());
    expect(d).toMatchObject({ reuse: true, ageMs: HOUR, record: { commit: COMMIT, verdict: 'pass' } });
  });

  it.each<[string, unknown, Partial<ReuseContext>, RegExp]>([
    ['--fresh', record(), { fresh: true }, /--fresh/],
    ['a sign-off gate', record(), { gate: { id: 'qa', kind: 'manual' } }, /sign-offs/],
    ['no maxAge (live kinds by default)', record(), { maxAgeMs: null }, /no maxAge/],
    ['maxAge 0s', record(), { maxAgeMs: 0 }, /no maxAge/],
    ['an untrusted store', record(), { distrust: 'state.json is writable by other users' }, /writable/],
    ['no record', undefined, {}, /no recorded result/],
    ['a failed result', record({ verdict: 'fail' }), {}, /is fail/],
    ['an inconclusive result', record({ verdict: 'inconclusive' }), {}, /is inconclusive/],
    ['another plan', record({ planHash: OTHER_PLAN }), {}, /another version of the plan/],
    ['another commit', record({ commit: OTHER_COMMIT }), {}, /recorded at commit 222222222222, now 111111111111/],
    ['a dirty tree now', record(), { tree: { commit: COMMIT, dirty: true } }, /uncommitted changes/],
    ['a dirty tree then', record({ dirty: true }), {}, /recorded on a working tree with uncommitted/],
    ['no git repository now', record(), { tree: null }, /not a git repository/],
    ['a record made outside git', record({ commit: null }), {}, /recorded outside a git repository/],
    ['a stale record', record({ at: new Date(NOW.getTime() - 25 * HOUR).toISOString() }), {}, /older than its maxAge/],
    ['a record from the future', record({ at: new Date(NOW.getTime() + 60_000).toISOString() }), {}, /future/],
    ['a hand-edited verdict', record({ verdict: 'PASS' }), {}, /malformed/],
    ['an unparseable time', record({ at: 'yesterday' }), {}, /malformed/],
    ['a short commit', record({ commit: 'abc123' }), {}, /malformed/],
    ['a plan hash that is not a sha256', record({ planHash: 'x' }), {}, /malformed/],
    ['dirty missing', record({ dirty: undefined }), {}, /malformed/],
    ['an array', [record()], {}, /malformed/],
    ['a string', 'pass', {}, /malformed/],
  ])('never reuses %s', (_name, rec, over, why) => {
    const d = decideReuse(rec, context(over));
    expect(d.reuse).toBe(false);
    if (!d.reuse) expect(d.why).toMatch(why);
  });

  it('is exactly at maxAge still young enough; one millisecond more is not', () => {
    const at = (ms: number) => record({ at: new Date(NOW.getTime() - ms).toISOString() });
    expect(decideReuse(at(24 * HOUR), context()).reuse).toBe(true);
    expect(decideReuse(at(24 * HOUR + 1), context()).reuse).toBe(false);
  });

  it('property: a reused record is always a pass of this plan and commit, clean, not from the future, within maxAge', () => {
    const hex = (n: number) => fc.stringMatching(new RegExp(`^[0-9a-f]{${n}}$`));
    // Each field is mostly right, sometimes wrong, so that every rule is exercised and some records pass them all.
    const mostly = <T>(good: fc.Arbitrary<T>, ...bad: Array<fc.Arbitrary<T>>) =>
      fc.oneof({ arbitrary: good, weight: 6 }, ...bad.map((arbitrary) => ({ arbitrary, weight: 1 })));
    const arbRecord = mostly<unknown>(
      fc.record({
        verdict: mostly(fc.constant('pass'), fc.constantFrom('fail', 'inconclusive', 'PASS', '')),
        reason: fc.string(),
        summary: fc.string(),
        at: mostly(
          fc.integer({ min: -48 * HOUR, max: 48 * HOUR }).map((d) => new Date(NOW.getTime() + d).toISOString()),
          fc.string(),
        ),
        planHash: mostly<string>(fc.constant(PLAN), fc.constant(OTHER_PLAN), hex(64), fc.string()),
        commit: mostly<string | null>(
          fc.constant(COMMIT),
          fc.constant(OTHER_COMMIT),
          fc.constant(null),
          hex(40),
          fc.string(),
        ),
        dirty: mostly<boolean | undefined>(fc.constant(false), fc.constant(true), fc.constant(undefined)),
      }),
      fc.anything(),
    );
    const arbContext = fc.record({
      gate: fc.record({
        id: fc.constant('g'),
        kind: mostly(fc.constant('command'), fc.constantFrom('property', 'manual', 'prometheus')),
      }),
      maxAgeMs: mostly<number | null>(fc.integer({ min: -1, max: 48 * HOUR }), fc.constant(null)),
      planHash: mostly(fc.constant(PLAN), fc.constant(OTHER_PLAN)),
      tree: mostly<{ commit: string; dirty: boolean } | null>(
        fc.record({
          commit: mostly(fc.constant(COMMIT), fc.constant(OTHER_COMMIT)),
          dirty: mostly(fc.constant(false), fc.constant(true)),
        }),
        fc.constant(null),
      ),
      distrust: mostly<string | null>(fc.constant(null), fc.constant('loose')),
      now: fc.constant(NOW),
      fresh: mostly(fc.constant(false), fc.constant(true)),
    });
    let reused = 0;
    fc.assert(
      fc.property(arbRecord, arbContext, (rec, c) => {
        const d = decideReuse(rec, c);
        if (!d.reuse) return;
        reused += 1;
        const r = rec as Record<string, unknown>;
        expect(r.verdict).toBe('pass');
        expect(r.planHash).toBe(c.planHash);
        expect(c.tree).not.toBeNull();
        expect(c.tree?.dirty).toBe(false);
        expect(r.dirty).toBe(false);
        expect(r.commit).toBe(c.tree?.commit);
        expect(c.fresh).toBe(false);
        expect(c.distrust).toBeNull();
        expect(c.gate.kind).not.toBe('manual');
        const age = NOW.getTime() - Date.parse(String(r.at));
        expect(age).toBeGreaterThanOrEqual(0);
        expect(age).toBeLessThanOrEqual(c.maxAgeMs ?? -1);
        expect(d.ageMs).toBe(age);
      }),
      { numRuns: 3000 },
    );
    // The property is not vacuous: some generated records were reused.
    expect(reused).toBeGreaterThan(0);
  });
});

describe('readGateRecord', () => {
  it('keeps the fields it knows and nothing else', () => {
    expect(readGateRecord({ ...record(), extra: 'x' })).toEqual(record());
    expect(readGateRecord(null)).toBeNull();
  });
});

describe('maxAgeFor', () => {
  const gate = (g: Record<string, unknown>) => g as unknown as GateConfig;
  it("takes the gate's own maxAge, else the plan default for commit-determined kinds, else never", () => {
    expect(maxAgeFor(gate({ kind: 'command', maxAge: '2h' }), HOUR, parseDuration)).toBe(2 * HOUR);
    expect(maxAgeFor(gate({ kind: 'command', maxAge: '0s' }), HOUR, parseDuration)).toBe(0);
    for (const kind of ['command', 'property', 'perf-budget', 'file'])
      expect(maxAgeFor(gate({ kind }), HOUR, parseDuration)).toBe(HOUR);
    for (const kind of ['prometheus', 'http', 'soak', 'manual'])
      expect(maxAgeFor(gate({ kind }), HOUR, parseDuration)).toBeNull();
    expect(maxAgeFor(gate({ kind: 'prometheus', maxAge: '10m' }), HOUR, parseDuration)).toBe(600_000);
  });
});
