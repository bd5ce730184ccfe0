/**
 * A real Prometheus for tests: Debian's `prometheus` + `promtool` (2.42), one instance per call, on a
 * free loopback port with its own temporary data directory.
 *
 * Data is backfilled with `promtool tsdb create-blocks-from openmetrics` before the server starts,
 * so a test can describe "48 h of traffic" and query it at once. Things learnt the hard way:
 * - Time retention is measured from the newest block, not from the wall clock: with
 *   `retention.time=1d`, a block 3 days older than the newest one is deleted at startup. We use 10y.
 * - Instant queries only see samples up to 5 minutes old (lookback delta): end series near "now",
 *   or pass `time` to the query.
 * - 2.42 has no `--storage.tsdb.allow-overlapping-blocks` flag any more; overlapping blocks (e.g.
 *   backfill plus scraped head data) are merged by default, so no flag is needed.
 * - The first scrape comes about 5 s after startup whatever the interval: service discovery sends
 *   its first update on a fixed 5 s tick (no flag for it in 2.42). Prefer backfill when you can.
 */
import { accessSync, constants } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { execa } from 'execa';
import type { ResultPromise } from 'execa';

export interface StartPrometheusOptions {
  /** Series to backfill, as objects or as OpenMetrics text (`# EOF` is added when missing). */
  series?: OpenMetricsSeries[] | string;
  /** URLs (`http://127.0.0.1:PORT/metrics`) to scrape; startup waits until each was scraped once. */
  scrapeTargets?: string[];
  /** Scrape interval for `scrapeTargets` (default `1s`). */
  scrapeInterval?: string;
  /** Extra command-line flags, e.g. `--query.lookback-delta=1m`. */
  extraArgs?: string[];
  /** How long to wait for readiness and data (default 60 s; the CI machine has 2 shared cores). */
  startTimeoutMs?: number;
}

export interface PrometheusInstance {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  url: string;
  dataDir: string;
  /** The server's log so far (for failure messages). */
  log(): string;
  /** SIGTERM, then SIGKILL after 5 s; removes the data directory. Safe to call twice. */
  stop(): Promise<void>;
}

/** Starts Prometheus with `series` backfilled; resolves once it is ready and the data is queryable. */
export async function startPrometheus(options: StartPrometheusOptions = {}): Promise<PrometheusInstance> {
  const prometheus = findBinary('prometheus');
  const promtool = findBinary('promtool');
  const dataDir = await mkdtemp(join(tmpdir(), 'rollout-prom-'));
  try {
    const text = typeof options.series === 'string' ? ensureEof(options.series) : toOpenMetrics(options.series ?? []);
    const expected = describeData(text);
    if (expected.seriesCount > 0) {
      const file = join(dataDir, 'backfill.om');
      await writeFile(file, text);
      // Large blocks: 48 h of data becomes one block instead of 25 two-hour ones (backfill 0.3 s instead of 1.6 s).
      const args = [
        'tsdb',
        'create-blocks-from',
        'openmetrics',
        '--max-block-duration=744h',
        file,
        join(dataDir, 'tsdb'),
      ];
      await execa(promtool, args, { timeout: 120_000 });
    }
    const configFile = join(dataDir, 'prometheus.yml');
    await writeFile(configFile, renderConfig(options.scrapeTargets ?? [], options.scrapeInterval ?? '1s'));
    const instance = await launch(prometheus, dataDir, configFile, options);
    try {
      const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
      if (expected.seriesCount > 0) await waitForBackfill(instance, expected, deadline);
      if (options.scrapeTargets?.length) await waitForScrapes(instance, options.scrapeTargets.length, deadline);
    } catch (error) {
      await instance.stop();
      throw error;
    }
    return instance;
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
}

async function launch(
  binary: string,
  dataDir: string,
  configFile: string,
  options: StartPrometheusOptions,
): Promise<PrometheusInstance> {
  let lastError: unknown;
  // A free port can be taken between our probe and Prometheus binding it; try a few.
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const args = [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(dataDir, 'tsdb')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--storage.tsdb.retention.time=10y',
      ...(options.extraArgs ?? []),
    ];
    const child = execa(binary, args, { reject: false, stdin: 'ignore', buffer: false, cleanup: true });
    const logLines: string[] = [];
    const keep = (chunk: Buffer): void => {
      logLines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      if (logLines.length > 200) logLines.splice(0, logLines.length - 200);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const instance = makeInstance(child, `http://127.0.0.1:${port}`, dataDir, () => logLines.join('\n'));
    try {
      await waitFor(
        async () => {
          if (child.exitCode !== null)
            throw new Error(`prometheus exited with code ${child.exitCode}:\n${instance.log()}`);
          const res = await fetch(`${instance.url}/-/ready`).catch(() => undefined);
          return res?.status === 200;
        },
        Date.now() + (options.startTimeoutMs ?? 60_000),
        'prometheus /-/ready',
      );
      return instance;
    } catch (error) {
      lastError = error;
      await instance.stop({ keepData: true });
      if (!instance.log().includes('address already in use')) break;
    }
  }
  throw lastError;
}

function makeInstance(
  child: ResultPromise,
  url: string,
  dataDir: string,
  log: () => string,
): PrometheusInstance & { stop(o?: { keepData?: boolean }): Promise<void> } {
  let stopped: Promise<void> | undefined;
  const stop = async (opts: { keepData?: boolean } = {}): Promise<void> => {
    stopped ??= (async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await child;
        clearTimeout(killer);
      }
    })();
    await stopped;
    if (!opts.keepData) await rm(dataDir, { recursive: true, force: true });
  };
  return { url, dataDir, log, stop };
}

async function waitForBackfill(instance: PrometheusInstance, expected: DataShape, deadline: number): Promise<void> {
  const params = new URLSearchParams({
    'match[]': '{__name__=~".+"}',
    start: String(expected.minT),
    end: String(expected.maxT),
  });
  let seen = 0;
  await waitFor(
    async () => {
      const res = await fetch(`${instance.url}/api/v1/series?${params}`);
      const body = (await res.json()) as { data?: unknown[] };
      seen = body.data?.length ?? 0;
      return seen >= expected.seriesCount;
    },
    deadline,
    `backfilled series to be queryable (want ${expected.seriesCount}, seen ${seen})`,
  );
}

async function waitForScrapes(instance: PrometheusInstance, targets: number, deadline: number): Promise<void> {
  await waitFor(
    async () => {
      const res = await fetch(`${instance.url}/api/v1/query?query=${encodeURIComponent('count(up)')}`);
      const body = (await res.json()) as { data?: { result?: Array<{ value: [number, string] }> } };
      return Number(body.data?.result?.[0]?.value[1] ?? 0) >= targets;
    },
    deadline,
    `${targets} scrape target(s) to be scraped once`,
  );
}

function renderConfig(targets: string[], interval: string): string {
  const jobs = targets.map((target, i) => {
    const url = new URL(target);
    return [
      `  - job_name: target-${i}`,
      `    scrape_interval: ${interval}`,
      `    scheme: ${url.protocol.replace(':', '')}`,
      `    metrics_path: ${JSON.stringify(url.pathname || '/metrics')}`,
      `    static_configs:`,
      `      - targets: [${JSON.stringify(url.host)}]`,
    ].join('\n');
  });
  return `global:\n  scrape_interval: ${interval}\n${jobs.length ? `scrape_configs:\n${jobs.join('\n')}\n` : ''}`;
}

interface DataShape {
  seriesCount: number;
  minT: number;
  maxT: number;
}

/** Distinct series and time span of OpenMetrics text, to know when the backfill is visible. */
function describeData(text: string): DataShape {
  const ids = new Set<string>();
  let minT = Infinity;
  let maxT = -Infinity;
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    // `name{labels} value [timestamp]` or `name value [timestamp]`; label values may contain spaces.
    const close = line.lastIndexOf('}');
    const idEnd = close >= 0 ? close + 1 : line.indexOf(' ');
    ids.add(line.slice(0, idEnd));
    const t = Number(line.slice(idEnd).trim().split(/\s+/)[1]);
    if (Number.isFinite(t)) {
      minT = Math.min(minT, t);
      maxT = Math.max(maxT, t);
    }
  }
  return { seriesCount: ids.size, minT: Math.floor(minT), maxT: Math.ceil(maxT) };
}

function ensureEof(text: string): string {
  const trimmed = text.trimEnd();
  return trimmed.endsWith('# EOF') ? `${trimmed}\n` : `${trimmed}\n# EOF\n`;
}

// ---- Test data as object literals (OpenMetrics text; times in Unix seconds or Dates) ----

export interface OpenMetricsSeries {
  name: string;
  labels?: Record<string, string>;
  samples: Array<{ t: Date | number; v: number }>;
}

/** Renders series (grouped by metric name, samples sorted by time) and the closing `# EOF`. */
export function toOpenMetrics(series: readonly OpenMetricsSeries[]): string {
  const byName = new Map<string, OpenMetricsSeries[]>();
  for (const s of series) {
    if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(s.name)) throw new Error(`invalid metric name: ${s.name}`);
    byName.set(s.name, [...(byName.get(s.name) ?? []), s]);
  }
  const lines: string[] = [];
  for (const group of byName.values()) {
    for (const s of group) {
      const id = `${s.name}${formatLabels(s.labels ?? {})}`;
      const samples = s.samples.map((p) => ({ t: toSeconds(p.t), v: p.v })).sort((a, b) => a.t - b.t);
      for (const p of samples) lines.push(`${id} ${formatValue(p.v)} ${p.t}`);
    }
  }
  lines.push('# EOF');
  return `${lines.join('\n')}\n`;
}

export interface CounterSeriesOptions {
  name: string;
  labels?: Record<string, string>;
  start: Date | number;
  end: Date | number;
  /** Distance between samples (default 60 s). */
  stepSeconds?: number;
  /** Increase during the step that ends at `t` (Unix seconds); a constant or a function of time. */
  increment: number | ((t: number) => number);
  /** Value of the first sample (default 0). */
  initial?: number;
}

/** A monotonically increasing counter sampled every step from `start` to `end`. */
export function counterSeries(options: CounterSeriesOptions): OpenMetricsSeries {
  const step = options.stepSeconds ?? 60;
  const increment = typeof options.increment === 'number' ? () => options.increment as number : options.increment;
  const samples: Array<{ t: number; v: number }> = [];
  let value = options.initial ?? 0;
  for (const t of stepTimes(options.start, options.end, step)) {
    if (samples.length > 0) value += increment(t);
    samples.push({ t, v: value });
  }
  return { name: options.name, labels: options.labels ?? {}, samples };
}

export interface HistogramSeriesOptions {
  /** Base name: `_bucket`, `_sum` and `_count` are appended. */
  name: string;
  labels?: Record<string, string>;
  /** Upper bounds in the metric's unit (e.g. seconds); `+Inf` is added. */
  buckets: number[];
  start: Date | number;
  end: Date | number;
  stepSeconds?: number;
  /** Observations made during the step that ends at `t`. */
  observe: (t: number) => readonly number[];
}

/** A cumulative Prometheus histogram (`_bucket{le}`, `_sum`, `_count`) built from observations. */
export function histogramSeries(options: HistogramSeriesOptions): OpenMetricsSeries[] {
  const step = options.stepSeconds ?? 60;
  const bounds = [...options.buckets].sort((a, b) => a - b);
  const labels = options.labels ?? {};
  const bucketSamples = [...bounds, Infinity].map(() => [] as Array<{ t: number; v: number }>);
  const sumSamples: Array<{ t: number; v: number }> = [];
  const countSamples: Array<{ t: number; v: number }> = [];
  const cumulative = new Array<number>(bounds.length + 1).fill(0);
  let sum = 0;
  let count = 0;
  let first = true;
  for (const t of stepTimes(options.start, options.end, step)) {
    if (!first) {
      for (const x of options.observe(t)) {
        sum += x;
        count += 1;
        bounds.forEach((le, i) => {
          if (x <= le) cumulative[i] = (cumulative[i] ?? 0) + 1;
        });
        cumulative[bounds.length] = count;
      }
    }
    first = false;
    cumulative.forEach((v, i) => bucketSamples[i]?.push({ t, v }));
    sumSamples.push({ t, v: sum });
    countSamples.push({ t, v: count });
  }
  const buckets = [...bounds, Infinity].map((le, i) => ({
    name: `${options.name}_bucket`,
    labels: { ...labels, le: le === Infinity ? '+Inf' : String(le) },
    samples: bucketSamples[i] ?? [],
  }));
  return [
    ...buckets,
    { name: `${options.name}_sum`, labels, samples: sumSamples },
    { name: `${options.name}_count`, labels, samples: countSamples },
  ];
}

/** `start, start+step, …` up to and including `end` (Unix seconds). */
function stepTimes(start: Date | number, end: Date | number, step: number): number[] {
  if (!(step > 0)) throw new Error(`step must be > 0, got ${step}`);
  const times: number[] = [];
  for (let t = toSeconds(start); t <= toSeconds(end); t += step) times.push(t);
  return times;
}

function toSeconds(t: Date | number): number {
  return t instanceof Date ? t.getTime() / 1000 : t;
}

function formatLabels(labels: Record<string, string>): string {
  const entries = Object.entries(labels);
  if (entries.length === 0) return '';
  const body = entries.map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`);
  return `{${body.join(',')}}`;
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

// ---- Process helpers ----

/** Absolute path of `name` on PATH, or a clear error: integration tests fail, they never skip. */
export function findBinary(name: string): string {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  throw new Error(
    `${name} not found on PATH. The metrics tests need a real Prometheus: install Debian's package as root ` +
      `(apt-get install -y prometheus), which provides both prometheus and promtool.`,
  );
}

/** A TCP port that was free on 127.0.0.1 a moment ago. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Polls `check` every 100 ms until it returns true; throws (naming `what`) at `deadline`. */
export async function waitFor(check: () => Promise<boolean>, deadline: number, what: string): Promise<void> {
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (error) {
      lastError = error;
      if (error instanceof Error && error.message.startsWith('prometheus exited')) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
}
