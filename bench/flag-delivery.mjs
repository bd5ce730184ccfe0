// Kill switch delivery, per flag provider, reported next to a bare `node -e 0` start in the same run.
// flagd-file + publish: from process start to the local write, to the publish command's acknowledgement
// (exit 0 after copying the file onto a "volume" directory), and then until a fresh application client —
// the OpenFeature SDK with the flagd provider in offline file mode, started after the rollback returned —
// serves the fallback to a group member.
// unleash: a real unleash-server 6.x on loopback against a throwaway PostgreSQL (started the way the test
// helpers start them); from process start to Unleash acknowledging the switch-off, to the rollback returning
// (the toggle read back off), and then until a fresh `unleash-client` SDK client serves the fallback.
// The Unleash row is skipped, saying why, when unleash-server or PostgreSQL is not installed.
import { benchPlan } from './lib/bench-plan.mjs';
// The shipped implementation `rollout demo --provider unleash` uses too (bench/run.mjs builds dist/ first).
import { findPostgresBin, startPostgres } from '../dist/src/demo/local-postgres.js';
import { findUnleashServer, startUnleashServer } from '../dist/src/demo/local-unleash.js';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { OpenFeature } from '@openfeature/server-sdk';
import { FlagdProvider } from '@openfeature/flagd-provider';
import { startUnleash } from 'unleash-client';

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
const run = (args, cwd = dir, extraEnv = {}) =>
  spawnSync(process.execPath, [bin, ...args], { cwd, env: { ...env, ...extraEnv }, encoding: 'utf8' });
if (run(['advance']).status !== 0) throw new Error('could not start the rollout');

const runs = Number(process.env.BENCH_RUNS ?? 7);
const written = [];
const acked = [];
const served = [];
const nodeMs = [];
const nodeStart = () => {
  const t0 = process.hrtime.bigint();
  spawnSync(process.execPath, ['-e', '0']);
  nodeMs.push(Number(process.hrtime.bigint() - t0) / 1e6);
};
for (let i = 0; i < runs; i++) {
  nodeStart();
  const r = run(['rollback', '--json', '--reason', 'bench']);
  if (r.status !== 0) throw new Error(`rollback exited ${r.status}: ${r.stdout}${r.stderr}`);
  const file = JSON.parse(r.stdout).result.killSwitch.files[0];
  written.push(JSON.parse(r.stdout).result.flagWrittenAtMs);
  acked.push(file.publishedAtMs);
  // A fresh application: provider start-up, first read of the volume, one evaluation.
  const t0 = process.hrtime.bigint();
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

// The Unleash row: the same plan with the flag on a real local Unleash; tokens are generated per run.
const SDK_REFRESH_MS = 15_000; // unleash-client's default refreshInterval
const UNLEASH_FIXTURE = path.join(root, 'test/fixtures/unleash-server/node_modules/unleash-server');
let install = null;
const unleashWhyNot = (() => {
  try {
    install = findUnleashServer([UNLEASH_FIXTURE]);
    findPostgresBin();
    return null;
  } catch (error) {
    return error.message;
  }
})();
const unleash = { acked: [], returned: [], served: [] };
if (!unleashWhyNot) {
  const pg = await startPostgres();
  const adminToken = `*:*.${randomBytes(16).toString('hex')}`;
  const clientToken = `default:development.${randomBytes(16).toString('hex')}`;
  const server = await startUnleashServer(pg, { name: 'bench_unleash', adminToken, clientToken, install });
  try {
    const udir = mkdtempSync(path.join(tmpdir(), 'rollout-bench-unleash-'));
    writeFileSync(
      path.join(udir, 'rollout.yaml'),
      benchPlan('provider: unleash\n    unleash: { project: default, environment: development }'),
    );
    const uenv = { UNLEASH_URL: server.url, UNLEASH_ADMIN_TOKEN: adminToken };
    const urun = (args) => run(args, udir, uenv);
    const started = urun(['advance']);
    if (started.status !== 0)
      throw new Error(`could not start the unleash rollout: ${started.stdout}${started.stderr}`);
    for (let i = 0; i < runs; i++) {
      nodeStart();
      let t0 = process.hrtime.bigint();
      const r = urun(['rollback', '--json', '--reason', 'bench']);
      unleash.returned.push(Number(process.hrtime.bigint() - t0) / 1e6);
      if (r.status !== 0) throw new Error(`unleash rollback exited ${r.status}: ${r.stdout}${r.stderr}`);
      unleash.acked.push(JSON.parse(r.stdout).result.flagWrittenAtMs);
      // A fresh application: SDK start-up, its first fetch of the toggles, one evaluation for a group member.
      t0 = process.hrtime.bigint();
      const sdk = await startUnleash({
        url: `${server.url}/api/`,
        appName: 'rollout-bench',
        customHeaders: { Authorization: clientToken },
        disableMetrics: true,
        refreshInterval: SDK_REFRESH_MS,
      });
      const on = sdk.isEnabled('feature', { userId: 'u-1', properties: { groups: 'internal' } });
      unleash.served.push(Number(process.hrtime.bigint() - t0) / 1e6);
      sdk.destroy();
      if (on) throw new Error('a fresh unleash-client still got the toggle ON after the rollback');
      const again = urun(['retry', '--reason', 'bench']);
      if (again.status !== 0) throw new Error(`unleash retry exited ${again.status}: ${again.stdout}${again.stderr}`);
    }
  } finally {
    await server.stop();
    await pg.stop();
  }
}
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
if (unleashWhyNot) {
  console.log(`kill switch delivery, unleash: skipped (${unleashWhyNot})`);
} else {
  const [ua, ur, us] = [median(unleash.acked), median(unleash.returned), median(unleash.served)];
  console.log(`kill switch delivery, unleash 6.x on loopback with PostgreSQL (median of ${runs})`);
  console.log(
    `  Unleash acknowledged the switch-off ${ua.toFixed(0)} ms after process start (${(ua / n).toFixed(2)}× a bare node start)`,
  );
  console.log(
    `  toggle read back off, rollback returned ${ur.toFixed(0)} ms after spawn (${(ur / n).toFixed(2)}×; includes the state write)`,
  );
  console.log(
    `  fresh unleash-client serves the fallback ${us.toFixed(0)} ms after it starts (${(us / n).toFixed(2)}×; SDK refreshInterval ${SDK_REFRESH_MS / 1000} s, so running clients: within one refresh, plus the server's client-features cache in production)`,
  );
}
