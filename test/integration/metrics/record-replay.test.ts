import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetricsSource } from '../../../src/metrics/factory.js';
import { createRecording, readRecording, writeRecording } from '../../../src/metrics/recording.js';
import { renderQuery } from '../../../src/metrics/promql.js';
import type { MetricsSource, QueryOutcome } from '../../../src/metrics/types.js';
import { freePort, startPrometheus } from '../../helpers/prometheus.js';
import type { PrometheusInstance } from '../../helpers/prometheus.js';
import { ERROR_RATIO, MIN_AVAILABILITY, P95, buildTraffic, fixtureEnd } from './fixtures.js';

let prom: PrometheusInstance;
let dir: string;
let endS: number;

beforeAll(async () => {
  endS = fixtureEnd();
  prom = await startPrometheus({ series: buildTraffic(endS) });
  dir = await mkdtemp(join(tmpdir(), 'rollout-rec-'));
});

afterAll(async () => {
  await prom?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The same questions, asked at a clock that may differ between recording and replay. */
async function askAll(source: MetricsSource, now: Date): Promise<QueryOutcome[]> {
  const hourAgo = new Date(now.getTime() - 3600_000);
  return [
    await source.instant(renderQuery(ERROR_RATIO, { service: 'under', window: '5m' }), { time: now, maxSeries: 1 }),
    await source.instant(renderQuery(MIN_AVAILABILITY, { service: 'red', window: '48h' }), { time: now }),
    await source.instant(renderQuery(P95, { service: 'slow', window: '10m' }), { time: now }),
    await source.instant(renderQuery(ERROR_RATIO, { service: 'idle', window: '5m' }), { time: now }),
    await source.instant(renderQuery(ERROR_RATIO, { service: 'ghost', window: '5m' }), { time: now }),
    await source.instant('sum by (service) (rate(http_requests_total[5m]))', { time: now, maxSeries: 1 }),
    await source.instant('sum(rate(http_requests_total[5m])', { time: now }),
    await source.instant('1/0', { time: now }),
    await source.range(renderQuery(ERROR_RATIO, { service: 'red', window: '5m' }), {
      start: hourAgo,
      end: now,
      stepSeconds: 300,
    }),
  ];
}

describe('record, then replay offline', () => {
  it('gives identical outcomes, kinds, values (NaN and Infinity included) and metadata', async () => {
    const recordClock = new Date(endS * 1000);
    const recording = createRecording(prom.url);
    const recorder = await createMetricsSource({ url: prom.url, env: {}, record: recording, now: () => recordClock });
    const live = await askAll(recorder, recordClock);
    expect(live.map((o) => o.kind)).toEqual([
      'ok',
      'ok',
      'ok',
      'nan',
      'empty',
      'too-many-series',
      'bad-query',
      'ok',
      'ok',
    ]);
    await recorder.checkOnline();

    const file = join(dir, 'analysis.json');
    await writeRecording(file, recording);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    await prom.stop();

    // A week later, with Prometheus gone: relative times still match.
    const replayClock = new Date(recordClock.getTime() + 7 * 86_400_000);
    const replay = await createMetricsSource({ url: prom.url, env: {}, replay: file, now: () => replayClock });
    const replayed = await askAll(replay, replayClock);
    expect(replayed).toEqual(live);
    expect(replayed[3]?.kind === 'nan' && Number.isNaN(replayed[3].series[0]?.values[0]?.v)).toBe(true);
    expect(replayed[7]?.kind === 'ok' && replayed[7].series[0]?.values[0]?.v).toBe(Number.POSITIVE_INFINITY);
    expect((await replay.checkOnline()).online).toBe(true);

    const unknown = await replay.instant('vector(2)');
    expect(unknown.kind).toBe('not-recorded');
    const shifted = await replay.instant(renderQuery(ERROR_RATIO, { service: 'under', window: '5m' }), {
      time: new Date(replayClock.getTime() - 60_000),
      maxSeries: 1,
    });
    expect(shifted.kind).toBe('not-recorded');
    expect((await readRecording(file)).entries).toHaveLength(10);
  });

  it('records failures too: a server that is down replays as unreachable', async () => {
    const port = await freePort();
    const recording = createRecording('down');
    const clock = new Date();
    const recorder = await createMetricsSource({
      url: `http://127.0.0.1:${port}`,
      env: {},
      retries: 0,
      record: recording,
      now: () => clock,
    });
    const live = await recorder.instant('vector(1)', { timeoutMs: 2000 });
    expect(live.kind).toBe('unreachable');
    const replay = await createMetricsSource({ env: {}, replay: recording, now: () => clock });
    expect(await replay.instant('vector(1)')).toEqual(live);
  });
});
