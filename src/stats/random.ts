/**
 * Seeded pseudo-random numbers for simulations: sfc32 (Chris Doty-Humphrey's small fast
 * counting generator, 128-bit state, passes PractRand) seeded through splitmix32, and an exact
 * binomial sampler. Deterministic for a given seed, so simulation results are reproducible.
 */
import { gammaln } from 'simple-statistics';

/** A source of uniform numbers in [0, 1). */
export type Random = () => number;

/** A seeded sfc32 generator. Any finite number is accepted as seed (it is reduced to 32 bits). */
export function createPrng(seed: number): Random {
  let s = seed >>> 0 || 0x9e3779b9;
  const splitmix = (): number => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = splitmix();
  let b = splitmix();
  let c = splitmix();
  let d = splitmix();
  return () => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) >>> 0;
    return t / 4294967296;
  };
}

/**
 * A Binomial(n, p) draw by inversion: from 0 when the mean is small, otherwise outward from the
 * mode (expected O(√(np(1−p))) steps), so large n neither underflows nor loops for long.
 */
export function sampleBinomial(random: Random, n: number, p: number): number {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`n must be a non-negative integer, got ${n}`);
  if (!(p >= 0 && p <= 1)) throw new RangeError(`p must be in [0, 1], got ${p}`);
  if (n === 0 || p === 0) return 0;
  if (p === 1) return n;
  if (p > 0.5) return n - sampleBinomial(random, n, 1 - p);
  return n * p < 30 ? invertFromZero(random, n, p) : invertFromMode(random, n, p);
}

function invertFromZero(random: Random, n: number, p: number): number {
  const odds = p / (1 - p);
  let pmf = Math.exp(n * Math.log1p(-p));
  let u = random();
  for (let k = 0; k < n; k += 1) {
    if (u < pmf) return k;
    u -= pmf;
    pmf *= (odds * (n - k)) / (k + 1);
  }
  return n;
}

function invertFromMode(random: Random, n: number, p: number): number {
  const mode = Math.floor((n + 1) * p);
  const logPmf =
    gammaln(n + 1) - gammaln(mode + 1) - gammaln(n - mode + 1) + mode * Math.log(p) + (n - mode) * Math.log1p(-p);
  const odds = p / (1 - p);
  let u = random() - Math.exp(logPmf);
  if (u < 0) return mode;
  let up = mode;
  let down = mode;
  let pmfUp = Math.exp(logPmf);
  let pmfDown = pmfUp;
  // Alternate steps above and below the mode, consuming probability mass until u is used up.
  while (up < n || down > 0) {
    if (up < n) {
      pmfUp *= (odds * (n - up)) / (up + 1);
      up += 1;
      u -= pmfUp;
      if (u < 0) return up;
    }
    if (down > 0) {
      pmfDown *= down / (odds * (n - down + 1));
      down -= 1;
      u -= pmfDown;
      if (u < 0) return down;
    }
  }
  return mode;
}

/** A standard normal draw (Box–Muller, one of the pair). */
export function sampleNormal(random: Random): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/** A Gamma(shape, 1) draw: Marsaglia & Tsang (2000), boosted by U^(1/shape) for shape < 1. */
export function sampleGamma(random: Random, shape: number): number {
  if (!(shape > 0 && Number.isFinite(shape))) throw new RangeError(`shape must be positive, got ${shape}`);
  if (shape < 1) return sampleGamma(random, shape + 1) * Math.pow(1 - random(), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const z = sampleNormal(random);
    const v = (1 + c * z) ** 3;
    if (v > 0 && Math.log(1 - random()) < 0.5 * z * z + d - d * v + d * Math.log(v)) return d * v;
  }
}

/** A Beta(a, b) draw as a ratio of gammas. */
export function sampleBeta(random: Random, a: number, b: number): number {
  const x = sampleGamma(random, a);
  const y = sampleGamma(random, b);
  return x + y === 0 ? a / (a + b) : x / (x + y);
}

/**
 * The true rate of one interval of `n` requests when rates vary between intervals: a Beta draw with
 * mean `p` whose binomial mixture has φ × the binomial variance (intra-interval correlation
 * (φ − 1)/(n − 1)). φ = 1 (or a degenerate p) is `p` itself.
 */
export function sampleIntervalRate(random: Random, n: number, p: number, phi: number): number {
  if (!(phi >= 1 && Number.isFinite(phi)))
    throw new RangeError(`overdispersion must be a finite number ≥ 1, got ${phi}`);
  if (phi === 1 || n <= 1 || p === 0 || p === 1) return p;
  const rho = Math.min(0.999, (phi - 1) / (n - 1));
  const scale = 1 / rho - 1;
  return sampleBeta(random, p * scale, (1 - p) * scale);
}

/** Beta-binomial counts of `n` requests: mean n·p, variance φ·n·p(1 − p). φ = 1 is binomial. */
export function sampleBetaBinomial(random: Random, n: number, p: number, phi: number): number {
  return sampleBinomial(random, n, sampleIntervalRate(random, n, p, phi));
}
