// Benchmark of `rollout simulate`: stages × 60 looks of the repository plan's ratio metrics (the
// stage-end judge at every look and every watch trigger), A/A and the regressions that
// docs/canary-statistics.md quotes, each rate with its 95 % Wilson Monte-Carlo interval.
// Run after `npm run build`:  node bench/simulate.mjs [stages, default 1000; the docs quote 10000]
import { loadConfig } from '../dist/src/config/load.js';
import { planSimulation, simulateCanaryPolicy } from '../dist/src/simulate/index.js';
import { computeWilsonInterval } from '../dist/src/stats/index.js';
import { resolveTriggers } from '../dist/src/watch/specs.js';

const stages = Number(process.argv[2] ?? 1000);
const root = new URL('..', import.meta.url).pathname;
const loaded = await loadConfig({ file: 'rollout.yaml', cwd: root });
const triggers = resolveTriggers(loaded.config).filter((t) => t.kind === 'ratio');
const base = {
  scenario: 'aa',
  metric: null,
  stages,
  looks: 60,
  requestsPerLook: 200,
  baselineRate: null,
  effect: null,
  canaryRate: null,
  seed: 1,
  overdispersion: 1,
  autocorrelation: 0,
  intervalMs: 60_000,
  recorded: null,
};
const pct = (x) => {
  const [lo, hi] = computeWilsonInterval(Math.round(x * stages), stages, 0.95);
  return `${(100 * x).toFixed(2)} % [${(100 * lo).toFixed(2)}, ${(100 * hi).toFixed(2)}]`;
};

function run(label, extra, canary = loaded.config.canary) {
  const plan = planSimulation(canary, triggers, { ...base, ...extra }, []);
  const cpu = process.cpuUsage();
  const start = performance.now();
  const report = simulateCanaryPolicy(plan);
  const seconds = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpu);
  const lookups = plan.stages * plan.looks * plan.traffic.length;
  console.log(
    `${label}: ${seconds.toFixed(2)} s wall, ${((used.user + used.system) / 1e6).toFixed(2)} s CPU, ${((seconds * 1e6) / lookups).toFixed(1)} µs per metric-look (${plan.stages} stages × ${plan.looks} looks × ${plan.traffic.length} metrics)`,
  );
  return report;
}

const aa = run('A/A', {});
console.log(
  `  false fails: stage end ${pct(aa.overall.stageEnd.failRate)}, fixed test at every look ${pct(aa.overall.naive.rate)}; watch rollbacks ${pct(aa.overall.watch.rollback.rate)}, alerts ${pct(aa.overall.watch.alert.rate)} (limit ${(100 * aa.level.limit).toFixed(2)} %)`,
);
const withoutLimit = {
  ...loaded.config.canary,
  metrics: loaded.config.canary.metrics.map((m) => (m.id === 'error_rate' ? { ...m, maxAbsolute: undefined } : m)),
};
for (const [label, baselineRate, canaryRate, canary] of [
  ['2 % → 3 %', 0.02, 0.03],
  ['2 % → 3 % without maxAbsolute', 0.02, 0.03, withoutLimit],
  ['1 % → 3 %', 0.01, 0.03],
  ['1 % → 2 %', 0.01, 0.02],
]) {
  const r = run(
    `error_rate ${label}`,
    { scenario: 'regression', metric: 'error_rate', baselineRate, canaryRate },
    canary,
  );
  const m = r.metrics.find((x) => x.id === 'error_rate');
  const curve = m.stageEnd.failRateByLook;
  console.log(
    `  stage end: ${pct(curve[4])} at 1,000/arm, ${pct(curve[9])} at 2,000/arm, ${pct(curve[49])} at 10,000/arm, ${m.stageEnd.requestsPerArmForPower ?? '—'}/arm for ${100 * r.power} %; watch: ${pct(m.triggers[0].rate)} rolled back, median ${m.triggers[0].medianRequestsPerArm ?? '—'} req/arm`,
  );
}
const wizard = run('wizard_completion_rate 97.5 % → 85 %', {
  scenario: 'regression',
  metric: 'wizard_completion_rate',
  canaryRate: 0.85,
});
const w = wizard.metrics.find((x) => x.id === 'wizard_completion_rate');
console.log(
  `  stage end: ${pct(w.stageEnd.failRateByLook[4])} at 1,000/arm; watch: ${pct(w.triggers[0].rate)} rolled back, median ${w.triggers[0].medianRequestsPerArm ?? '—'} req/arm`,
);
const onLimit = run('A/A, error_rate baseline on its absolute limit (2 %)', {
  metric: 'error_rate',
  baselineRate: 0.02,
});
const e = onLimit.metrics.find((x) => x.id === 'error_rate');
console.log(
  `  stage end: ${pct(onLimit.overall.stageEnd.failRate)} false fails, ${pct(e.stageEnd.testFailRate)} by the test; watch: ${pct(onLimit.overall.watch.rollback.rate)}`,
);
