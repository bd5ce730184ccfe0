// A/A false fails / false rollbacks and power of the repository plan's canary policy on clustered
// traffic (beta-binomial, φ = 1, 2, 4), with the overdispersion correction off (binomial tests, the
// policy before it existed) and on (`canary.overdispersion: estimate`, the default). Every rate is
// given with its 95 % Wilson Monte-Carlo interval.
// Run after `npm run build`:
//   node bench/overdispersion.mjs [A/A stages, default 10000] [regression stages, default 10000] [φ list, default 1,2,4] [modes, default off,estimate]
// A stage count of 0 skips that scenario (its columns print —).
import { loadConfig } from '../dist/src/config/load.js';
import { planSimulation, simulateCanaryPolicy } from '../dist/src/simulate/index.js';
import { computeWilsonInterval } from '../dist/src/stats/index.js';
import { resolveTriggers } from '../dist/src/watch/specs.js';

const aaStages = Number(process.argv[2] ?? 10_000);
const regressionStages = Number(process.argv[3] ?? 10_000);
const phis = (process.argv[4] ?? '1,2,4').split(',').map(Number);
const modes = (process.argv[5] ?? 'off,estimate').split(',');
const root = new URL('..', import.meta.url).pathname;
const loaded = await loadConfig({ file: 'rollout.yaml', cwd: root });
const triggers = resolveTriggers(loaded.config).filter((t) => t.kind === 'ratio');
const base = {
  scenario: 'aa',
  metric: null,
  stages: aaStages,
  looks: 60,
  requestsPerLook: 200,
  baselineRate: null,
  effect: null,
  canaryRate: null,
  seed: 1,
  autocorrelation: 0,
  intervalMs: 60_000,
  recorded: null,
};

const rate = (count, n) => {
  if (n === 0) return '—';
  const [lo, hi] = computeWilsonInterval(count, n, 0.95);
  return `${((100 * count) / n).toFixed(2)} % [${(100 * lo).toFixed(2)}, ${(100 * hi).toFixed(2)}]`;
};

function run(overdispersion, mode, extra) {
  const canary = { ...loaded.config.canary, overdispersion: mode };
  return simulateCanaryPolicy(planSimulation(canary, triggers, { ...base, overdispersion, ...extra }, []));
}

console.log(
  `A/A: ${aaStages} stages × 60 looks × 200 requests per arm per look (seed 1); regression error_rate 0.5 % → 1 %: ${regressionStages} stages`,
);
console.log(
  '| φ | correction | A/A stage-end false fails | A/A watch false rollbacks | power: stage end at 10,000/arm | power: watch rollback within the hour |',
);
console.log('|---|---|---|---|---|---|');
for (const phi of phis) {
  for (const mode of modes) {
    const aa = aaStages > 0 ? run(phi, mode, {}) : null;
    const reg =
      regressionStages > 0
        ? run(phi, mode, {
            scenario: 'regression',
            metric: 'error_rate',
            baselineRate: 0.005,
            canaryRate: 0.01,
            stages: regressionStages,
          })
        : null;
    const m = reg?.metrics.find((x) => x.id === 'error_rate');
    const n = aa?.stages ?? 0;
    const r = reg?.stages ?? 0;
    console.log(
      `| ${phi} | ${mode === 'off' ? 'off (binomial tests)' : 'estimate (the default)'} | ${rate(Math.round((aa?.overall.stageEnd.failRate ?? 0) * n), n)} | ${rate(Math.round((aa?.overall.watch.rollback.rate ?? 0) * n), n)} | ${rate(Math.round((m?.stageEnd.failRateByLook[49] ?? 0) * r), r)} | ${rate(Math.round((m?.triggers[0].rate ?? 0) * r), r)} |`,
    );
  }
}
