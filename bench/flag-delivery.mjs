// Kill switch delivery with the flagd-file provider and a publish command: from process start to the
// local write, to the publish command's acknowledgement (exit 0 after copying the file onto a "volume"
// directory), and then until a fresh application client — the OpenFeature SDK with the flagd provider in
// offline file mode, started after the rollback returned — serves the fallback to a group member.
// Reported next to a bare `node -e 0` start in the same run.
import { benchPlan } from './lib/bench-plan.mjs';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { OpenFeature } from '@openfeature/server-sdk';
import { FlagdProvider } from '@openfeature/flagd-provider';

const root = path.resolve(import.meta.dirname, '..');
const bin = path.join(root, 'bin/rollout');
const dir = mkdtempSync(path.join(tmpdir(), 'rollout-bench-delivery-'));
const volume = path.join(dir, 'volume');
mkdirSync(volume);
writeFileSync(
  path.join(dir, 'copy-to-volume.mjs'),
  `import { copyFileSync, renameSync } from 'node:fs';
const [target] = process.argv.slice(2);
copyFileSync(process.env.ROLLOUT_FLAG_FILE, target + '.tmp');
renameSync(target + '.tmp', target);
`,
);
writeFileSync(
  path.join(dir, 'rollout.yaml'),
  benchPlan(
    `publish: { run: [node, copy-to-volume.mjs, ${JSON.stringify(path.join(volume, 'flags.json'))}], env: [PATH], timeout: 10s }`,
  ),
);
const env = { ...process.env, NO_COLOR: '1', ROLLOUT_ACTOR: 'bench' };
const run = (args) => spawnSync(process.execPath, [bin, ...args], { cwd: dir, env, encoding: 'utf8' });
if (run(['advance']).status !== 0) throw new Error('could not start the rollout');

const runs = Number(process.env.BENCH_RUNS ?? 7);
const written = [];
const acked = [];
const served = [];
const nodeMs = [];
for (let i = 0; i < runs; i++) {
  let t0 = process.hrtime.bigint();
  spawnSync(process.execPath, ['-e', '0']);
  nodeMs.push(Number(process.hrtime.bigint() - t0) / 1e6);
  const r = run(['rollback', '--json', '--reason', 'bench']);
  if (r.status !== 0) throw new Error(`rollback exited ${r.status}: ${r.stdout}${r.stderr}`);
  const file = JSON.parse(r.stdout).result.killSwitch.files[0];
  written.push(JSON.parse(r.stdout).result.flagWrittenAtMs);
  acked.push(file.publishedAtMs);
  // A fresh application: provider start-up, first read of the volume, one evaluation.
  t0 = process.hrtime.bigint();
  const domain = `bench-${i}`;
  await OpenFeature.setProviderAndWait(
    domain,
    new FlagdProvider({ resolverType: 'in-process', offlineFlagSourcePath: path.join(volume, 'flags.json') }),
  );
  const value = await OpenFeature.getClient(domain).getStringValue('feature', 'code-default', {
    targetingKey: 'u-1',
    groups: ['internal'],
  });
  served.push(Number(process.hrtime.bigint() - t0) / 1e6);
  if (value !== 'off') throw new Error(`a fresh client got ${value}, not the fallback`);
  if (run(['retry', '--reason', 'bench']).status !== 0) throw new Error('retry failed');
}
await OpenFeature.close();
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const n = median(nodeMs);
const [w, a, s] = [median(written), median(acked), median(served)];
console.log(`kill switch delivery, flagd-file + publish to a shared volume (median of ${runs})`);
console.log(
  `  local file written       ${w.toFixed(0)} ms after process start (${(w / n).toFixed(2)}× a bare node start)`,
);
console.log(
  `  publish acknowledged     ${a.toFixed(0)} ms after process start (${(a / n).toFixed(2)}×; read-back + one node publish command after the write)`,
);
console.log(
  `  fresh SDK client serves the fallback ${s.toFixed(0)} ms after it starts (${(s / n).toFixed(2)}×; running clients: within one file poll, about 5 s)`,
);
