import { describe, expect, it } from 'vitest';
import { classifyAnswer, classifyFailure, isTransient, parseSampleValue } from '../../../src/metrics/outcome.js';
import type { OutcomeBase, QueryOutcome, Series } from '../../../src/metrics/types.js';

const base: OutcomeBase = { query: 'q', url: 'http://prom/', durationMs: 0, attempts: 1 };
const series = (...values: number[]): Series => ({
  labels: { a: String(values.length) },
  values: values.map((v, t) => ({ t, v })),
});

describe('parseSampleValue', () => {
  it.each([
    ['1.5', 1.5],
    ['+Inf', Infinity],
    ['-Inf', -Infinity],
    ['1e-7', 1e-7],
    ['-0', -0],
  ])('reads %s', (raw, expected) => {
    expect(parseSampleValue(raw)).toBe(expected);
  });

  it('reads NaN and garbage as NaN', () => {
    expect(parseSampleValue('NaN')).toBeNaN();
    expect(parseSampleValue('abc')).toBeNaN();
    expect(parseSampleValue(undefined)).toBeNaN();
  });
});

describe('classifyAnswer', () => {
  it('is empty for no series', () => {
    expect(classifyAnswer({ resultType: 'vector', series: [] }, base).kind).toBe('empty');
    expect(classifyAnswer({ resultType: 'vector', series: [] }, base, 1).kind).toBe('empty');
  });

  it('is nan only when every value of every series is NaN', () => {
    expect(classifyAnswer({ resultType: 'vector', series: [series(NaN), series(NaN)] }, base).kind).toBe('nan');
    const mixed = classifyAnswer({ resultType: 'matrix', series: [series(NaN, 0.5)] }, base);
    expect(mixed.kind).toBe('ok');
    expect(mixed.kind === 'ok' && mixed.series[0]?.values[0]?.v).toBeNaN();
  });

  it('is too-many-series above maxSeries, whatever the values', () => {
    const outcome = classifyAnswer({ resultType: 'vector', series: [series(1), series(NaN)] }, base, 1);
    expect(outcome).toMatchObject({ kind: 'too-many-series', expected: 1, count: 2 });
    expect(classifyAnswer({ resultType: 'vector', series: [series(1), series(2)] }, base, 2).kind).toBe('ok');
  });

  it('keeps infinities as ok values', () => {
    const outcome = classifyAnswer({ resultType: 'scalar', series: [series(Infinity)] }, base, 1);
    expect(outcome).toMatchObject({ kind: 'ok', resultType: 'scalar' });
  });

  it('refuses string results as a bad query', () => {
    expect(classifyAnswer({ resultType: 'string', series: [] }, base)).toMatchObject({
      kind: 'bad-query',
      errorType: 'unsupported_result',
    });
  });

  it('carries query, url, duration and attempts', () => {
    expect(classifyAnswer({ resultType: 'vector', series: [] }, base)).toEqual({ ...base, kind: 'empty' });
  });
});

describe('classifyFailure', () => {
  const envelope = (errorType: string, error: string) => ({ status: 'error', errorType, error });

  it('maps the client deadline to timeout', () => {
    expect(classifyFailure({ type: 'deadline', timeoutMs: 1000 }, base, [])).toMatchObject({
      kind: 'timeout',
      timeoutMs: 1000,
      source: 'client',
    });
  });

  it('maps network errors to unreachable with their code', () => {
    expect(
      classifyFailure({ type: 'network', code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' }, base, []),
    ).toMatchObject({
      kind: 'unreachable',
      code: 'ECONNREFUSED',
    });
  });

  it('maps 400 bad_data and 422 execution errors to bad-query', () => {
    expect(
      classifyFailure({ type: 'http', status: 400, body: envelope('bad_data', 'parse error') }, base, []),
    ).toMatchObject({
      kind: 'bad-query',
      status: 400,
      errorType: 'bad_data',
      error: 'parse error',
    });
    expect(
      classifyFailure({ type: 'http', status: 422, body: envelope('execution', 'many-to-many') }, base, []).kind,
    ).toBe('bad-query');
  });

  it('maps a 400 without a Prometheus envelope (e.g. a proxy) to http-error', () => {
    expect(classifyFailure({ type: 'http', status: 400, body: '<html>bad request</html>' }, base, []).kind).toBe(
      'http-error',
    );
  });

  it('maps Prometheus’ own 503 timeout to a server-side timeout', () => {
    expect(
      classifyFailure({ type: 'http', status: 503, body: envelope('timeout', 'query timed out') }, base, []),
    ).toMatchObject({
      kind: 'timeout',
      source: 'server',
    });
  });

  it('keeps a scrubbed, truncated body excerpt for other statuses', () => {
    const body = `token=abcd-secret-1234 ${'x'.repeat(2000)}`;
    const outcome = classifyFailure({ type: 'http', status: 502, body }, base, ['abcd-secret-1234']);
    expect(outcome.kind).toBe('http-error');
    if (outcome.kind !== 'http-error') return;
    expect(outcome.status).toBe(502);
    expect(outcome.bodyExcerpt).not.toContain('abcd-secret-1234');
    expect(Buffer.byteLength(outcome.bodyExcerpt)).toBeLessThanOrEqual(520);
  });
});

describe('isTransient', () => {
  const outcome = (o: Partial<QueryOutcome> & { kind: QueryOutcome['kind'] }): QueryOutcome =>
    ({ ...base, ...o }) as QueryOutcome;
  it.each([
    [outcome({ kind: 'unreachable' }), true],
    [outcome({ kind: 'timeout' }), true],
    [outcome({ kind: 'http-error', status: 500 } as never), true],
    [outcome({ kind: 'http-error', status: 503 } as never), true],
    [outcome({ kind: 'http-error', status: 404 } as never), false],
    [outcome({ kind: 'http-error', status: 429 } as never), false],
    [outcome({ kind: 'bad-query' }), false],
    [outcome({ kind: 'empty' }), false],
    [outcome({ kind: 'nan' }), false],
    [outcome({ kind: 'ok' }), false],
  ])('%j → %s', (o, expected) => {
    expect(isTransient(o)).toBe(expected);
  });
});
