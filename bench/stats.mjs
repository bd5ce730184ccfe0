// Benchmark of the canary statistics core: Mann–Whitney speed against SciPy on 1e6 + 1e6 samples,
// and the sequential policy's A/A false-fail rate and power from seeded simulations.
// Run after `npx tsc -p tsconfig.build.json`:  node bench/stats.mjs [stages, default 10000] [--sequential-only]
// Each rate is given with its 95 % Wilson Monte-Carlo interval.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  computeWilsonInterval,
  createPrng,
  createSequentialTest,
  evaluateSequential,
  hodgesLehmann,
  mannWhitney,
  simulatePolicy,
} from '../dist/src/stats/index.js';

const N = 1_000_000;
const REPEATS = 3;

function makeNormalSamples(seed, n, shift) {
  const random = createPrng(seed);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - random()));
    const t = 2 * Math.PI * random();
    out[i] = r * Math.cos(t) + shift;
    if (i + 1 < n) out[i + 1] = r * Math.sin(t) + shift;
  }
  return out;
}

function timeIt(fn, repeats) {
  const times = [];
  let result;
  for (let i = 0; i < repeats; i += 1) {
    const start = performance.now();
    result = fn();
    times.push((performance.now() - start) / 1000);
  }
  return { result, seconds: times.sort((a, b) => a - b) };
}

function benchMannWhitney() {
  const x = makeNormalSamples(1, N, 0);
  const y = makeNormalSamples(2, N, 0.002);
  const dir = mkdtempSync(join(tmpdir(), 'rollout-mwu-'));
  try {
    const file = join(dir, 'samples.f64');
    const bytes = new Float64Array(2 * N);
    bytes.set(x, 0);
    bytes.set(y, N);
    writeFileSync(file, Buffer.from(bytes.buffer));
    const ours = timeIt(() => mannWhitney(x, y), REPEATS);
    const script = fileURLToPath(new URL('./scipy_mwu.py', import.meta.url));
    const scipy = JSON.parse(
      execFileSync('/usr/bin/python3', [script, file, String(N), String(N), String(REPEATS)], { encoding: 'utf8' }),
    );
    const hl = timeIt(() => hodgesLehmann(x, y, { confidence: 0.95 }), 1);
    return { ours, scipy, hl };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const STAGES = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 10_000);
const SEQUENTIAL_ONLY = process.argv.includes('--sequential-only');

// `mixture`: { mixingSd } is the half-normal mixture of that scale; { effect } focuses it on that
// effect with the repository plan's power 0.9 (what `watch` does with its trigger's margin).
function runSequential(baselineRate, canaryRate, requestsPerLook, looks, stages, mixture, seed) {
  return simulatePolicy({
    scenario: { baselineRate, canaryRate, requestsPerLook, looks },
    stages,
    seed,
    initialState: createSequentialTest({ kind: 'proportions', alpha: 0.01, ...mixture }),
    decide: (look, state) => {
      const result = evaluateSequential(state, look);
      return { verdict: result.decision === 'reject' ? 'fail' : 'continue', state: result.state };
    },
  });
}

const rate = (v, n) => {
  const [lo, hi] = computeWilsonInterval(Math.round(v * n), n, 0.95);
  return `${(100 * v).toFixed(2)} % [${(100 * lo).toFixed(2)}, ${(100 * hi).toFixed(2)}]`;
};
if (!SEQUENTIAL_ONLY) {
  const { ours, scipy, hl } = benchMannWhitney();
  const oursBest = ours.seconds[0];
  const scipyBest = scipy.seconds[0];
  console.log(
    `Mann–Whitney U, ${N.toLocaleString('en')} + ${N.toLocaleString('en')} normal samples (best of ${REPEATS}):`,
  );
  console.log(
    `  rollout  ${oursBest.toFixed(3)} s   U = ${ours.result.statistic}, p = ${ours.result.pValue.toPrecision(10)}`,
  );
  console.log(
    `  SciPy ${scipy.scipy}  ${scipyBest.toFixed(3)} s   U = ${scipy.statistic}, p = ${scipy.pValue.toPrecision(10)}`,
  );
  console.log(
    `  ratio rollout / SciPy = ${(oursBest / scipyBest).toFixed(3)}  (SciPy is ${(scipyBest / oursBest).toFixed(1)}× slower)`,
  );
  console.log(
    `  same U: ${ours.result.statistic === scipy.statistic}, |Δp|/p = ${(Math.abs(ours.result.pValue - scipy.pValue) / scipy.pValue).toExponential(2)}`,
  );
  console.log(
    `Hodges–Lehmann on the same data: ${hl.seconds[0].toFixed(3)} s, estimate ${hl.result.estimate.toPrecision(6)} [${hl.result.lower.toPrecision(6)}, ${hl.result.upper.toPrecision(6)}]`,
  );
}

const n = STAGES.toLocaleString('en');
console.log(`\nSequential mSPRT (one-sided, alpha 0.01), ${n} seeded stages each:`);
for (const [label, mixture] of [
  ['half-normal mixture, τ = MDE', (mde) => ({ mixingSd: mde })],
  ['focused on the MDE (power 0.9)', (mde) => ({ effect: mde })],
]) {
  const aa = runSequential(0.02, 0.02, 200, 60, STAGES, mixture(0.01), 2024);
  const aaRare = runSequential(0.002, 0.002, 500, 60, STAGES, mixture(0.004), 2025);
  const p23 = runSequential(0.02, 0.03, 100, 100, STAGES, mixture(0.01), 1);
  const p13 = runSequential(0.01, 0.03, 20, 100, STAGES, mixture(0.02), 1);
  console.log(`  ${label}:`);
  console.log(`    A/A 2 % vs 2 %, 60 looks × 200 req/arm: false fails ${rate(aa.falseFailRate, STAGES)}`);
  console.log(`    A/A 0.2 % vs 0.2 %, 60 looks × 500 req/arm: false fails ${rate(aaRare.falseFailRate, STAGES)}`);
  console.log(
    `    2 % → 3 % detected by 10,000 req/arm (100 per look): ${rate(p23.detectionRate, STAGES)}, median ${p23.medianCanarySamplesToFail} req`,
  );
  console.log(
    `    1 % → 3 % detected by 2,000 req/arm (20 per look): ${rate(p13.detectionRate, STAGES)}, median ${p13.medianCanarySamplesToFail} req`,
  );
}
