import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readPoints, readScalar } from '../../../src/canary/evidence.js';
import { parseAnswerBody } from '../../../src/metrics/answer.js';
import type { QueryOutcome } from '../../../src/metrics/types.js';

const success = (data: unknown) => ({ status: 'success', data });

describe('parseAnswerBody: what was wrong with an HTTP 200 body, in one short line', () => {
  it.each<[string, unknown, string]>([
    ['an HTML page (string)', '<html><body>Sign in</body></html>', 'the body is not JSON: Unexpected token'],
    ['truncated JSON', '{"status":"success","data":{"resu', 'the body is not JSON'],
    ['an empty body', '', 'the body is empty'],
    ['a JSON array', [1, 2], 'the body is a list, not a JSON object'],
    ['a JSON number', 42, 'the body is number 42, not a JSON object'],
    ['no status', { data: {} }, 'status is missing'],
    [
      'an error envelope with 200',
      { status: 'error', errorType: 'execution', error: 'boom' },
      'status is "error": boom',
    ],
    ['no data', { status: 'success' }, 'data is missing'],
    ['no resultType', success({ result: [] }), 'data.resultType is missing'],
    [
      'an unknown resultType',
      success({ resultType: 'table', result: [] }),
      'data.resultType "table" is not one of vector, matrix, scalar, string',
    ],
    ['no result', success({ resultType: 'vector' }), 'data.result is missing'],
    [
      'a vector that is not a list',
      success({ resultType: 'vector', result: {} }),
      'data.result is an object, expected a list for a vector',
    ],
    [
      'a vector item with values only',
      success({ resultType: 'vector', result: [{ metric: {}, values: [[1, '1']] }] }),
      'data.result[0].value is missing',
    ],
    [
      'a matrix item with value only',
      success({ resultType: 'matrix', result: [{ metric: {}, value: [1, '1'] }] }),
      'data.result[0].values is missing',
    ],
    [
      'a sample that is not a pair',
      success({ resultType: 'vector', result: [{ metric: {}, value: [1] }] }),
      'data.result[0].value is a list, not a [time, "value"] pair',
    ],
    [
      'a value that is not a number',
      success({ resultType: 'vector', result: [{ metric: {}, value: [1, 'abc'] }] }),
      'data.result[0].value has the value "abc", not a number',
    ],
    [
      'an empty value string',
      success({ resultType: 'vector', result: [{ metric: {}, value: [1, ''] }] }),
      'data.result[0].value has the value "", not a number',
    ],
    [
      'a time that is not a number',
      success({ resultType: 'scalar', result: ['now', '1'] }),
      'data.result has the time "now", not a number',
    ],
    [
      'a label that is not a string',
      success({ resultType: 'vector', result: [{ metric: { job: 3 }, value: [1, '1'] }] }),
      'data.result[0].metric.job is number 3, not a string',
    ],
  ])('%s', (_name, body, problem) => {
    const parsed = parseAnswerBody(typeof body === 'string' ? body : JSON.parse(JSON.stringify(body)));
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.problem.startsWith(problem), parsed.problem).toBe(true);
  });

  it('reads every value Prometheus writes, infinities and NaN included', () => {
    const parsed = parseAnswerBody(
      success({
        resultType: 'vector',
        result: ['1.5', 'NaN', '+Inf', '-Inf', '1e309', '-5', '0'].map((v, i) => ({
          metric: { i: String(i) },
          value: [1, v],
        })),
      }),
    );
    expect(parsed.ok && parsed.series.map((s) => s.values[0]?.v)).toEqual([
      1.5,
      Number.NaN,
      Infinity,
      -Infinity,
      Infinity,
      -5,
      0,
    ]);
  });

  it('a string result is passed on as such (the caller says it is not a number)', () => {
    expect(parseAnswerBody(success({ resultType: 'string', result: [1, 'hello'] }))).toEqual({
      ok: true,
      resultType: 'string',
      series: [],
    });
  });

  it('never throws and never returns a problem longer than 161 characters, whatever the body', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 400 }), fc.jsonValue({ maxDepth: 5 })), (body) => {
        const parsed = parseAnswerBody(body);
        if (!parsed.ok) expect(parsed.problem.length).toBeLessThanOrEqual(161);
      }),
      { numRuns: 300 },
    );
  });
});

const outcome = (values: number[]): QueryOutcome => ({
  kind: 'ok',
  resultType: 'vector',
  series: [{ labels: {}, values: values.map((v, t) => ({ t, v })) }],
  query: 'q',
  url: 'u',
  durationMs: 0,
  attempts: 1,
});

describe('impossible values are told apart from missing data and NaN', () => {
  it.each([Infinity, -Infinity])('%s is impossible in every domain', (v) => {
    for (const domain of ['finite', 'non-negative'] as const)
      expect(readScalar(outcome([v]), domain)).toMatchObject({ ok: false, reason: 'impossible-value' });
  });

  it('a negative value is impossible for a count, rate or latency, possible for a delta', () => {
    expect(readScalar(outcome([-5]), 'non-negative')).toMatchObject({
      ok: false,
      reason: 'impossible-value',
      detail: expect.stringContaining('impossible value -5'),
    });
    expect(readScalar(outcome([-5]), 'finite')).toEqual({ ok: true, value: -5 });
    expect(readScalar(outcome([0]), 'non-negative')).toEqual({ ok: true, value: 0 });
  });

  it('NaN stays NaN', () => {
    expect(readScalar(outcome([Number.NaN]), 'non-negative')).toMatchObject({ ok: false, reason: 'nan' });
  });

  it('a range series with one impossible point is unusable; NaN points are dropped and counted', () => {
    expect(readPoints(outcome([100, Infinity, 90]))).toMatchObject({ ok: false, reason: 'impossible-value' });
    expect(readPoints(outcome([100, -1, 90]))).toMatchObject({ ok: false, reason: 'impossible-value' });
    expect(readPoints(outcome([100, Number.NaN, 90]))).toEqual({ ok: true, values: [100, 90], dropped: 1 });
  });
});
