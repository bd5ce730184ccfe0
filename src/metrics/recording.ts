import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../state/atomic-file.js';
import { decodeRecording, encodeRecording } from './recording-format.js';
import type { Recording, RecordingEntry } from './recording-format.js';
import type { InstantOptions, MetricsSource, OnlineResult, QueryOutcome, RangeOptions } from './types.js';

export { RecordingFormatError, RECORDING_FORMAT, RECORDING_VERSION } from './recording-format.js';
export type { Recording, RecordingEntry } from './recording-format.js';

/** An empty recording, ready to be filled by `recordingSource`. */
export function createRecording(source: string, now: Date = new Date()): Recording {
  return { version: 1, createdAt: now.toISOString(), source, entries: [] };
}

/**
 * Wraps `inner` so that every query and its outcome is appended to `sink.entries`. Times are stored
 * relative to the moment of the call, so a replay at another date matches "the last hour" again.
 */
export function recordingSource(
  inner: MetricsSource,
  sink: Recording,
  now: () => Date = () => new Date(),
): MetricsSource {
  const keep = (
    entry: Omit<RecordingEntry, 'outcome' | 'recordedAt'>,
    outcome: QueryOutcome,
    at: Date,
  ): QueryOutcome => {
    sink.entries.push({ ...entry, recordedAt: at.toISOString(), outcome });
    return outcome;
  };
  return {
    description: inner.description,
    instant: async (query: string, opts: InstantOptions = {}) => {
      const at = now();
      return keep(describeInstant(query, opts, at), await inner.instant(query, opts), at);
    },
    range: async (query: string, opts: RangeOptions) => {
      const at = now();
      return keep(describeRange(query, opts, at), await inner.range(query, opts), at);
    },
    checkOnline: async (opts = {}) => {
      const at = now();
      const result = await inner.checkOnline(opts);
      keep(describeInstant('vector(1)', { maxSeries: 1 }, at), result.outcome, at);
      return result;
    },
  };
}

/**
 * Answers from `recording` only; nothing goes on the network. A query is matched on its text, its
 * method, `maxSeries` and its times relative to now (whole seconds). Repeated identical queries get
 * the recorded answers in order, then the last one again. Anything else is `not-recorded`.
 */
export function replaySource(
  recording: Recording,
  now: () => Date = () => new Date(),
  label = 'replay',
): MetricsSource {
  const byKey = new Map<string, QueryOutcome[]>();
  for (const entry of recording.entries) {
    const key = keyOf(entry);
    byKey.set(key, [...(byKey.get(key) ?? []), entry.outcome]);
  }
  const served = new Map<string, number>();
  const answer = (entry: Omit<RecordingEntry, 'outcome' | 'recordedAt'>): QueryOutcome => {
    const key = keyOf(entry);
    const outcomes = byKey.get(key);
    if (!outcomes || outcomes.length === 0) {
      const message = `no recorded answer for this ${entry.method} query at these relative times`;
      return { kind: 'not-recorded', query: entry.query, url: label, durationMs: 0, attempts: 0, message };
    }
    const index = served.get(key) ?? 0;
    served.set(key, index + 1);
    return outcomes[Math.min(index, outcomes.length - 1)] as QueryOutcome;
  };
  return {
    description: label,
    instant: async (query: string, opts: InstantOptions = {}) => answer(describeInstant(query, opts, now())),
    range: async (query: string, opts: RangeOptions) => answer(describeRange(query, opts, now())),
    checkOnline: async (): Promise<OnlineResult> => {
      const outcome = answer(describeInstant('vector(1)', { maxSeries: 1 }, now()));
      return { online: outcome.kind === 'ok' && outcome.series[0]?.values[0]?.v === 1, outcome };
    },
  };
}

/** Reads and validates a recording file; throws RecordingFormatError on a bad or newer format. */
export async function readRecording(file: string): Promise<Recording> {
  return decodeRecording(await readFile(file, 'utf8'), file);
}

/** Writes `recording` atomically (src/state/atomic-file.ts), readable by the owner only. */
export async function writeRecording(file: string, recording: Recording): Promise<void> {
  await writeFileAtomic(file, encodeRecording(recording));
}

function describeInstant(
  query: string,
  opts: InstantOptions,
  at: Date,
): Omit<RecordingEntry, 'outcome' | 'recordedAt'> {
  return {
    method: 'instant',
    query,
    ...(opts.time ? { timeOffsetS: offsetSeconds(opts.time, at) } : {}),
    ...(opts.maxSeries !== undefined ? { maxSeries: opts.maxSeries } : {}),
  };
}

function describeRange(query: string, opts: RangeOptions, at: Date): Omit<RecordingEntry, 'outcome' | 'recordedAt'> {
  return {
    method: 'range',
    query,
    startOffsetS: offsetSeconds(opts.start, at),
    endOffsetS: offsetSeconds(opts.end, at),
    stepSeconds: opts.stepSeconds,
    ...(opts.maxSeries !== undefined ? { maxSeries: opts.maxSeries } : {}),
  };
}

/** Whole seconds: a caller computes `end = now()` a few ms before the call, and that must not matter. */
function offsetSeconds(time: Date, at: Date): number {
  return Math.round((time.getTime() - at.getTime()) / 1000);
}

function keyOf(entry: Omit<RecordingEntry, 'outcome' | 'recordedAt'>): string {
  return JSON.stringify([
    entry.method,
    entry.query,
    entry.timeOffsetS ?? null,
    entry.startOffsetS ?? null,
    entry.endOffsetS ?? null,
    entry.stepSeconds ?? null,
    entry.maxSeries ?? null,
  ]);
}
