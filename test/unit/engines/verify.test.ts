import { describe, expect, it } from 'vitest';
import { ENGINES } from '../../../engines/index.js';
import type { EngineOverrides, ReserveInput } from '../../../engines/index.js';
import { toJsonSafe } from '../../../engines/json-safe.js';
import { PROPERTIES } from '../../../engines/properties/index.js';
import { DEFAULT_RUNS, VerifyUsageError, runVerify } from '../../../engines/verify.js';

/** v1.1 with a classic bug: per-company rounding with Math.round instead of one exact split. */
const roundingBug: EngineOverrides = {
  reserves: {
    'v1.1': (input: ReserveInput) => {
      const r = ENGINES.reserves['v1.1'](input);
      const demand = r.allocations.reduce((s, a) => s + a.need, 0);
      const allocations = r.allocations.map((a) => ({
        ...a,
        amount: demand === 0 ? 0 : Math.round((r.total * a.need) / demand),
      }));
      return { ...r, allocations };
    },
  },
};

/** Parses the flags of a replay command the way the CLI will. */
function parseReplay(command: string): {
  engine: string;
  model: string;
  property: string;
  seed: number;
  path: string;
  runs: number;
} {
  const flag = (name: string): string => {
    const m = new RegExp(`--${name} ("[^"]*"|\\S+)`).exec(command);
    if (!m?.[1]) throw new Error(`no --${name} in ${command}`);
    return m[1].replace(/^"|"$/g, '');
  };
  return {
    engine: flag('engine'),
    model: flag('model'),
    property: flag('property'),
    seed: Number(flag('seed')),
    path: flag('path'),
    runs: Number(flag('runs')),
  };
}

describe('runVerify', () => {
  it('runs every property of every model by default and reports a seed', () => {
    const report = runVerify({ runs: 5, accuracy: false });
    const expected = PROPERTIES.reduce((n, p) => n + p.models.length, 0);
    expect(report.properties).toHaveLength(expected);
    expect(report.ok).toBe(true);
    expect(Number.isInteger(report.seed)).toBe(true);
    expect(report.properties.every((p) => p.runs === 5 && p.seed === report.seed && p.durationMs >= 0)).toBe(true);
    expect(DEFAULT_RUNS).toBeGreaterThanOrEqual(100);
  });

  it('catches an injected rounding bug with a shrunk counterexample that replays exactly', () => {
    const report = runVerify({ engine: 'reserves', model: 'v1.1', seed: 42, impls: roundingBug, accuracy: false });
    expect(report.ok).toBe(false);
    const failed = report.properties.find((p) => p.id === 'reserves.allocations-sum-to-total');
    expect(failed?.status).toBe('fail');
    const failure = failed?.failure;
    if (!failure) throw new Error('expected a failure');
    expect(failure.error).toMatch(/^InvariantError: Σ allocations \d+ ≠ total \d+/);
    expect(failure.seed).toBe(42);
    expect(failure.path).toMatch(/^\d+(:\d+)*$/);
    const [input] = failure.counterexample as [ReserveInput];
    // Shrinking leaves a small portfolio: rounding drift needs at least two companies.
    expect(input.companies.length).toBeGreaterThanOrEqual(2);
    expect(input.companies.length).toBeLessThanOrEqual(4);
    expect(failure.replayCommand).toBe(
      `rollout verify --engine reserves --model v1.1 --property reserves.allocations-sum-to-total --seed 42 --path "${failure.path}" --runs 1`,
    );

    const args = parseReplay(failure.replayCommand);
    const replay = runVerify({ ...args, model: args.model as 'v1.1', impls: roundingBug, accuracy: false });
    expect(replay.properties).toHaveLength(1);
    expect(replay.properties[0]?.status).toBe('fail');
    expect(replay.properties[0]?.runs).toBe(1);
    expect(replay.properties[0]?.failure?.counterexample).toEqual(failure.counterexample);
    expect(replay.properties[0]?.failure?.error).toBe(failure.error);

    // The same replay against the shipped engine passes: the failure is the bug's, not the input's.
    expect(runVerify({ ...args, model: 'v1.1', accuracy: false }).ok).toBe(true);
  });

  it('leaves v1.0 and other engines untouched by an injected v1.1 reserve engine', () => {
    const report = runVerify({
      engine: 'reserves',
      model: 'v1.0',
      seed: 42,
      runs: 20,
      impls: roundingBug,
      accuracy: false,
    });
    expect(report.ok).toBe(true);
  });

  it('reports an engine that throws as a failure with its message', () => {
    const throwing: EngineOverrides = {
      pacing: {
        'v1.0': () => {
          throw new RangeError('boom');
        },
      },
    };
    const report = runVerify({
      engine: 'pacing',
      model: 'v1.0',
      property: 'pacing.deterministic',
      seed: 7,
      runs: 10,
      impls: throwing,
      accuracy: false,
    });
    expect(report.properties[0]?.failure?.error).toBe('RangeError: boom');
  });

  it('includes the accuracy score unless disabled', () => {
    const report = runVerify({ engine: 'cohorts', runs: 2, seed: 1 });
    expect(report.accuracy?.cases.every((c) => c.engine === 'cohorts')).toBe(true);
    expect(report.accuracy?.delta).toBeGreaterThan(0);
  });

  it('fails when the model under release misses a golden case, even with every property holding', () => {
    // v1.1 pacing replaced by v1.0: every property still holds, but the S-curve cases are wrong.
    const report = runVerify({
      engine: 'pacing',
      runs: 3,
      seed: 1,
      impls: { pacing: { 'v1.1': ENGINES.pacing['v1.0'] } },
    });
    expect(report.failed).toBe(0);
    expect(report.ok).toBe(false);
    expect(report.releaseModel).toBe('v1.1');
    expect(report.goldenFailures.map((g) => g.id)).toEqual(['G-P3', 'G-P3b']);
    expect(report.goldenFailures[0]?.detail).toMatch(/^q0: expected 0\.009987, got 0\.0833/);
    expect(report.accuracy?.perEngine.pacing?.['v1.1'].accuracy).toBeCloseTo(
      report.accuracy?.perEngine.pacing?.['v1.0'].accuracy ?? Number.NaN,
      12,
    );
    expect(report.accuracy?.improvement).toBe(0);
  });

  it("counts v1.0's known golden gaps only against v1.0 when v1.0 alone is asked for", () => {
    const report = runVerify({ engine: 'cohorts', model: 'v1.0', runs: 2, seed: 1 });
    expect(report.ok).toBe(true);
    expect(report.goldenFailures).toEqual([]);
    expect(report.accuracy?.perEngine.cohorts?.['v1.0'].passed).toBeLessThan(12);
  });

  it('measures accuracy as 1 − mean relative error: a thrown engine counts as fully wrong', () => {
    const report = runVerify({
      engine: 'reserves',
      runs: 1,
      seed: 1,
      impls: {
        reserves: {
          'v1.1': () => {
            throw new Error('boom');
          },
        },
      },
    });
    expect(report.accuracy?.perEngine.reserves?.['v1.1']).toEqual({ cases: 7, passed: 0, meanError: 1, accuracy: 0 });
    expect(report.accuracy?.improvement).toBe(-1);
    expect(report.goldenFailures[0]?.detail).toBe('engine threw: boom');
  });

  it.each([
    [{ engine: 'fees' }, /unknown engine/],
    [{ model: 'v2.0' as 'v1.0' }, /unknown model/],
    [{ runs: 0 }, /runs/],
    [{ property: 'reserves.nope' }, /no property/],
    [{ path: '1:2' }, /path replays one failure/],
  ])('rejects %j', (options, message) => {
    expect(() => runVerify({ ...options, accuracy: false })).toThrow(VerifyUsageError);
    expect(() => runVerify({ ...options, accuracy: false })).toThrow(message);
  });

  it('makes counterexamples JSON-safe', () => {
    const safe = toJsonSafe({
      a: 10n,
      b: Number.NaN,
      c: -0,
      d: undefined,
      e: [Number.NEGATIVE_INFINITY],
      f: new Set([1]),
    });
    expect(safe).toEqual({ a: '10n', b: 'NaN', c: 0, d: null, e: ['-Infinity'], f: [1] });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(JSON.stringify(toJsonSafe(cyclic))).toBe('{"self":"[Circular]"}');
  });
});
