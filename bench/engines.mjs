// Engine benchmark: hot-path medians against .perf-budget.json and the duration of a default `rollout verify` run.
// Needs the build: `npx tsc -p tsconfig.build.json` (compiles engines/ to dist/engines/).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { measureHotPaths } from '../dist/engines/perf.js';
import { runVerify } from '../dist/engines/verify.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// Budgets of the product's workers (ms); a project's own .perf-budget.json takes precedence.
const DEFAULT_BUDGETS = { 'reserve-worker.ts': 180, 'pacing-worker.ts': 175, 'cohort-worker.ts': 200 };
const TARGET_RATIO = 20;
const VERIFY_LIMIT_MS = 10_000;

function readBudgets() {
  const file = join(root, '.perf-budget.json');
  if (!existsSync(file)) return DEFAULT_BUDGETS;
  const hotPaths = JSON.parse(readFileSync(file, 'utf8')).hotPaths ?? {};
  return { ...DEFAULT_BUDGETS, ...hotPaths };
}

const budgets = readBudgets();
const results = await measureHotPaths({ runs: 51 });
let ok = true;
console.log('hot path            model  median ms  budget ms  budget/median');
for (const r of results) {
  const budget = Number(budgets[r.hotPath]);
  const ratio = budget / r.medianMs;
  ok &&= ratio >= TARGET_RATIO;
  console.log(
    `${r.hotPath.padEnd(19)} ${r.model.padEnd(6)} ${r.medianMs.toFixed(3).padStart(9)}  ${String(budget).padStart(9)}  ${ratio.toFixed(0).padStart(12)}×${ratio >= TARGET_RATIO ? '' : `  (target ≥ ${TARGET_RATIO}×)`}`,
  );
}

const report = runVerify({});
ok &&= report.ok && report.durationMs < VERIFY_LIMIT_MS;
console.log(
  `\nrollout verify (default: ${report.properties.length} property runs × ${report.runs} cases, seed ${report.seed}): ` +
    `${(report.durationMs / 1000).toFixed(2)} s (limit ${VERIFY_LIMIT_MS / 1000} s), ${report.passed} passed, ${report.failed} failed`,
);
console.log(
  `model_accuracy_delta = ${report.accuracy.delta.toFixed(4)} (v1.0 ${report.accuracy.perModel['v1.0'].passed}/${report.accuracy.perModel['v1.0'].cases}, ` +
    `v1.1 ${report.accuracy.perModel['v1.1'].passed}/${report.accuracy.perModel['v1.1'].cases})`,
);
process.exitCode = ok ? 0 : 1;
