import { describe, expect, it } from 'vitest';
import { createMetricsSource, MetricsConfigError } from '../../../src/metrics/factory.js';
import {
  createRecording,
  recordingSource,
  replaySource,
  RecordingFormatError,
} from '../../../src/metrics/recording.js';
import { decodeRecording, encodeRecording } from '../../../src/metrics/recording-format.js';
import type { InstantOptions, MetricsSource, QueryOutcome, RangeOptions } from '../../../src/metrics/types.js';

const base = { url: 'http://prom/', durationMs: 12, attempts: 1 };

/** A source whose answers depend on the query and the evaluation time, counting its calls. */
function scriptedSource(): MetricsSource & { calls: number } {
  const answer = (query: string, t: number): QueryOutcome => {
    if (query === 'empty') return { ...base, query, kind: 'empty' };
    if (query === 'nan') return { ...base, query, kind: 'nan', series: [{ labels: {}, values: [{ t, v: NaN }] }] };
    return {
      ...base,
      query,
      kind: 'ok',
      resultType: 'vector',
      series: [
        {
          labels: { q: query },
          values: [
            { t, v: Infinity },
            { t: t + 1, v: -Infinity },
          ],
        },
      ],
    };
  };
  const source = {
    calls: 0,
    description: 'scripted',
    instant: async (query: string, opts: InstantOptions = {}) => (
      source.calls++,
      answer(query, (opts.time?.getTime() ?? 0) / 1000)
    ),
    range: async (query: string, opts: RangeOptions) => (source.calls++, answer(query, opts.start.getTime() / 1000)),
    checkOnline: async () => ({ online: true, outcome: answer('vector(1)', 0) }),
  };
  return source;
}

describe('record and replay', () => {
  it('replays recorded answers for the same queries at the same relative times', async () => {
    const t0 = new Date('2026-01-01T00:00:00Z');
    const rec = createRecording('scripted', t0);
    const recorder = recordingSource(scriptedSource(), rec, () => t0);
    const live = [
      await recorder.instant('up', { time: new Date(t0.getTime() - 60_000) }),
      await recorder.instant('nan'),
      await recorder.range('up', { start: new Date(t0.getTime() - 3600_000), end: t0, stepSeconds: 60 }),
    ];
    const t1 = new Date('2026-03-01T12:00:00Z');
    // Through the file format and back: NaN and ±Infinity survive.
    const replay = replaySource(decodeRecording(encodeRecording(rec)), () => t1);
    // 400 ms of drift between computing the time and calling is absorbed by whole-second matching.
    expect(await replay.instant('up', { time: new Date(t1.getTime() - 60_000 + 400) })).toEqual(live[0]);
    expect(await replay.instant('nan')).toEqual(live[1]);
    expect(await replay.range('up', { start: new Date(t1.getTime() - 3600_000), end: t1, stepSeconds: 60 })).toEqual(
      live[2],
    );
  });

  it('answers not-recorded for a different query, time, step or maxSeries', async () => {
    const t0 = new Date();
    const rec = createRecording('s');
    const recorder = recordingSource(scriptedSource(), rec, () => t0);
    await recorder.range('up', { start: new Date(t0.getTime() - 600_000), end: t0, stepSeconds: 60 });
    await recorder.instant('up');
    const replay = replaySource(rec, () => t0, 'replay:test.json');
    const misses = [
      await replay.instant('down'),
      await replay.instant('up', { maxSeries: 1 }),
      await replay.instant('up', { time: new Date(t0.getTime() - 5000) }),
      await replay.range('up', { start: new Date(t0.getTime() - 600_000), end: t0, stepSeconds: 30 }),
      await replay.range('up', { start: new Date(t0.getTime() - 1200_000), end: t0, stepSeconds: 60 }),
    ];
    for (const miss of misses)
      expect(miss).toMatchObject({ kind: 'not-recorded', url: 'replay:test.json', attempts: 0 });
  });

  it('serves repeated queries in recorded order, then repeats the last answer', async () => {
    const answers: QueryOutcome[] = [
      { ...base, query: 'q', kind: 'unreachable', code: 'ECONNREFUSED', message: 'x' },
      { ...base, query: 'q', kind: 'empty' },
    ];
    const inner = { ...scriptedSource(), instant: async () => answers.shift() as QueryOutcome };
    const rec = createRecording('s');
    const recorder = recordingSource(inner, rec);
    await recorder.instant('q');
    await recorder.instant('q');
    const replay = replaySource(rec);
    expect((await replay.instant('q')).kind).toBe('unreachable');
    expect((await replay.instant('q')).kind).toBe('empty');
    expect((await replay.instant('q')).kind).toBe('empty');
  });

  it('records checkOnline as vector(1)', async () => {
    const rec = createRecording('s');
    await recordingSource(scriptedSource(), rec).checkOnline();
    expect(rec.entries[0]).toMatchObject({ method: 'instant', query: 'vector(1)', maxSeries: 1 });
  });
});

describe('recording file format', () => {
  it('writes non-finite values as Prometheus spells them', () => {
    const rec = createRecording('s');
    rec.entries.push({
      method: 'instant',
      query: 'q',
      recordedAt: new Date(0).toISOString(),
      outcome: {
        ...base,
        query: 'q',
        kind: 'ok',
        resultType: 'vector',
        series: [
          {
            labels: { v: 'NaN' },
            values: [
              { t: 1, v: NaN },
              { t: 2, v: Infinity },
            ],
          },
        ],
      },
    });
    const text = encodeRecording(rec);
    expect(text).toContain('"v": "NaN"');
    expect(text).toContain('"v": "+Inf"');
    const back = decodeRecording(text).entries[0]?.outcome;
    // A label literally named v with value "NaN" stays a string.
    expect(back?.kind === 'ok' && back.series[0]?.labels.v).toBe('NaN');
  });

  it.each([
    ['not json', 'not JSON'],
    ['{"format":"other","version":1,"createdAt":"","source":"","entries":[]}', 'not a rollout-metrics-recording'],
    ['{"format":"rollout-metrics-recording","version":2,"createdAt":"","source":"","entries":[]}', 'format version 2'],
    [
      '{"format":"rollout-metrics-recording","version":1,"createdAt":"","source":"","entries":[{"method":"delete"}]}',
      'entry 0',
    ],
  ])('rejects %s', (text, message) => {
    expect(() => decodeRecording(text, 'f.json')).toThrow(RecordingFormatError);
    expect(() => decodeRecording(text, 'f.json')).toThrow(message);
  });
});

describe('createMetricsSource', () => {
  async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
    try {
      await promise;
    } catch (error) {
      return error instanceof MetricsConfigError ? error.code : String(error);
    }
    return undefined;
  }

  it('needs a URL or a recording', async () => {
    expect(await codeOf(createMetricsSource({ env: {} }))).toBe('METRICS_NO_SOURCE');
    expect(await codeOf(createMetricsSource({ env: {}, url: 'prom:9090' }))).toBe('METRICS_BAD_URL');
    expect(
      await codeOf(createMetricsSource({ env: {}, replay: createRecording('s'), record: createRecording('s') })),
    ).toBe('METRICS_REPLAY_AND_RECORD');
  });

  it('takes the URL from the environment and never shows its credentials', async () => {
    const source = await createMetricsSource({ env: { PROM: 'http://u:pa55word@127.0.0.1:9/' }, urlEnv: 'PROM' });
    expect(source.description).toBe('http://127.0.0.1:9/');
  });

  it('prefers replay over a URL', async () => {
    const source = await createMetricsSource({
      env: { PROMETHEUS_URL: 'http://127.0.0.1:9' },
      replay: createRecording('s'),
    });
    expect(source.description).toBe('replay');
    expect((await source.instant('up')).kind).toBe('not-recorded');
  });
});
