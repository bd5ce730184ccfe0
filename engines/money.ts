/**
 * Integer-cent arithmetic shared by the engines. Every split goes through
 * {@link splitLargestRemainder} so that parts sum exactly to the whole.
 */

/** Result of a largest-remainder split. */
export interface Split {
  /** One non-negative integer per weight; sums to `total` unless all weights are 0. */
  parts: number[];
  /** `total` when every weight is 0 (nothing to split by), else 0. */
  unallocated: number;
}

/**
 * Hamilton (largest-remainder) apportionment of `total` cents by non-negative
 * integer `weights`. Quotas are computed exactly in BigInt because
 * `total × weight` easily exceeds 2^53. Leftover cents go to the largest
 * fractional remainders; ties break by `tieKeys` (ascending) then index, so the
 * result never depends on anything but the inputs.
 */
export function splitLargestRemainder(total: number, weights: readonly number[], tieKeys?: readonly string[]): Split {
  const n = weights.length;
  const sumW = weights.reduce((s, w) => s + BigInt(w), 0n);
  if (n === 0 || sumW === 0n || total === 0) {
    return { parts: new Array<number>(n).fill(0), unallocated: sumW === 0n ? total : 0 };
  }
  const bigTotal = BigInt(total);
  const parts = new Array<number>(n);
  const remainders = new Array<bigint>(n);
  let assigned = 0n;
  for (let i = 0; i < n; i++) {
    const q = bigTotal * BigInt(weights[i] ?? 0);
    const floor = q / sumW;
    parts[i] = Number(floor);
    remainders[i] = q - floor * sumW;
    assigned += floor;
  }
  const leftover = Number(bigTotal - assigned);
  if (leftover > 0) {
    const order = rankByRemainder(remainders, tieKeys);
    for (let k = 0; k < leftover; k++) {
      const idx = order[k] as number;
      parts[idx] = (parts[idx] as number) + 1;
    }
  }
  return { parts, unallocated: 0 };
}

function rankByRemainder(remainders: readonly bigint[], tieKeys?: readonly string[]): number[] {
  const idx = remainders.map((_, i) => i);
  return idx.sort((a, b) => {
    const ra = remainders[a] as bigint;
    const rb = remainders[b] as bigint;
    if (ra !== rb) return ra > rb ? -1 : 1;
    const ka = tieKeys?.[a];
    const kb = tieKeys?.[b];
    if (ka !== undefined && kb !== undefined && ka !== kb) return ka < kb ? -1 : 1;
    return a - b;
  });
}

/**
 * Turns finite non-negative float weights into safe-integer weights with the
 * same proportions to ~1e-12 relative precision. Integer weights keep the
 * largest-remainder split exact.
 */
export function scaleToIntegerWeights(weights: readonly number[], resolution = 1e12): number[] {
  const max = weights.reduce((m, w) => (w > m ? w : m), 0);
  if (max <= 0) return weights.map(() => 0);
  return weights.map((w) => Math.round((w / max) * resolution));
}

/**
 * floor(amount × fraction) computed on the exact binary value of `fraction`.
 * A float product can round up past the true value (e.g. 99.99999999999 → 100);
 * flooring the exact product keeps `result ≤ amount × fraction` in both exact
 * and floating-point comparisons.
 */
export function floorMulFraction(amount: number, fraction: number): number {
  if (fraction === 0 || amount === 0) return 0;
  if (fraction === 1) return amount;
  let numerator = fraction;
  let exponent = 0;
  while (!Number.isInteger(numerator)) {
    numerator *= 2;
    exponent += 1;
  }
  const product = BigInt(amount) * BigInt(numerator);
  return Number(product >> BigInt(exponent));
}

/** Sum of integer cents, exact while the sum stays below 2^53. */
export function sumCents(values: readonly number[]): number {
  let s = 0;
  for (const v of values) s += v;
  return s;
}
