// Benchmark of `rollout simulate`: 1,000 stages × 60 looks of the repository plan's ratio metrics
// (the stage-end judge at every look and every watch trigger), A/A and two regressions.
// Run after `npm run build`:  node bench/simulate.mjs
import { loadConfig } from '../dist/src/config/load.js';
import { planSimulation, simulateCanaryPolicy } from '../dist/src/simulate/index.js';
import { resolveTriggers } from '../dist/src/watch/specs.js';

const root = new URL('..', import.meta.url).pathname;
const loaded = await loadConfig({ file: 'rollout.yaml', cwd: root });
const triggers = resolveTriggers(loaded.config).filter((t) => t.kind === 'ratio');
const base = {
  scenario: 'aa',
  metric: null,
  stages: 1000,
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
const pct = (x) => `${(100 * x).toFixed(1)} %`;

function run(label, extra) {
  const plan = planSimulation(loaded.config.canary, triggers, { ...base, ...extra }, []);
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
  `  false fails: stage end ${pct(aa.overall.stageEnd.failRate)}, fixed test at every look ${pct(aa.overall.naive.rate)}, watch rollbacks ${pct(aa.overall.watch.rollback.rate)} (limit ${pct(aa.level.limit)})`,
);
for (const [label, baselineRate, canaryRate] of [
  ['2 % → 3 %', 0.02, 0.03],
  ['1 % → 3 %', 0.01, 0.03],
]) {
  const r = run(`error_rate ${label}`, { scenario: 'regression', metric: 'error_rate', baselineRate, canaryRate });
  const m = r.metrics.find((x) => x.id === 'error_rate');
  const curve = m.stageEnd.failRateByLook;
  console.log(
    `  stage end: ${pct(curve[9])} at 2,000/arm, ${pct(curve[49])} at 10,000/arm, ${pct(m.stageEnd.testFailRate)} by the test alone at 12,000; watch: ${pct(m.triggers[0].rate)} rolled back, median ${m.triggers[0].medianRequestsPerArm ?? '—'} req/arm`,
  );
}
