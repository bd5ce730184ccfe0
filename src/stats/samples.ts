/** Helpers shared by the rank-based two-sample functions. */

/** A numeric sample; typed arrays avoid boxing for the million-element case. */
export type Sample = Float64Array | readonly number[];

/** A sorted Float64Array copy of `sample`; throws RangeError on NaN or an empty sample. */
export function sortSample(name: string, sample: Sample): Float64Array {
  if (sample.length === 0) throw new RangeError(`${name} must not be empty`);
  // slice()/the constructor copy in bulk; Float64Array.from would walk an iterator.
  const sorted = sample instanceof Float64Array ? sample.slice() : new Float64Array(sample);
  sorted.sort();
  // TypedArray#sort places NaN last, so one check covers the whole sample.
  if (Number.isNaN(sorted[sorted.length - 1])) throw new RangeError(`${name} contains NaN; drop or replace it first`);
  return sorted;
}

/** Rank-sum summary of two sorted samples merged: R_x (average ranks) and Σ(t³ − t) over tie groups. */
export interface RankSummary {
  rankSumX: number;
  tieTerm: number;
  hasTies: boolean;
}

/** One merge pass over two sorted samples, assigning average ranks to tie groups. */
export function summariseRanks(xs: Float64Array, ys: Float64Array): RankSummary {
  const nx = xs.length;
  const ny = ys.length;
  let i = 0;
  let j = 0;
  let rank = 0;
  let rankSumX = 0;
  let tieTerm = 0;
  while (i < nx || j < ny) {
    const xv = i < nx ? (xs[i] as number) : Number.POSITIVE_INFINITY;
    const yv = j < ny ? (ys[j] as number) : Number.POSITIVE_INFINITY;
    // Infinity can be a real observation, so an exhausted side is excluded by index, not by value.
    const v = j >= ny || (i < nx && xv <= yv) ? xv : yv;
    let cx = 0;
    while (i < nx && xs[i] === v) {
      i += 1;
      cx += 1;
    }
    let cy = 0;
    while (j < ny && ys[j] === v) {
      j += 1;
      cy += 1;
    }
    const t = cx + cy;
    rankSumX += cx * (rank + (t + 1) / 2);
    if (t > 1) tieTerm += t * t * t - t;
    rank += t;
  }
  return { rankSumX, tieTerm, hasTies: tieTerm > 0 };
}
