import { z } from 'zod';
import { parseSampleValue } from './outcome.js';
import type { QueryOutcome, Series } from './types.js';

/**
 * On-disk format of a metrics recording (`rollout analyze --record/--replay`). JSON cannot hold NaN
 * or ±Infinity, so sample values that are not finite are written as the strings Prometheus itself
 * uses (`"NaN"`, `"+Inf"`, `"-Inf"`) and read back as numbers.
 */

export const RECORDING_FORMAT = 'rollout-metrics-recording';
export const RECORDING_VERSION = 1;

/** One recorded query: how it was asked (times relative to the call) and what came back. */
export interface RecordingEntry {
  method: 'instant' | 'range';
  query: string;
  /** Instant query evaluation time minus call time, in seconds; absent when it was "now". */
  timeOffsetS?: number;
  startOffsetS?: number;
  endOffsetS?: number;
  stepSeconds?: number;
  maxSeries?: number;
  /** When the call was made (ISO 8601), for people reading the file. */
  recordedAt: string;
  outcome: QueryOutcome;
}

/** A whole recording, in memory. */
export interface Recording {
  version: 1;
  createdAt: string;
  /** Redacted description of where the answers came from. */
  source: string;
  entries: RecordingEntry[];
}

/** A recording file is unreadable, malformed, or written by a newer format version. */
export class RecordingFormatError extends Error {
  readonly code = 'METRICS_RECORDING_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'RecordingFormatError';
  }
}

const OUTCOME_KINDS = [
  'ok',
  'empty',
  'nan',
  'too-many-series',
  'http-error',
  'timeout',
  'unreachable',
  'bad-query',
  'not-recorded',
  'malformed',
] as const;

const sampleSchema = z.object({
  t: z.number(),
  v: z.union([z.number(), z.enum(['NaN', '+Inf', '-Inf'])]).transform(parseSampleValue),
});
const seriesSchema = z.object({ labels: z.record(z.string(), z.string()), values: z.array(sampleSchema) });
const outcomeSchema = z.looseObject({
  kind: z.enum(OUTCOME_KINDS),
  query: z.string(),
  url: z.string(),
  durationMs: z.number(),
  attempts: z.number().int().nonnegative(),
  series: z.array(seriesSchema).optional(),
});
const entrySchema = z.object({
  method: z.enum(['instant', 'range']),
  query: z.string(),
  timeOffsetS: z.number().optional(),
  startOffsetS: z.number().optional(),
  endOffsetS: z.number().optional(),
  stepSeconds: z.number().positive().optional(),
  maxSeries: z.number().int().nonnegative().optional(),
  recordedAt: z.string(),
  outcome: outcomeSchema,
});
const fileSchema = z.object({
  format: z.literal(RECORDING_FORMAT),
  version: z.number().int(),
  createdAt: z.string(),
  source: z.string(),
  entries: z.array(z.unknown()),
});

/** Serialises a recording to the versioned JSON format. */
export function encodeRecording(recording: Recording): string {
  const entries = recording.entries.map((entry) => {
    const outcome = entry.outcome;
    if (!('series' in outcome)) return entry;
    return { ...entry, outcome: { ...outcome, series: outcome.series.map(encodeSeries) } };
  });
  const file = {
    format: RECORDING_FORMAT,
    version: RECORDING_VERSION,
    createdAt: recording.createdAt,
    source: recording.source,
    entries,
  };
  return `${JSON.stringify(file, null, 2)}\n`;
}

/** Parses and validates the JSON format; `name` appears in error messages. */
export function decodeRecording(text: string, name = 'recording'): Recording {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new RecordingFormatError(`${name}: not JSON (${(error as Error).message})`);
  }
  const head = fileSchema.safeParse(raw);
  if (!head.success)
    throw new RecordingFormatError(`${name}: not a ${RECORDING_FORMAT} file (${head.error.issues[0]?.message})`);
  if (head.data.version !== RECORDING_VERSION) {
    throw new RecordingFormatError(
      `${name}: format version ${head.data.version}, this rollout reads version ${RECORDING_VERSION}`,
    );
  }
  const entries = head.data.entries.map((item, index) => {
    const parsed = entrySchema.safeParse(item);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new RecordingFormatError(`${name}: entry ${index}: ${issue?.path.join('.')}: ${issue?.message}`);
    }
    return parsed.data as unknown as RecordingEntry;
  });
  return { version: 1, createdAt: head.data.createdAt, source: head.data.source, entries };
}

function encodeSeries(series: Series): unknown {
  return {
    labels: series.labels,
    values: series.values.map(({ t, v }) => ({
      t,
      v: Number.isFinite(v) ? v : Number.isNaN(v) ? 'NaN' : v > 0 ? '+Inf' : '-Inf',
    })),
  };
}
