import { parseSampleValue } from './outcome.js';
import type { Sample, Series } from './types.js';

/**
 * Reads the JSON body of a successful Prometheus answer ourselves instead of trusting the client
 * library's parse: a proxy's HTML page, a truncated body or a result of the wrong shape must end
 * in a short sentence saying what was wrong, never in "HTTP 200" or a TypeError.
 */
export type ParsedAnswer = { ok: true; resultType: string; series: Series[] } | { ok: false; problem: string };

const MAX_PROBLEM_CHARS = 160;
/** How Prometheus writes a sample value (Go's strconv.FormatFloat, plus NaN and ±Inf); `Number('')` would be 0. */
const SAMPLE_VALUE = /^(?:[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|NaN|[-+]?Inf)$/;

/** Parses an answer body as axios delivered it: an object when it parsed as JSON, else the raw text. */
export function parseAnswerBody(data: unknown): ParsedAnswer {
  let body = data;
  if (typeof data === 'string' || data instanceof Uint8Array) {
    const text = typeof data === 'string' ? data : Buffer.from(data).toString('utf8');
    if (text.trim() === '') return problem('the body is empty');
    try {
      body = JSON.parse(text);
    } catch (error) {
      return problem(`the body is not JSON: ${(error as Error).message}`);
    }
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return problem(`the body is ${describe(body)}, not a JSON object`);
  const record = body as Record<string, unknown>;
  if (record.status !== 'success') {
    const detail = typeof record.error === 'string' ? `: ${record.error}` : '';
    return problem(record.status === undefined ? 'status is missing' : `status is ${short(record.status)}${detail}`);
  }
  const inner = record.data;
  if (typeof inner !== 'object' || inner === null || Array.isArray(inner))
    return problem(inner === undefined ? 'data is missing' : `data is ${describe(inner)}`);
  const { resultType, result } = inner as Record<string, unknown>;
  if (typeof resultType !== 'string')
    return problem(
      resultType === undefined ? 'data.resultType is missing' : `data.resultType is ${describe(resultType)}`,
    );
  if (result === undefined) return problem('data.result is missing');
  switch (resultType) {
    case 'scalar':
    case 'string': {
      // A string result is passed on as such: the caller reports it as a query that yields no number.
      if (resultType === 'string')
        return Array.isArray(result) && result.length === 2
          ? { ok: true, resultType, series: [] }
          : problem(`data.result is ${describe(result)}, not a [time, "text"] pair`);
      const sample = readPair(result, 'data.result');
      if (typeof sample === 'string') return problem(sample);
      return { ok: true, resultType, series: [{ labels: {}, values: [sample] }] };
    }
    case 'vector':
    case 'matrix':
      return readSeriesList(result, resultType);
    default:
      return problem(`data.resultType ${short(resultType)} is not one of vector, matrix, scalar, string`);
  }
}

function readSeriesList(result: unknown, resultType: 'vector' | 'matrix'): ParsedAnswer {
  if (!Array.isArray(result)) return problem(`data.result is ${describe(result)}, expected a list for a ${resultType}`);
  const series: Series[] = [];
  for (const [i, item] of result.entries()) {
    const at = `data.result[${i}]`;
    if (typeof item !== 'object' || item === null || Array.isArray(item))
      return problem(`${at} is ${describe(item)}, not a series`);
    const { metric, value, values } = item as Record<string, unknown>;
    const labels = readLabels(metric, `${at}.metric`);
    if (typeof labels === 'string') return problem(labels);
    const samples: Sample[] = [];
    if (resultType === 'vector') {
      const sample = readPair(value, `${at}.value`);
      if (typeof sample === 'string') return problem(sample);
      samples.push(sample);
    } else {
      if (!Array.isArray(values))
        return problem(values === undefined ? `${at}.values is missing` : `${at}.values is ${describe(values)}`);
      for (const [j, pair] of values.entries()) {
        const sample = readPair(pair, `${at}.values[${j}]`);
        if (typeof sample === 'string') return problem(sample);
        samples.push(sample);
      }
    }
    series.push({ labels, values: samples });
  }
  return { ok: true, resultType, series };
}

function readLabels(metric: unknown, at: string): Record<string, string> | string {
  if (metric === undefined || metric === null) return {};
  if (typeof metric !== 'object' || Array.isArray(metric)) return `${at} is ${describe(metric)}`;
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(metric as Record<string, unknown>)) {
    if (typeof v !== 'string') return `${at}.${k} is ${describe(v)}, not a string`;
    labels[k] = v;
  }
  return labels;
}

/** A `[unix seconds, "value"]` pair; Prometheus sends the value as a string (`"1.5"`, `"NaN"`, `"+Inf"`). */
function readPair(pair: unknown, at: string): Sample | string {
  if (pair === undefined) return `${at} is missing`;
  if (!Array.isArray(pair) || pair.length !== 2) return `${at} is ${describe(pair)}, not a [time, "value"] pair`;
  const [t, raw] = pair as [unknown, unknown];
  if (typeof t !== 'number' || !Number.isFinite(t)) return `${at} has the time ${short(t)}, not a number`;
  if (typeof raw !== 'string' && typeof raw !== 'number') return `${at} has the value ${short(raw)}, not a number`;
  if (typeof raw === 'string' && !SAMPLE_VALUE.test(raw)) return `${at} has the value ${short(raw)}, not a number`;
  return { t, v: parseSampleValue(raw) };
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `the string ${short(value)}`;
  return `${typeof value} ${short(value)}`;
}

function short(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

function problem(text: string): ParsedAnswer {
  return { ok: false, problem: text.length > MAX_PROBLEM_CHARS ? `${text.slice(0, MAX_PROBLEM_CHARS)}…` : text };
}
