import { describe, expect, it } from 'vitest';
import { floorMulFraction, scaleToIntegerWeights, splitLargestRemainder } from '../../../engines/money.js';
import { formatIsoDay, parseIsoDay, periodKey, quarterAt } from '../../../engines/dates.js';
import { EngineInputError } from '../../../engines/errors.js';

describe('splitLargestRemainder', () => {
  it.each([
    [[1, 2, 3], 10, [2, 3, 5]],
    [[70, 30], 5, [4, 1]],
    [[1, 1, 1], 800, [267, 267, 266]],
    [[92, 93, 70], 100, [36, 37, 27]],
    [[1, 1, 1], 1, [1, 0, 0]],
    [[1, 1, 1], 100, [34, 33, 33]],
  ])('G-R3: %j into %i → %j', (weights, total, expected) => {
    expect(splitLargestRemainder(total, weights).parts).toEqual(expected);
  });

  it('G-R2: caps needs exactly with exact quotas', () => {
    const { parts } = splitLargestRemainder(50_000_000, [27_900_000, 25_200_000, 8_280_000]);
    expect(parts).toEqual([22_727_273, 20_527_859, 6_744_868]);
  });

  it('keeps exact sums where total × weight exceeds 2^53', () => {
    const weights = [999_999_999_999, 1, 333_333_333_333];
    const { parts } = splitLargestRemainder(1_000_000_000_000, weights);
    expect(parts.reduce((s, x) => s + x, 0)).toBe(1_000_000_000_000);
    expect(parts[1]).toBe(1);
  });

  it('reports all-zero weights as unallocated instead of dividing by zero', () => {
    expect(splitLargestRemainder(500, [0, 0])).toEqual({ parts: [0, 0], unallocated: 500 });
    expect(splitLargestRemainder(500, [])).toEqual({ parts: [], unallocated: 500 });
  });

  it('breaks ties by key, not by position, when keys are given', () => {
    expect(splitLargestRemainder(1, [1, 1], ['b', 'a']).parts).toEqual([0, 1]);
  });
});

describe('floorMulFraction', () => {
  it('floors the exact product, never the rounded-up float one', () => {
    // 0.7 is stored as 0.6999999999999999555910790149937…, so 10 × 0.7 is just below 7.
    expect(floorMulFraction(10, 0.7)).toBe(6);
    expect(floorMulFraction(10_000_000_000, 0.5)).toBe(5_000_000_000);
    expect(floorMulFraction(123, 1)).toBe(123);
    expect(floorMulFraction(123, 0)).toBe(0);
    expect(floorMulFraction(9_007_199_254_740_991, 0.5)).toBe(4_503_599_627_370_495);
  });
});

describe('scaleToIntegerWeights', () => {
  it('keeps proportions and zero weights', () => {
    expect(scaleToIntegerWeights([0.5, 0.25, 0])).toEqual([1e12, 5e11, 0]);
    expect(scaleToIntegerWeights([0, 0])).toEqual([0, 0]);
  });
});

describe('dates', () => {
  it('G-P5: quarters cross the year boundary with exact start and end dates', () => {
    const q = [0, 1, 2].map((i) => quarterAt(2025, 4, i));
    expect(q.map((x) => x.key)).toEqual(['2025-Q4', '2026-Q1', '2026-Q2']);
    expect(q.map((x) => x.startDate)).toEqual(['2025-10-01', '2026-01-01', '2026-04-01']);
    expect(q.map((x) => x.endDate)).toEqual(['2025-12-31', '2026-03-31', '2026-06-30']);
  });

  it('round-trips day numbers and agrees with Date on leap days', () => {
    for (const iso of ['1970-01-01', '2000-02-29', '2024-02-29', '2100-12-31', '1600-03-01']) {
      const day = parseIsoDay(iso, 'd');
      expect(day).toBe(
        Date.UTC(Number(iso.slice(0, 4)), Number(iso.slice(5, 7)) - 1, Number(iso.slice(8))) / 86_400_000,
      );
      expect(formatIsoDay(day)).toBe(iso);
    }
    expect(periodKey(parseIsoDay('2021-09-30', 'd'), 'quarter')).toBe('2021-Q3');
    expect(periodKey(parseIsoDay('2021-09-30', 'd'), 'year')).toBe('2021');
  });

  it.each(['2023-02-29', '1900-02-29', '2023-13-01', '2023-1-01', '31/12/2024', '', 20240101])(
    'rejects %j naming the field',
    (bad) => {
      expect(() => parseIsoDay(bad, 'valuationDate')).toThrow(EngineInputError);
      try {
        parseIsoDay(bad, 'valuationDate');
      } catch (e) {
        expect((e as EngineInputError).field).toBe('valuationDate');
      }
    },
  );
});
