// Cost with audit history: the same commands on a release whose audit log holds 10,000 and
// 1,000,000 entries, reported as ratios (goal ≈ 1: status, log --limit, advance --dry-run, rollback
// and report must not grow with the history; report goes on from the previous report's checkpoint,
// reading only what was appended since; `report --no-checkpoint` reads the whole log in bounded
// memory and is listed for comparison), plus log --verify throughput in entries per second
// (goal ≥ 500,000/s).
// Interleaved samples, medians; BENCH_RUNS (default 5) samples per command and size.
import { benchPlan } from './lib/bench-plan.mjs';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { writeAuditLog } from './lib/audit-log.mjs';

const root = path.resolve(import.meta.dirname, '..');
const bin = path.join(root, 'bin/rollout');
const runs = Number(process.env.BENCH_RUNS ?? 5);
const SIZES = [10_000, 1_000_000];
const PLAN = benchPlan();
const env = { ...process.env, NO_COLOR: '1', ROLLOUT_ACTOR: 'bench' };

function run(dir, args, ok = [0]) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd: dir,
    env,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (!ok.includes(r.status)) throw new Error(`rollout ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}

/** A project at stage s1 whose log is `size` generated entries (serials above the state's: no backfill). */
function project(size) {
  const dir = mkdtempSync(path.join(tmpdir(), `rollout-bench-history-${size}-`));
  writeFileSync(path.join(dir, 'rollout.yaml'), PLAN);
  run(dir, ['advance']);
  const t0 = process.hrtime.bigint();
  writeAuditLog(path.join(dir, '.rollout/audit.jsonl'), size);
  console.log(
    `  generated ${size.toLocaleString('en-US')} entries in ${(Number(process.hrtime.bigint() - t0) / 1e9).toFixed(1)} s`,
  );
  run(dir, ['report', '--out', 'report.md']); // the first report reads everything and leaves the checkpoint
  return dir;
}

const cases = {
  status: { args: ['status'] },
  'log --limit 5': { args: ['log', '--limit', '5'] },
  'advance --dry-run': { args: ['advance', '--dry-run'], ok: [0, 1, 3] }, // no metrics source: inconclusive is fine
  'rollback (real)': {
    args: ['rollback', '--mode', 'immediate', '--reason', 'bench'],
    after: ['retry', '--reason', 'bench'],
  },
  // Each sample follows a rollback and a retry (four new entries) and the previous sample's checkpoint.
  report: { args: ['report', '--out', 'report.md'] },
  'report (whole log)': { args: ['report', '--no-checkpoint', '--out', 'report.md'] },
  'log --verify': { args: ['log', '--verify'] },
};

const dirs = Object.fromEntries(SIZES.map((n) => [n, project(n)]));
const samples = Object.fromEntries(Object.keys(cases).map((k) => [k, Object.fromEntries(SIZES.map((n) => [n, []]))]));
for (let i = 0; i < runs; i++) {
  for (const [name, c] of Object.entries(cases)) {
    for (const n of SIZES) {
      samples[name][n].push(run(dirs[n], c.args, c.ok));
      if (c.after) run(dirs[n], c.after);
    }
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const [small, large] = SIZES;
console.log(
  `history scale (median of ${runs}; ${small.toLocaleString('en-US')} vs ${large.toLocaleString('en-US')} audit entries)`,
);
for (const name of Object.keys(cases)) {
  const a = median(samples[name][small]);
  const b = median(samples[name][large]);
  console.log(
    `  ${name.padEnd(18)} ${a.toFixed(0).padStart(6)} ms → ${b.toFixed(0).padStart(6)} ms   ratio ${(b / a).toFixed(2)}×`,
  );
}

// Throughput of the verifier itself, in process (the CLI figure includes start-up).
const { verifyAuditFile } = await import(path.join(root, 'dist/src/state/audit-verify-file.js'));
const logPath = path.join(dirs[large], '.rollout/audit.jsonl');
const rates = [];
const cpuRates = [];
for (let i = 0; i < Math.max(3, runs); i++) {
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  const v = await verifyAuditFile(logPath);
  const cpu = process.cpuUsage(c0);
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  if (!v.ok) throw new Error('the generated log does not verify');
  rates.push(v.entries / s);
  cpuRates.push(v.entries / ((cpu.user + cpu.system) / 1e6));
}
// The same log in one pass on one core, for the ratio the two-part check buys.
const singleRates = [];
for (let i = 0; i < Math.max(3, runs); i++) {
  const t0 = process.hrtime.bigint();
  const v = await verifyAuditFile(logPath, { splitAt: null });
  singleRates.push(v.entries / (Number(process.hrtime.bigint() - t0) / 1e9));
}
const cliRate =
  (large - small) / ((median(samples['log --verify'][large]) - median(samples['log --verify'][small])) / 1000);
const rate = median(rates);
const fmt = (x) => Math.round(x).toLocaleString('en-US');
console.log(
  `  log --verify       ${fmt(rate)} entries/s in process (${fmt(median(cpuRates))} per CPU-second), ${fmt(cliRate)} entries/s through the CLI (target ≥ 500,000: ${rate >= 500_000 ? 'ok' : 'UNDER'}); one pass on one core ${fmt(median(singleRates))} entries/s (two parts: ${(rate / median(singleRates)).toFixed(2)}×)`,
);
// On a shared machine the wall-clock rate depends on the load; the CPU-second rate much less.
for (const dir of Object.values(dirs)) rmSync(dir, { recursive: true, force: true });
