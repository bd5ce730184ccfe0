// Preflight concurrency: a phase of 10 Prometheus gates, each query slowed by 200 ms in a loopback
// proxy, should cost about one query's latency, not ten. Reports the ratio to a single gate (and,
// for scale, to the same gates run one at a time). Needs `npx tsc -p tsconfig.build.json` and
// Debian's prometheus on PATH.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createGateMetrics } from '../dist/src/gates/metrics.js';
import { runGates } from '../dist/src/gates/run-gates.js';
import { systemClock } from '../dist/src/lifecycle/clock.js';

const DELAY_MS = 200;
const GATES = 10;
const ROUNDS = Number(process.env.BENCH_RUNS ?? 7);

const listen = (server) =>
  new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)));

async function startPrometheus() {
  const dir = mkdtempSync(path.join(tmpdir(), 'rollout-bench-prom-'));
  writeFileSync(path.join(dir, 'prometheus.yml'), 'global:\n  scrape_interval: 1m\n');
  const probe = createServer();
  const port = await listen(probe);
  await new Promise((resolve) => probe.close(resolve));
  const child = spawn(
    'prometheus',
    [
      `--config.file=${dir}/prometheus.yml`,
      `--storage.tsdb.path=${dir}/tsdb`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: 'ignore' },
  );
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    const ok = await fetch(`${url}/-/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return { url, stop: () => (child.kill('SIGTERM'), rmSync(dir, { recursive: true, force: true })) };
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error("prometheus did not become ready (is Debian's prometheus installed?)");
}

/** Forwards every request after DELAY_MS. */
async function startSlowProxy(target) {
  const upstream = new URL(target);
  const server = createServer((req, res) => {
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
  const port = await listen(server);
  return { url: `http://127.0.0.1:${port}`, stop: () => server.close() };
}

const gate = (i) => ({
  id: `g${i}`,
  kind: 'prometheus',
  query: `vector(${i + 1}) > 0`,
  expect: '> 0',
  expectSeries: 'one',
});

function context(url) {
  const env = { ROLLOUT_PROMETHEUS_URL: url };
  return {
    planDir: process.cwd(),
    env,
    clock: systemClock,
    redact: (s) => s,
    release: 'bench',
    phase: 'P0',
    state: null,
    metrics: createGateMetrics({ urlEnv: 'ROLLOUT_PROMETHEUS_URL', timeout: '10s', retries: 0 }, env),
  };
}

async function time(gates, url, concurrency) {
  const t = performance.now();
  const results = await runGates(gates, context(url), concurrency ? { concurrency } : {});
  const ms = performance.now() - t;
  if (results.some((r) => r.verdict !== 'pass'))
    throw new Error(`a gate did not pass: ${JSON.stringify(results.find((r) => r.verdict !== 'pass'))}`);
  return ms;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const prom = await startPrometheus();
const proxy = await startSlowProxy(prom.url);
try {
  const ten = Array.from({ length: GATES }, (_, i) => gate(i));
  await time(ten, proxy.url); // warm-up: module loading, connections
  const samples = { one: [], ten: [], sequential: [] };
  for (let i = 0; i < ROUNDS; i++) {
    samples.one.push(await time([gate(0)], proxy.url));
    samples.ten.push(await time(ten, proxy.url));
    samples.sequential.push(await time(ten, proxy.url, { io: 1 }));
  }
  const one = median(samples.one);
  const many = median(samples.ten);
  const seq = median(samples.sequential);
  console.log(`query delay ${DELAY_MS} ms, ${ROUNDS} rounds (medians)`);
  console.log(`  1 prometheus gate              ${one.toFixed(0).padStart(6)} ms`);
  console.log(
    `  ${GATES} prometheus gates (default)  ${many.toFixed(0).padStart(6)} ms   ratio to one ${(many / one).toFixed(2)}×   (budget ≤ 1.5×)`,
  );
  console.log(
    `  ${GATES} prometheus gates one by one ${seq.toFixed(0).padStart(6)} ms   ratio to one ${(seq / one).toFixed(2)}×`,
  );
  if (many / one > 1.5) process.exitCode = 1;
} finally {
  proxy.stop();
  prom.stop();
}
