import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatNumber, isSatisfied, parseComparison } from '../../../src/gates/compare.js';

describe('comparisons of prometheus gates', () => {
  it('parses every operator the config accepts', () => {
    expect(parseComparison('< 0.01')).toMatchObject({ op: '<', value: 0.01 });
    expect(parseComparison('>=0.95')).toMatchObject({ op: '>=', value: 0.95, text: '>= 0.95' });
    expect(parseComparison(' == 1 ')).toMatchObject({ op: '==', value: 1 });
    expect(parseComparison('!= -2e3')).toMatchObject({ op: '!=', value: -2000 });
    expect(parseComparison('about 1')).toBeNull();
    expect(parseComparison('< 0.01; drop')).toBeNull();
  });

  it('judges values either side of a threshold', () => {
    const c = parseComparison('< 0.01');
    expect(c).not.toBeNull();
    if (!c) return;
    expect(isSatisfied(0.0099, c)).toBe(true);
    expect(isSatisfied(0.01, c)).toBe(false);
    expect(isSatisfied(0.0101, c)).toBe(false);
  });

  it('never lets NaN satisfy anything, not even !=', () => {
    for (const text of ['< 1', '<= 1', '> 1', '>= 1', '== 1', '!= 1']) {
      const c = parseComparison(text);
      expect(c && isSatisfied(Number.NaN, c)).toBe(false);
    }
  });

  it('< and >= are complements for every number (property)', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true }), fc.double({ noNaN: true, noDefaultInfinity: true }), (x, t) => {
        const lt = { op: '<' as const, value: t, text: '' };
        const ge = { op: '>=' as const, value: t, text: '' };
        return isSatisfied(x, lt) !== isSatisfied(x, ge);
      }),
    );
  });

  it('formats numbers without float noise', () => {
    expect(formatNumber(0.1 + 0.2)).toBe('0.3');
    expect(formatNumber(0.00990000001)).toBe('0.0099');
    expect(formatNumber(42)).toBe('42');
    expect(formatNumber(Number.NaN)).toBe('NaN');
  });
});
