import { describe, expect, it } from 'vitest';
import { ENGINES, EngineInputError } from '../../../engines/index.js';
import type { ReserveInput } from '../../../engines/index.js';

const TEN_AT_2 = new Array<number>(10).fill(0.02);
const seed = (
  id: string,
  extra: Partial<ReserveInput['companies'][number]> = {},
): ReserveInput['companies'][number] => ({ id, stage: 'seed', invested: 100_000_000, ownership: 0.1, ...extra });

function fieldOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof EngineInputError) return e.field;
    throw e;
  }
  return undefined;
}

describe('reserves v1.1', () => {
  const v11 = ENGINES.reserves['v1.1'];

  it('G-R1: a $1M seed check at 10% needs $613,800 of follow-ons', () => {
    const r = v11({ fundSize: 10_000_000_000, reserveRatio: 0.5, feeSchedule: TEN_AT_2, companies: [seed('a')] });
    expect(r.investableCapital).toBe(8_000_000_000);
    expect(r.cap).toBe(4_000_000_000);
    expect(r.demand).toBe(61_380_000);
    expect(r.allocations).toEqual([{ id: 'a', amount: 61_380_000, need: 61_380_000 }]);
  });

  it('G-R1: per-stage needs follow the graduation chain', () => {
    const r = v11({
      fundSize: 10_000_000_000,
      reserveRatio: 1,
      base: 'fundSize',
      companies: [
        seed('s'),
        seed('a', { stage: 'series-a' }),
        seed('b', { stage: 'series-b' }),
        seed('c', { stage: 'series-c' }),
      ],
    });
    // Series A at 10%: 0.4 × $2.1M + 0.4 × 0.3 × $2.3M = $1,116,000; B: 0.3 × $2.3M = $690,000; C: no sourced D round.
    expect(r.allocations.map((a) => a.need)).toEqual([61_380_000, 111_600_000, 69_000_000, 0]);
  });

  it('scales demand down to the cap with an exact split and a warning', () => {
    const r = v11({
      fundSize: 100_000_000,
      reserveRatio: 0.5,
      base: 'fundSize',
      companies: [seed('a'), seed('b', { stage: 'series-a' })],
    });
    expect(r.total).toBe(50_000_000);
    expect(r.allocations.reduce((s, a) => s + a.amount, 0)).toBe(50_000_000);
    expect(r.warnings.join()).toMatch(/exceeds cap/);
  });

  it('honours participation, custom graduation and inactive companies', () => {
    const r = v11({
      fundSize: 10_000_000_000,
      reserveRatio: 0.5,
      participation: 0.5,
      graduation: { 'series-a': { probability: 0.5, roundSize: 1_000_000_000 } },
      companies: [seed('a'), seed('x', { status: 'exited' })],
    });
    // 0.5 × (0.5 × 0.1 × $10M + 0.5 × 0.4 × 0.1 × $21M + 0.5 × 0.4 × 0.3 × 0.1 × $23M) = 0.5 × $1,058,000
    expect(r.allocations[0]?.need).toBe(52_900_000);
    expect(r.allocations[1]).toEqual({ id: 'x', amount: 0, need: 0 });
  });

  it('returns zeros, not an error, for an empty portfolio, a zero fund or a zero ratio', () => {
    expect(v11({ fundSize: 1_000, reserveRatio: 0.5, companies: [] })).toMatchObject({
      total: 0,
      allocations: [],
      unallocated: 500,
    });
    expect(v11({ fundSize: 0, reserveRatio: 0.5, companies: [seed('a')] }).allocations[0]?.amount).toBe(0);
    expect(v11({ fundSize: 1_000, reserveRatio: 0, companies: [seed('a')] }).total).toBe(0);
  });

  it('warns when no company has any follow-on demand', () => {
    const r = v11({ fundSize: 1_000, reserveRatio: 0.5, companies: [seed('w', { status: 'written-off' })] });
    expect(r.total).toBe(0);
    expect(r.warnings).toEqual(['no follow-on demand; nothing reserved']);
  });
});

describe('reserves v1.0', () => {
  const v10 = ENGINES.reserves['v1.0'];

  it('reserves the whole fundSize × ratio pro-rata to invested capital', () => {
    const r = v10({
      fundSize: 10_000_000_000,
      reserveRatio: 0.5,
      feeSchedule: TEN_AT_2,
      companies: [seed('a'), seed('b', { invested: 300_000_000 })],
    });
    expect(r.base).toBe('fundSize');
    expect(r.total).toBe(5_000_000_000);
    expect(r.allocations.map((a) => a.amount)).toEqual([1_250_000_000, 3_750_000_000]);
  });

  it('agrees with v1.1 when v1.1 is told to use the fund size and pro-rata weights', () => {
    const input: ReserveInput = {
      fundSize: 777_777,
      reserveRatio: 0.37,
      base: 'fundSize',
      method: 'pro-rata-initial',
      companies: [seed('a'), seed('b', { invested: 3 }), seed('c', { invested: 7 })],
    };
    expect(ENGINES.reserves['v1.1'](input).allocations).toEqual(v10(input).allocations);
  });
});

describe('reserve input validation', () => {
  const ok: ReserveInput = { fundSize: 1_000_000, reserveRatio: 0.5, companies: [seed('a')] };
  it.each([
    ['fundSize', { ...ok, fundSize: -1 }],
    ['fundSize', { ...ok, fundSize: Number.NaN }],
    ['fundSize', { ...ok, fundSize: 1.5 }],
    ['reserveRatio', { ...ok, reserveRatio: 1.2 }],
    ['reserveRatio', { ...ok, reserveRatio: Number.NaN }],
    ['companies', { ...ok, companies: undefined as unknown as [] }],
    ['companies[0].invested', { ...ok, companies: [seed('a', { invested: -5 })] }],
    ['companies[0].ownership', { ...ok, companies: [seed('a', { ownership: Number.POSITIVE_INFINITY })] }],
    ['companies[0].status', { ...ok, companies: [seed('a', { status: 'sold' as 'exited' })] }],
    ['companies[1].id', { ...ok, companies: [seed('a'), seed('a')] }],
    ['feeSchedule[1]', { ...ok, feeSchedule: [0.02, -0.01] }],
    ['feeSchedule', { ...ok, feeSchedule: new Array<number>(10).fill(0.2) }],
    ['participation', { ...ok, participation: 2 }],
    ['graduation.series-b.probability', { ...ok, graduation: { 'series-b': { probability: 1.1, roundSize: 1 } } }],
  ] as Array<[string, ReserveInput]>)('names %s', (field, input) => {
    expect(fieldOf(() => ENGINES.reserves['v1.1'](input))).toBe(field);
    expect(fieldOf(() => ENGINES.reserves['v1.0'](input))).toBe(field);
  });
});
