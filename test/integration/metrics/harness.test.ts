import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { createPrometheusSource } from '../../../src/metrics/prometheus.js';
import {
  findBinary,
  histogramSeries,
  counterSeries,
  startPrometheus,
  toOpenMetrics,
} from '../../helpers/prometheus.js';
import type { PrometheusInstance } from '../../helpers/prometheus.js';

let prom: PrometheusInstance | undefined;
let exporter: Server | undefined;

afterEach(async () => {
  await prom?.stop();
  prom = undefined;
  await new Promise<void>((resolve) => (exporter ? exporter.close(() => resolve()) : resolve()));
  exporter = undefined;
});

describe('startPrometheus', () => {
  it('backfills OpenMetrics text given as a string and cleans up its data directory on stop', async () => {
    const now = Math.floor(Date.now() / 1000);
    prom = await startPrometheus({
      series: `deploys_total{env="prod"} 3 ${now - 120}\ndeploys_total{env="prod"} 4 ${now - 60}\n`,
    });
    const outcome = await createPrometheusSource({ url: prom.url, env: {} }).instant('deploys_total');
    expect(outcome.kind === 'ok' && outcome.series[0]?.values[0]?.v).toBe(4);
    const dir = prom.dataDir;
    await prom.stop();
    expect(existsSync(dir)).toBe(false);
    const after = await createPrometheusSource({ url: prom.url, env: {}, retry: { retries: 0 } }).instant('vector(1)');
    expect(after.kind).toBe('unreachable');
  });

  it('scrapes a small exporter and waits until it was scraped', async () => {
    exporter = createServer((_req, res) =>
      res.writeHead(200, { 'content-type': 'text/plain' }).end('canary_ready 1\n'),
    );
    await new Promise<void>((resolve) => exporter?.listen(0, '127.0.0.1', resolve));
    const address = exporter.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    prom = await startPrometheus({ scrapeTargets: [`http://127.0.0.1:${port}/metrics`] });
    const source = createPrometheusSource({ url: prom.url, env: {} });
    const deadline = Date.now() + 10_000;
    let outcome = await source.instant('canary_ready');
    while (outcome.kind !== 'ok' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      outcome = await source.instant('canary_ready');
    }
    expect(outcome.kind === 'ok' && outcome.series[0]?.labels).toMatchObject({
      job: 'target-0',
      __name__: 'canary_ready',
    });
  });

  it('keeps 48 h old samples (retention is counted from the newest block)', async () => {
    const now = Math.floor(Date.now() / 1000);
    prom = await startPrometheus({
      series: [
        {
          name: 'old_sample',
          samples: [
            { t: new Date((now - 47 * 3600) * 1000), v: 7 },
            { t: now - 10, v: 8 },
          ],
        },
      ],
    });
    const outcome = await createPrometheusSource({ url: prom.url, env: {} }).instant('old_sample', {
      time: new Date((now - 47 * 3600) * 1000),
    });
    expect(outcome.kind === 'ok' && outcome.series[0]?.values[0]?.v).toBe(7);
  });
});

describe('series builders', () => {
  it('counterSeries accumulates per-step increments from the start value', () => {
    const s = counterSeries({ name: 'c_total', start: 0, end: 180, increment: (t) => t / 60, initial: 10 });
    expect(s.samples).toEqual([
      { t: 0, v: 10 },
      { t: 60, v: 11 },
      { t: 120, v: 13 },
      { t: 180, v: 16 },
    ]);
  });

  it('histogramSeries builds cumulative buckets, sum and count', () => {
    const series = histogramSeries({
      name: 'h',
      buckets: [0.5, 0.1],
      start: 0,
      end: 60,
      observe: () => [0.05, 0.3, 2],
    });
    const last = (name: string, le?: string) =>
      series.find((s) => s.name === name && (le === undefined || s.labels?.le === le))?.samples.at(-1)?.v;
    expect(last('h_bucket', '0.1')).toBe(1);
    expect(last('h_bucket', '0.5')).toBe(2);
    expect(last('h_bucket', '+Inf')).toBe(3);
    expect(last('h_count')).toBe(3);
    expect(last('h_sum')).toBeCloseTo(2.35, 9);
  });

  it('writes OpenMetrics with escaped labels, special values and # EOF', () => {
    const text = toOpenMetrics([
      {
        name: 'm',
        labels: { a: 'x"y\\z\nw' },
        samples: [
          { t: 2, v: Infinity },
          { t: 1, v: NaN },
        ],
      },
    ]);
    expect(text).toBe('m{a="x\\"y\\\\z\\nw"} NaN 1\nm{a="x\\"y\\\\z\\nw"} +Inf 2\n# EOF\n');
  });

  it('fails with an installation hint when a binary is missing (tests fail, never skip)', () => {
    expect(() => findBinary('promtool-that-does-not-exist')).toThrow(/apt-get install -y prometheus/);
  });
});
