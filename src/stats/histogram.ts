/**
 * Two request-level distributions given as histograms (Prometheus `_bucket` increases over one
 * window): every request counts once, and requests in the same bucket are tied.
 *
 * - The rank test is Mann–Whitney U on the grouped data: each bucket is one tie group, so U, the
 *   tie-corrected variance and the 0.5 continuity correction are exactly SciPy's
 *   `mannwhitneyu(method='asymptotic')` on the expanded samples (one value per request), computed in
 *   O(buckets) instead of O(requests).
 * - The effect behind the test is the probability index θ = P(X > Y) + ½·P(X = Y) with a DeLong
 *   (placement) interval that uses the same mid-ranks.
 * - The quantile (p95 or any other) is read as `histogram_quantile` reads it (linear within the
 *   bucket, 0 as the lowest bucket's lower bound); its interval maps the distribution-free
 *   order-statistic interval of the rank, Nq ± z·√(Nq(1−q)), through the same interpolation. The
 *   canary/baseline quantile ratio gets a log-scale interval from the two arms' intervals.
 */
import { normalQuantile, normalSf } from './normal.js';
import { assertAlternative, assertProbability, type Alternative } from './types.js';

/** One arm's histogram: per-bucket (not cumulative) request counts, aligned with `upperBounds`. */
export interface HistogramArm {
  counts: readonly number[];
}

/** Options of {@link compareHistograms}. */
export interface CompareHistogramsOptions {
  /** `greater`: x (the first arm) tends to be larger. Default `two-sided`. */
  alternative?: Alternative;
  /** The quantile compared, default 0.95. */
  quantile?: number;
  /** Two-sided level of every interval, default 0.95. */
  confidence?: number;
}

/** A quantile estimate of one arm with its interval (upper is Infinity inside the +Inf bucket). */
export interface QuantileEstimate {
  value: number;
  lower: number;
  upper: number;
}

/** Result of {@link compareHistograms}; x is the first arm. */
export interface CompareHistogramsResult {
  /** U of x, ties counting ½. */
  statistic: number;
  z: number;
  pValue: number;
  alternative: Alternative;
  nX: number;
  nY: number;
  /** U / (nX·nY) and its DeLong interval. */
  probabilityXGreater: number;
  probabilityInterval: readonly [number, number];
  quantile: number;
  confidence: number;
  x: QuantileEstimate;
  y: QuantileEstimate;
  /** x's quantile / y's quantile (Infinity when y's is 0) and its interval. */
  ratio: number;
  ratioInterval: readonly [number, number];
}

/** Compare the request-level distributions of x and y from bucket counts. Pure; throws RangeError on bad input. */
export function compareHistograms(
  upperBounds: readonly number[],
  x: HistogramArm,
  y: HistogramArm,
  opts: CompareHistogramsOptions = {},
): CompareHistogramsResult {
  const alternative = opts.alternative ?? 'two-sided';
  assertAlternative(alternative);
  const q = opts.quantile ?? 0.95;
  assertProbability('quantile', q);
  const confidence = opts.confidence ?? 0.95;
  assertProbability('confidence', confidence);
  assertBounds(upperBounds);
  const cx = readCounts('x', x.counts, upperBounds.length);
  const cy = readCounts('y', y.counts, upperBounds.length);
  const nX = sum(cx);
  const nY = sum(cy);
  if (nX === 0 || nY === 0) throw new RangeError(`${nX === 0 ? 'x' : 'y'} has no requests`);
  const rank = rankGrouped(cx, cy);
  const n = nX + nY;
  const sd = Math.sqrt(((nX * nY) / 12) * (n + 1 - rank.tieTerm / (n * (n - 1))));
  const u1 = rank.u;
  const u = alternative === 'greater' ? u1 : alternative === 'less' ? nX * nY - u1 : Math.max(u1, nX * nY - u1);
  const numerator = u - (nX * nY) / 2 - 0.5;
  const z = sd === 0 ? (numerator > 0 ? Infinity : numerator < 0 ? -Infinity : 0) : numerator / sd;
  // Every request in one bucket: no evidence either way.
  const tail = sd === 0 && numerator <= 0 ? 0.5 : normalSf(z);
  const pValue = Math.min(1, Math.max(0, tail * (alternative === 'two-sided' ? 2 : 1)));
  const zc = normalQuantile(1 - (1 - confidence) / 2);
  const theta = u1 / (nX * nY);
  const thetaSe = Math.sqrt(rank.placementVarX / nX + rank.placementVarY / nY);
  const qx = estimateQuantile(upperBounds, cx, q, zc);
  const qy = estimateQuantile(upperBounds, cy, q, zc);
  const { ratio, interval } = compareQuantiles(qx, qy, zc);
  return {
    statistic: u1,
    z,
    pValue,
    alternative,
    nX,
    nY,
    probabilityXGreater: theta,
    probabilityInterval: [Math.max(0, theta - zc * thetaSe), Math.min(1, theta + zc * thetaSe)],
    quantile: q,
    confidence,
    x: qx,
    y: qy,
    ratio,
    ratioInterval: interval,
  };
}

interface GroupedRanks {
  u: number;
  tieTerm: number;
  placementVarX: number;
  placementVarY: number;
}

/** U of x, Σ(t³ − t) over buckets, and the variances of the DeLong placements, in one pass each way. */
function rankGrouped(cx: number[], cy: number[]): GroupedRanks {
  const nX = sum(cx);
  const nY = sum(cy);
  let below = { x: 0, y: 0 };
  let u = 0;
  let tieTerm = 0;
  // Placements: for an x in bucket k, the share of y below it (ties ½); for a y, the share of x above it.
  const px: number[] = [];
  const py: number[] = [];
  for (let k = 0; k < cx.length; k += 1) {
    const a = cx[k] as number;
    const b = cy[k] as number;
    u += a * (below.y + b / 2);
    const t = a + b;
    if (t > 1) tieTerm += t * t * t - t;
    px.push((below.y + b / 2) / nY);
    py.push((nX - below.x - a + a / 2) / nX);
    below = { x: below.x + a, y: below.y + b };
  }
  return { u, tieTerm, placementVarX: weightedVariance(px, cx), placementVarY: weightedVariance(py, cy) };
}

/** Sample variance (n − 1) of values repeated `weights` times. */
function weightedVariance(values: number[], weights: number[]): number {
  const n = sum(weights);
  if (n < 2) return 0;
  let mean = 0;
  values.forEach((v, i) => (mean += v * (weights[i] as number)));
  mean /= n;
  let ss = 0;
  values.forEach((v, i) => (ss += (weights[i] as number) * (v - mean) * (v - mean)));
  return ss / (n - 1);
}

/**
 * The value at (fractional) rank `r` of the histogram, interpolated as Prometheus'
 * `histogram_quantile` does: linearly within the bucket, the lowest bucket starting at 0 (when its
 * bound is positive). A rank in the +Inf bucket is Infinity here (Prometheus answers the last
 * finite bound, which understates it).
 */
export function valueAtRank(upperBounds: readonly number[], counts: readonly number[], r: number): number {
  const total = sum(counts);
  const rank = Math.min(Math.max(r, 0), total);
  let cumulative = 0;
  for (let k = 0; k < counts.length; k += 1) {
    const c = counts[k] as number;
    if (c > 0 && cumulative + c >= rank) {
      const upper = upperBounds[k] as number;
      if (upper === Infinity) return Infinity;
      const lower = k === 0 ? (upper > 0 ? 0 : upper) : (upperBounds[k - 1] as number);
      return lower + ((upper - lower) * (rank - cumulative)) / c;
    }
    cumulative += c;
  }
  return upperBounds[upperBounds.length - 1] as number;
}

function estimateQuantile(upperBounds: readonly number[], counts: number[], q: number, z: number): QuantileEstimate {
  const n = sum(counts);
  const centre = n * q;
  const half = z * Math.sqrt(n * q * (1 - q));
  return {
    value: valueAtRank(upperBounds, counts, centre),
    lower: valueAtRank(upperBounds, counts, Math.floor(centre - half)),
    upper: valueAtRank(upperBounds, counts, Math.ceil(centre + half) + 1),
  };
}

/** Ratio x/y with a log-scale interval whose half-width combines the two arms' (delta method). */
function compareQuantiles(
  x: QuantileEstimate,
  y: QuantileEstimate,
  z: number,
): { ratio: number; interval: readonly [number, number] } {
  const ratio = y.value === 0 ? (x.value === 0 ? 1 : Infinity) : x.value / y.value;
  const se = (e: QuantileEstimate) =>
    e.lower > 0 && Number.isFinite(e.upper) ? (Math.log(e.upper) - Math.log(e.lower)) / (2 * z) : Infinity;
  const s = Math.hypot(se(x), se(y));
  if (!Number.isFinite(s) || !(ratio > 0) || !Number.isFinite(ratio)) return { ratio, interval: [0, Infinity] };
  return { ratio, interval: [ratio * Math.exp(-z * s), ratio * Math.exp(z * s)] };
}

function assertBounds(bounds: readonly number[]): void {
  if (bounds.length === 0) throw new RangeError('a histogram needs at least one bucket');
  bounds.forEach((b, i) => {
    if (Number.isNaN(b) || b === -Infinity) throw new RangeError(`bucket bound ${i} is ${b}`);
    if (i > 0 && !(b > (bounds[i - 1] as number)))
      throw new RangeError(`bucket bounds must increase: ${bounds[i - 1]} then ${b}`);
  });
}

function readCounts(name: string, counts: readonly number[], buckets: number): number[] {
  if (counts.length !== buckets) throw new RangeError(`${name}: ${counts.length} counts for ${buckets} buckets`);
  return counts.map((c, i) => {
    if (!Number.isInteger(c) || c < 0)
      throw new RangeError(`${name}: bucket ${i} count must be a non-negative integer, got ${c}`);
    return c;
  });
}

function sum(values: readonly number[]): number {
  let s = 0;
  for (const v of values) s += v;
  return s;
}
