import fc from 'fast-check';
import type { FakeReply } from './fake-prometheus.js';

/**
 * Arbitrary answers of a metrics source, each labelled with what a correct caller may conclude:
 * `usable` — a well-formed success answer of possible values, delivered in time (a pass is allowed);
 * `unusable` — missing, impossible, malformed, an error or too slow (a pass is a defect);
 * `either` — odd but legitimate (a matrix for an instant query, empty events in a watch look): no claim.
 */
export type Usability = 'usable' | 'unusable' | 'either';

export interface FuzzReply {
  reply: FakeReply;
  usable: Usability;
  /** A short description for the counterexample printed on failure. */
  label: string;
}

export type Shape = 'instant' | 'range';

const T0 = 1_700_000_000;
const vector = (values: string[]) =>
  JSON.stringify({
    status: 'success',
    data: { resultType: 'vector', result: values.map((v, i) => ({ metric: { i: String(i) }, value: [T0, v] })) },
  });
const matrix = (series: string[][]) =>
  JSON.stringify({
    status: 'success',
    data: {
      resultType: 'matrix',
      result: series.map((values, i) => ({ metric: { i: String(i) }, values: values.map((v, j) => [T0 + 60 * j, v]) })),
    },
  });
const scalar = (v: string) => JSON.stringify({ status: 'success', data: { resultType: 'scalar', result: [T0, v] } });

/** Values a count, rate or latency can take, written as Prometheus writes them. */
const possibleValue = fc.oneof(
  fc.nat({ max: 50_000 }).map(String),
  fc.double({ min: 0, max: 1e6, noNaN: true, noDefaultInfinity: true }).map((x) => String(x)),
  fc.constantFrom('0', '1e-9', '12000', '1.5e3'),
);

/** Values no count, rate or latency can take. */
const impossibleValue = fc.oneof(
  fc.constantFrom('+Inf', '-Inf', '1e309', '-1e309', 'Inf', '-5', '-0.001'),
  fc.double({ max: -1e-12, noNaN: true }).map((x) => (x === -Infinity ? '-Inf' : String(x))),
);

/** Finite but absurd: beyond 2^53 (not a count any more) or near Number.MAX_VALUE (sums overflow). */
const absurdValue = fc.constantFrom('1e300', '1.7976931348623157e+308', '9007199254740993', '4.9e-324');

/** A value Prometheus never writes at all. */
const unreadableValue = fc.constantFrom('', 'abc', '0x10', ' 1', '1,5', 'null', 'infinity');

const garbage: fc.Arbitrary<FuzzReply> = fc.oneof(
  fc.string({ maxLength: 200 }).map((s) => ({ reply: { body: s }, usable: 'unusable' as const, label: 'random text' })),
  fc
    .jsonValue({ maxDepth: 4 })
    .map((j) => ({ reply: { body: JSON.stringify(j) }, usable: 'unusable' as const, label: 'random JSON' })),
  fc.constant({
    reply: { body: '<!doctype html><html><body><h1>Sign in</h1></body></html>', contentType: 'text/html' },
    usable: 'unusable' as const,
    label: 'HTML page',
  }),
  fc.tuple(fc.nat({ max: 60 }), possibleValue).map(([k, v]) => {
    const full = vector([v]);
    return {
      reply: { body: full.slice(0, Math.min(k, full.length - 1)) },
      usable: 'unusable' as const,
      label: `JSON truncated at ${k}`,
    };
  }),
  fc
    .constantFrom(
      JSON.stringify({ status: 'success', data: { resultType: 'vector' } }),
      JSON.stringify({
        status: 'success',
        data: { resultType: 'vector', result: [{ metric: {}, values: [[T0, '1']] }] },
      }),
      JSON.stringify({ status: 'success', data: { resultType: 'matrix', result: [{ metric: {}, value: [T0, '1'] }] } }),
      JSON.stringify({ status: 'success', data: { resultType: 'scalar', result: [T0] } }),
      JSON.stringify({ status: 'success', data: { resultType: 'string', result: [T0, 'hello'] } }),
      JSON.stringify({ status: 'success', data: { resultType: 'table', result: [] } }),
      JSON.stringify({ status: 'error', errorType: 'execution', error: 'boom' }),
      JSON.stringify({ status: 'success', data: null }),
      'null',
      '[]',
    )
    .map((body) => ({ reply: { body }, usable: 'unusable' as const, label: `wrong shape ${body.slice(0, 60)}` })),
);

/** A few megabytes: a usable answer padded with a huge label, or a huge page of noise. */
const huge: fc.Arbitrary<FuzzReply> = fc.tuple(fc.boolean(), fc.integer({ min: 2, max: 4 })).map(([useful, mb]) => {
  const pad = 'x'.repeat(mb * 1024 * 1024);
  return useful
    ? {
        reply: {
          body: JSON.stringify({
            status: 'success',
            data: { resultType: 'vector', result: [{ metric: { pad }, value: [T0, '100'] }] },
          }),
        },
        usable: 'usable' as const,
        label: `${mb} MB vector`,
      }
    : {
        reply: { body: `<html>${pad}</html>`, contentType: 'text/html' },
        usable: 'unusable' as const,
        label: `${mb} MB HTML`,
      };
});

function wellFormed(shape: Shape): fc.Arbitrary<FuzzReply> {
  const usableOne =
    shape === 'instant'
      ? fc.oneof(
          possibleValue.map((v) => ({ reply: { body: vector([v]) }, usable: 'usable' as const, label: `vector ${v}` })),
          possibleValue.map((v) => ({ reply: { body: scalar(v) }, usable: 'usable' as const, label: `scalar ${v}` })),
        )
      : fc
          .array(fc.oneof({ weight: 9, arbitrary: possibleValue }, { weight: 1, arbitrary: fc.constant('NaN') }), {
            minLength: 0,
            maxLength: 40,
          })
          .map((vs) => ({ reply: { body: matrix([vs]) }, usable: 'usable' as const, label: `matrix of ${vs.length}` }));
  const impossible =
    shape === 'instant'
      ? impossibleValue.map((v) => ({
          reply: { body: vector([v]) },
          usable: 'unusable' as const,
          label: `vector ${v}`,
        }))
      : fc
          .tuple(fc.array(possibleValue, { minLength: 10, maxLength: 30 }), impossibleValue, fc.nat())
          .map(([vs, bad, at]) => {
            vs.splice(at % (vs.length + 1), 0, bad);
            return { reply: { body: matrix([vs]) }, usable: 'unusable' as const, label: `matrix with ${bad}` };
          });
  return fc.oneof(
    { weight: 6, arbitrary: usableOne },
    { weight: 3, arbitrary: impossible },
    {
      weight: 1,
      arbitrary: fc.constant({ reply: { body: vector(['NaN']) }, usable: 'unusable' as const, label: 'vector NaN' }),
    },
    // No claim about the verdict on absurd values, only that they end in a documented outcome.
    {
      weight: 1,
      arbitrary:
        shape === 'instant'
          ? absurdValue.map((v) => ({ reply: { body: vector([v]) }, usable: 'either' as const, label: `vector ${v}` }))
          : fc.tuple(fc.array(fc.oneof(possibleValue, absurdValue), { minLength: 8, maxLength: 30 })).map(([vs]) => ({
              reply: { body: matrix([vs]) },
              usable: 'either' as const,
              label: 'matrix with absurd values',
            })),
    },
    {
      weight: 1,
      arbitrary: fc.constant({ reply: { body: vector([]) }, usable: 'unusable' as const, label: 'empty vector' }),
    },
    {
      weight: 1,
      arbitrary: fc.constant({ reply: { body: matrix([]) }, usable: 'unusable' as const, label: 'empty matrix' }),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(possibleValue, possibleValue)
        .map(([a, b]) => ({ reply: { body: vector([a, b]) }, usable: 'unusable' as const, label: 'two series' })),
    },
    {
      weight: 1,
      arbitrary: unreadableValue.map((v) => ({
        reply: { body: vector([v]) },
        usable: 'unusable' as const,
        label: `value ${JSON.stringify(v)}`,
      })),
    },
    // An instant query answered with a matrix (a range selector) or a range query with a vector: legitimate shapes, no claim.
    {
      weight: 1,
      arbitrary: fc.array(possibleValue, { minLength: 1, maxLength: 5 }).map((vs) => ({
        reply: { body: shape === 'instant' ? matrix([vs]) : vector([vs[0] as string]) },
        usable: 'either' as const,
        label: 'other result type',
      })),
    },
  );
}

const errorStatus: fc.Arbitrary<FuzzReply> = fc
  .tuple(
    fc.constantFrom(204, 301, 400, 401, 403, 404, 422, 429, 500, 502, 503, 504),
    fc.constantFrom(
      '',
      '<html>error</html>',
      '{"status":"error","errorType":"timeout","error":"query timed out"}',
      '{"status":"error","errorType":"bad_data","error":"parse error"}',
    ),
  )
  .map(([status, body]) => ({
    reply: { status, body },
    usable: 'unusable' as const,
    label: `HTTP ${status} ${body.slice(0, 30)}`,
  }));

/** Delivery faults: a body cut in the middle, trickled slower than any deadline, or never sent. */
const slow: fc.Arbitrary<FuzzReply> = fc.oneof(
  fc.nat({ max: 40 }).map((k) => ({
    reply: { body: vector(['1']), cutAfter: k },
    usable: 'unusable' as const,
    label: `connection dropped after ${k} bytes`,
  })),
  fc.constant({
    reply: { body: vector(['1']), trickle: { bytes: 1, everyMs: 200 } },
    usable: 'unusable' as const,
    label: 'trickled 5 bytes a second',
  }),
  fc.constant({ reply: { hang: true }, usable: 'unusable' as const, label: 'no answer' }),
);

/** One reply for a query of the given shape; slow and huge ones are rare so a run stays short. */
export function fuzzReply(shape: Shape): fc.Arbitrary<FuzzReply> {
  return fc.oneof(
    { weight: 60, arbitrary: wellFormed(shape) },
    { weight: 15, arbitrary: garbage },
    { weight: 10, arbitrary: errorStatus },
    { weight: 2, arbitrary: slow },
    // A vector, however large, is not a range answer: no claim for range queries.
    {
      weight: 1,
      arbitrary:
        shape === 'instant'
          ? huge
          : huge.map((r) => ({ ...r, usable: r.usable === 'usable' ? ('either' as const) : r.usable })),
    },
  );
}
