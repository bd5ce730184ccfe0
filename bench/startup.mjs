// Start-up cost of the CLI against `node -e 0`, measured in one run with interleaved samples so
// machine noise hits every command alike. Budgets (DESIGN.md): --version/--help ≤ 1.3×, status ≤ 2×,
// validate on the repository plan ≤ 2.5×, validate --no-cache ≤ 2×. `validate` reuses a plan validated before with the
// same bytes; `validate --no-cache` is the cold cost (a fresh CI machine). `yaml parse only` has no budget:
// it loads the yaml package and parses the same plan with positions, nothing else: what a cold validate paid
// for reading the plan before the plain reader (src/config/plain-yaml.ts), and still pays for a plan outside
// its subset (bench/README.md). The project copy has the plan, the budget and the runbooks, as a checkout has.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const bin = path.join(root, 'bin/rollout');
const project = mkdtempSync(path.join(tmpdir(), 'rollout-bench-'));
for (const f of ['rollout.yaml', '.perf-budget.json', 'runbooks'])
  cpSync(path.join(root, f), path.join(project, f), { recursive: true });

const runs = Number(process.env.BENCH_RUNS ?? 21);
const yamlPackage = createRequire(path.join(root, 'package.json')).resolve('yaml');
const yamlParseOnly = `const y = require(${JSON.stringify(yamlPackage)});
y.parseDocument(require('node:fs').readFileSync('rollout.yaml', 'utf8'), { lineCounter: new y.LineCounter() }).toJS();`;
const cases = {
  'node -e 0': [process.execPath, ['-e', '0']],
  'rollout --version': [process.execPath, [bin, '--version']],
  'rollout --help': [process.execPath, [bin, '--help']],
  'rollout status': [process.execPath, [bin, 'status']],
  'rollout validate': [process.execPath, [bin, 'validate']],
  'validate --no-cache': [process.execPath, [bin, 'validate', '--no-cache']],
  'yaml parse only': [process.execPath, ['-e', yamlParseOnly]],
};
const budgets = {
  'rollout --version': 1.3,
  'rollout --help': 1.3,
  'rollout status': 2,
  'rollout validate': 2.5,
  'validate --no-cache': 2,
};
const samples = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));

for (let i = 0; i < runs; i++) {
  for (const [name, [cmd, args]] of Object.entries(cases)) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(cmd, args, { cwd: project, env: { ...process.env, NO_COLOR: '1' }, stdio: 'ignore' });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== 0) throw new Error(`${name} exited ${r.status}`);
    if (i > 0) samples[name].push(ms); // the first round warms the file cache
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};
const base = median(samples['node -e 0']);
const rows = Object.keys(cases).map((name) => {
  const m = median(samples[name]);
  const ratio = m / base;
  const budget = budgets[name];
  return {
    name,
    medianMs: Number(m.toFixed(1)),
    ratio: Number(ratio.toFixed(2)),
    budget: budget ?? null,
    within: budget ? ratio <= budget : null,
  };
});
console.log(`startup (median of ${runs - 1} interleaved runs)`);
for (const r of rows)
  console.log(
    `  ${r.name.padEnd(18)} ${String(r.medianMs).padStart(7)} ms  ${r.ratio.toFixed(2)}×${r.budget ? `  (budget ${r.budget}×: ${r.within ? 'ok' : 'OVER'})` : ''}`,
  );
if (process.env.BENCH_JSON) console.log(JSON.stringify({ startup: rows }));
