// Canary analysis concurrency: `rollout analyze` with the repository plan's 6 canary metrics (16
// PromQL queries) against a real Prometheus holding 60 minutes of healthy canary and baseline
// traffic, every query slowed by 200 ms in a loopback proxy, should cost about one query's latency,
// not sixteen. Measured in-process (the built `analyzeCanary` with the plan's Prometheus source) and
// reported as a ratio to one query through the same proxy; budget ≤ 1.5×. A cross-check spawns the
// CLI through the proxy and straight to Prometheus and reports what the delay added to the command.
// Needs `npm run build` and Debian's prometheus + promtool on PATH.
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { analyzeCanary } from '../dist/src/canary/analyze.js';
import { computeAccuracyDelta } from '../dist/src/canary/accuracy-delta.js';
import { parseDuration } from '../dist/src/config/duration.js';
import { loadConfig } from '../dist/src/config/load.js';
import { createMetricsSource } from '../dist/src/metrics/factory.js';

const DELAY_MS = 200;
const ROUNDS = Number(process.env.BENCH_RUNS ?? 7);
const MINUTES = 60;
const root = path.resolve(import.meta.dirname, '..');
const cleanups = [];

const listen = (server) =>
  new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// ---- Data: healthy traffic for both arms, as OpenMetrics text for `promtool` backfill ----

/** One sample a minute up to `end`, for the series the plan's canary metrics read. Deterministic. */
function renderSeries(end, arms) {
  const times = Array.from({ length: MINUTES + 1 }, (_, i) => end - (MINUTES - i) * 60);
  const families = new Map();
  const counter = (name, labels, perMinute) => {
    const lines = families.get(name) ?? [];
    let value = 0;
    times.forEach((t, i) => {
      if (i > 0) value += perMinute(i);
      lines.push(
        `${name}{${Object.entries(labels)
          .map(([k, v]) => `${k}="${v}"`)
          .join(',')}} ${value} ${t}`,
      );
    });
    families.set(name, lines);
  };
  const bounds = [0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 2, Infinity];
  for (const [variant, phase] of arms) {
    counter('http_requests_total', { variant, status: '500' }, () => 2);
    counter('http_requests_total', { variant, status: '200' }, () => 398);
    // 20 observations a minute around a centre that wanders a little, so the arms' medians differ.
    const observe = (m) =>
      Array.from({ length: 20 }, (_, k) => 0.18 * (1 + 0.05 * Math.sin(m + phase)) * (0.6 + (0.8 * k) / 19));
    for (const le of bounds) {
      counter(
        'http_request_duration_seconds_bucket',
        { variant, le: le === Infinity ? '+Inf' : String(le) },
        (m) => observe(m).filter((x) => x <= le).length,
      );
    }
    counter('wizard_started_total', { variant }, () => 60);
    counter('wizard_completed_total', { variant }, () => 58);
    counter('fund_setup_attempts_total', { variant }, () => 40);
    counter('fund_setup_success_total', { variant }, () => 39);
  }
  return `${[...families.values()].flat().join('\n')}\n# EOF\n`;
}

// ---- Components: Prometheus with backfilled data, and a slow proxy in front of it ----

function run(command, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`${command} ${args[0]} exited ${code}: ${err.slice(-500)}`)),
    );
  });
}

async function startPrometheus(openMetrics, expectedSeries) {
  const dir = mkdtempSync(path.join(tmpdir(), 'rollout-bench-analyze-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(path.join(dir, 'data.om'), openMetrics);
  writeFileSync(path.join(dir, 'prometheus.yml'), 'global:\n  scrape_interval: 1m\n');
  await run('promtool', [
    'tsdb',
    'create-blocks-from',
    'openmetrics',
    '--max-block-duration=744h',
    path.join(dir, 'data.om'),
    path.join(dir, 'tsdb'),
  ]);
  const probe = createServer();
  const port = await listen(probe);
  await new Promise((resolve) => probe.close(resolve));
  const args = [
    `--config.file=${dir}/prometheus.yml`,
    `--storage.tsdb.path=${dir}/tsdb`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--storage.tsdb.retention.time=10y',
  ];
  const child = spawn('prometheus', args, { stdio: 'ignore' });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  // Registered after the data directory's removal, so it runs first: stop, wait, then delete.
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
  });
  const url = `http://127.0.0.1:${port}`;
  const count = `${url}/api/v1/query?query=${encodeURIComponent('count({__name__=~".+"})')}`;
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) break;
    const n = await fetch(count)
      .then((r) => r.json())
      .then(
        (b) => Number(b.data?.result?.[0]?.value?.[1] ?? 0),
        () => 0,
      );
    if (n >= expectedSeries) return url;
    await sleep(100);
  }
  throw new Error("prometheus did not become ready with the backfilled data (is Debian's prometheus installed?)");
}

/** Forwards every request after DELAY_MS; counts requests and the most in flight at once. */
async function startSlowProxy(target) {
  const upstream = new URL(target);
  const stats = { requests: 0, inFlight: 0, maxInFlight: 0 };
  const server = createServer((req, res) => {
    stats.requests += 1;
    stats.maxInFlight = Math.max(stats.maxInFlight, ++stats.inFlight);
    res.on('close', () => (stats.inFlight -= 1));
    const body = [];
    req.on('data', (c) => body.push(c));
    req.on('end', () =>
      setTimeout(() => {
        const fwd = request(
          { host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers },
          (answer) => {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
          },
        );
        fwd.on('error', () => res.writeHead(502).end());
        fwd.end(Buffer.concat(body));
      }, DELAY_MS),
    );
  });
  const sockets = new Set();
  server.on('connection', (s) => (sockets.add(s), s.on('close', () => sockets.delete(s))));
  const port = await listen(server);
  cleanups.push(() => new Promise((resolve) => (sockets.forEach((s) => s.destroy()), server.close(() => resolve()))));
  return { url: `http://127.0.0.1:${port}`, stats, reset: () => Object.assign(stats, { requests: 0, maxInFlight: 0 }) };
}

// ---- Measurements ----

async function timeAnalysis(loaded, source, now, accuracyDelta) {
  const t = performance.now();
  const verdict = await analyzeCanary({
    canary: loaded.config.canary,
    budget: loaded.budget,
    source,
    now,
    release: loaded.config.release,
    accuracyDelta,
  });
  const ms = performance.now() - t;
  if (verdict.verdict !== 'pass') throw new Error(`the healthy canary did not pass: ${verdict.summary}`);
  return ms;
}

async function timeQuery(source, query, now) {
  const t = performance.now();
  const outcome = await source.instant(query, { time: now, maxSeries: 1 });
  const ms = performance.now() - t;
  if (outcome.kind !== 'ok') throw new Error(`the single query answered ${outcome.kind}`);
  return ms;
}

/** Wall time of `rollout analyze --json --dry-run` in a copy of the project; must exit 0 (pass). */
function timeCli(cwd, prometheusUrl) {
  return new Promise((resolve, reject) => {
    const env = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      NO_COLOR: '1',
      USER: 'bench',
      ROLLOUT_PROMETHEUS_URL: prometheusUrl,
    };
    const t = performance.now();
    const child = spawn(process.execPath, [path.join(root, 'bin/rollout'), 'analyze', '--json', '--dry-run'], {
      cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve(performance.now() - t)
        : reject(new Error(`rollout analyze exited ${code} (0 expected): ${out.slice(-800)}`)),
    );
  });
}

async function main() {
  const loaded = await loadConfig({ file: 'rollout.yaml', cwd: root, cacheDir: null });
  const { canary, metrics } = loaded.config;
  const end = Math.floor(Date.now() / 1000) - 5;
  const arms = [
    [canary.arms.baseline, 0],
    [canary.arms.canary, 0.7],
  ];
  const promUrl = await startPrometheus(renderSeries(end, arms), arms.length * 16);
  const proxy = await startSlowProxy(promUrl);
  const sourceOptions = {
    env: {},
    timeoutMs: parseDuration(metrics.prometheus.timeout) ?? 10_000,
    retries: metrics.prometheus.retries,
  };
  const slow = await createMetricsSource({ ...sourceOptions, url: proxy.url });
  const direct = await createMetricsSource({ ...sourceOptions, url: promUrl });
  const now = new Date(end * 1000);
  const window = canary.window;
  const single = `sum(increase(http_requests_total{variant="${canary.arms.canary}"}[${window}]))`;

  let t = performance.now();
  const accuracyDelta = await computeAccuracyDelta(loaded);
  const accuracyMs = performance.now() - t;

  await timeAnalysis(loaded, slow, now, accuracyDelta); // warm-up: module loading, connections, JIT
  await timeAnalysis(loaded, direct, now, accuracyDelta);
  proxy.reset();
  const samples = { one: [], analysis: [], direct: [] };
  for (let i = 0; i < ROUNDS; i++) {
    samples.one.push(await timeQuery(slow, single, now));
    samples.analysis.push(await timeAnalysis(loaded, slow, now, accuracyDelta));
    samples.direct.push(await timeAnalysis(loaded, direct, now, accuracyDelta));
  }
  const queriesPerAnalysis = (proxy.stats.requests - ROUNDS) / ROUNDS;
  const maxInFlight = proxy.stats.maxInFlight;

  const project = mkdtempSync(path.join(tmpdir(), 'rollout-bench-analyze-cli-'));
  cleanups.push(() => rmSync(project, { recursive: true, force: true }));
  for (const f of ['rollout.yaml', '.perf-budget.json']) copyFileSync(path.join(root, f), path.join(project, f));
  await timeCli(project, proxy.url); // warm-up: the per-user config cache, the page cache
  const cli = { slow: [], direct: [] };
  for (let i = 0; i < ROUNDS; i++) {
    cli.slow.push(await timeCli(project, proxy.url));
    cli.direct.push(await timeCli(project, promUrl));
  }

  const one = median(samples.one);
  const analysis = median(samples.analysis);
  const ratio = analysis / one;
  // Each slowed run is paired with the direct run right after it, so drifting machine load cancels.
  const added = median(cli.slow.map((ms, i) => ms - cli.direct[i]));
  const pad = (ms) => ms.toFixed(0).padStart(6);
  console.log(
    `query delay ${DELAY_MS} ms, ${ROUNDS} rounds (medians); ${canary.metrics.length} metrics, ${queriesPerAnalysis} queries per analysis, at most ${maxInFlight} in flight`,
  );
  console.log(`  1 query through the proxy            ${pad(one)} ms`);
  console.log(
    `  analysis, ${canary.metrics.length} metrics, through the proxy ${pad(analysis)} ms   ratio to one query ${ratio.toFixed(2)}×   (budget ≤ 1.5×)`,
  );
  console.log(
    `  analysis, straight to Prometheus     ${pad(median(samples.direct))} ms   (queries without the delay, and the statistics)`,
  );
  console.log(
    `  golden-case accuracy score           ${pad(accuracyMs)} ms   (once per command, before the queries; not in the ratio)`,
  );
  console.log(`  rollout analyze (CLI) through proxy  ${pad(median(cli.slow))} ms`);
  console.log(
    `  rollout analyze (CLI) direct         ${pad(median(cli.direct))} ms   the delay added ${added.toFixed(0)} ms = ${(added / one).toFixed(2)}× one query`,
  );
  if (ratio > 1.5) process.exitCode = 1;
}

async function cleanUp() {
  for (const fn of cleanups.reverse()) await Promise.resolve(fn()).catch((e) => console.error(`cleanup: ${e.message}`));
  cleanups.length = 0;
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => void cleanUp().finally(() => process.exit(130)));
}
try {
  await main();
} catch (error) {
  console.error(`bench/analyze: ${error.message}`);
  process.exitCode = 1;
} finally {
  await cleanUp();
}
