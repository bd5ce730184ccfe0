import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrometheusSource } from '../../../src/metrics/prometheus.js';
import { renderQuery } from '../../../src/metrics/promql.js';
import type { MetricsSource, QueryOutcome } from '../../../src/metrics/types.js';
import { startPrometheus } from '../../helpers/prometheus.js';
import type { PrometheusInstance } from '../../helpers/prometheus.js';
import { ERROR_RATIO, MIN_AVAILABILITY, P95, WEIRD_NAME, buildTraffic, fixtureEnd } from './fixtures.js';

let prom: PrometheusInstance;
let source: MetricsSource;
let endS: number;

beforeAll(async () => {
  endS = fixtureEnd();
  prom = await startPrometheus({ series: buildTraffic(endS) });
  source = createPrometheusSource({ url: prom.url, env: {} });
});

afterAll(async () => {
  await prom?.stop();
});

/** The single value of an `ok` outcome; fails the test for any other kind. */
function valueOf(outcome: QueryOutcome): number {
  expect(outcome.kind, JSON.stringify(outcome).slice(0, 400)).toBe('ok');
  if (outcome.kind !== 'ok') return Number.NaN;
  expect(outcome.series).toHaveLength(1);
  return outcome.series[0]?.values[0]?.v ?? Number.NaN;
}

const at = (): Date => new Date(endS * 1000);

describe('error ratio from counters', () => {
  it('is just under 1 % for 0.99 % errors and just over for 1.01 %', async () => {
    const under = await source.instant(renderQuery(ERROR_RATIO, { service: 'under', window: '5m' }), {
      time: at(),
      maxSeries: 1,
    });
    const over = await source.instant(renderQuery(ERROR_RATIO, { service: 'over', window: '5m' }), {
      time: at(),
      maxSeries: 1,
    });
    expect(valueOf(under)).toBeCloseTo(0.0099, 6);
    expect(valueOf(over)).toBeCloseTo(0.0101, 6);
    expect(valueOf(under)).toBeLessThan(0.01);
    expect(valueOf(over)).toBeGreaterThan(0.01);
    expect(under.attempts).toBe(1);
  });

  it('is NaN (a distinct outcome) when there was no traffic: 0/0', async () => {
    const idle = await source.instant(renderQuery(ERROR_RATIO, { service: 'idle', window: '5m' }), { time: at() });
    expect(idle.kind).toBe('nan');
    if (idle.kind === 'nan') expect(Number.isNaN(idle.series[0]?.values[0]?.v)).toBe(true);
  });

  it('is empty (not zero, not NaN) for a service that has no series', async () => {
    const ghost = await source.instant(renderQuery(ERROR_RATIO, { service: 'ghost', window: '5m' }), { time: at() });
    expect(ghost.kind).toBe('empty');
  });
});

describe('48 h window with min_over_time over a subquery', () => {
  it('stays green for 48 h of 0.2 % errors', async () => {
    const green = await source.instant(renderQuery(MIN_AVAILABILITY, { service: 'green', window: '48h' }), {
      time: at(),
      maxSeries: 1,
    });
    expect(valueOf(green)).toBeCloseTo(0.998, 6);
  });

  it('catches one red hour at 5 % errors a day ago', async () => {
    const red = await source.instant(renderQuery(MIN_AVAILABILITY, { service: 'red', window: '48h' }), {
      time: at(),
      maxSeries: 1,
    });
    expect(valueOf(red)).toBeCloseTo(0.95, 6);
    expect(valueOf(red)).toBeLessThan(0.99);
  });

  it('answers a range query with one point per step', async () => {
    const query = renderQuery(ERROR_RATIO, { service: 'red', window: '5m' });
    const outcome = await source.range(query, { start: new Date((endS - 3600) * 1000), end: at(), stepSeconds: 300 });
    expect(outcome.kind).toBe('ok');
    if (outcome.kind !== 'ok') return;
    expect(outcome.resultType).toBe('matrix');
    expect(outcome.series[0]?.values).toHaveLength(13);
    for (const sample of outcome.series[0]?.values ?? []) expect(sample.v).toBeCloseTo(0.002, 6);
  });
});

describe('p95 latency from a histogram', () => {
  it('is 350 ms (under 400) for "fast" and 750 ms (over 400) for "slow"', async () => {
    const fast = await source.instant(renderQuery(P95, { service: 'fast', window: '10m' }), {
      time: at(),
      maxSeries: 1,
    });
    const slow = await source.instant(renderQuery(P95, { service: 'slow', window: '10m' }), {
      time: at(),
      maxSeries: 1,
    });
    // 90 of 100 observations ≤ 0.3 s and the rest in the next bucket: rank 95 interpolates linearly.
    expect(valueOf(fast)).toBeCloseTo(0.35, 6);
    expect(valueOf(slow)).toBeCloseTo(0.75, 6);
  });
});

describe('shapes the caller did not ask for', () => {
  it('reports too-many-series instead of picking one', async () => {
    const outcome = await source.instant('sum by (service) (rate(http_requests_total[5m]))', {
      time: at(),
      maxSeries: 1,
    });
    expect(outcome.kind).toBe('too-many-series');
    if (outcome.kind === 'too-many-series') {
      expect(outcome.expected).toBe(1);
      expect(outcome.count).toBe(5);
    }
  });

  it('returns all series when no maximum is given', async () => {
    const outcome = await source.instant('sum by (service) (rate(http_requests_total[5m]))', { time: at() });
    expect(outcome.kind).toBe('ok');
    if (outcome.kind === 'ok')
      expect(outcome.series.map((s) => s.labels.service).sort()).toEqual(['green', 'idle', 'over', 'red', 'under']);
  });

  it('keeps +Inf as Infinity (the client library alone would turn it into NaN)', async () => {
    const outcome = await source.instant('1/0');
    expect(outcome.kind).toBe('ok');
    if (outcome.kind === 'ok') {
      expect(outcome.resultType).toBe('scalar');
      expect(outcome.series[0]?.values[0]?.v).toBe(Number.POSITIVE_INFINITY);
    }
    const vector = await source.instant('vector(-1)/0');
    expect(vector.kind === 'ok' && vector.series[0]?.values[0]?.v).toBe(Number.NEGATIVE_INFINITY);
  });

  it('reports a scalar NaN as nan', async () => {
    expect((await source.instant('0/0')).kind).toBe('nan');
  });

  it('reports a syntax error as bad-query with Prometheus’ message, without retrying', async () => {
    const outcome = await source.instant('sum(rate(http_requests_total[5m])');
    expect(outcome.kind).toBe('bad-query');
    if (outcome.kind === 'bad-query') {
      expect(outcome.status).toBe(400);
      expect(outcome.errorType).toBe('bad_data');
      expect(outcome.error).toMatch(/parse error/);
    }
    expect(outcome.attempts).toBe(1);
  });
});

describe('interpolated values cannot change the query', () => {
  const injections = [
    '"} or vector(1) #',
    '"}) or vector(1) or sum({a="',
    '\\"} or vector(1) #',
    "'} or vector(1)",
    'x"\n} or vector(1) #',
  ];

  it.each(injections)('treats %j as a label value that matches nothing', async (value) => {
    for (const template of ['probe_value{name="{{name}}"}', 'sum(probe_value{name="{{name}}"})']) {
      const outcome = await source.instant(renderQuery(template, { name: value }), { time: at() });
      expect(outcome.kind).toBe('empty');
    }
  });

  it('would have been injected without escaping (control: the test above can fail)', async () => {
    const naive = 'probe_value{name="{{name}}"}'.replace('{{name}}', '"} or vector(1) #');
    const outcome = await source.instant(naive, { time: at() });
    expect(outcome.kind === 'ok' && outcome.series[0]?.values[0]?.v).toBe(1);
  });

  it('matches a label value with quotes, a backslash and a newline exactly', async () => {
    const outcome = await source.instant(renderQuery('probe_value{name="{{name}}"}', { name: WEIRD_NAME }), {
      time: at(),
    });
    expect(outcome.kind).toBe('ok');
    if (outcome.kind === 'ok') {
      expect(outcome.series.map((s) => s.labels.name)).toEqual([WEIRD_NAME]);
      expect(outcome.series[0]?.values[0]?.v).toBe(WEIRD_NAME.length);
    }
  });

  it('round-trips arbitrary strings through Prometheus’ own parser (property, 100 runs)', async () => {
    // label_replace copies the parsed literal into a label, so Prometheus tells us what it read.
    // `$` is left out: label_replace expands `$1` in its replacement, which is its semantics, not parsing.
    const value = fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }).filter((v) => !v.includes('$'));
    await fc.assert(
      fc.asyncProperty(value, async (v) => {
        const query = renderQuery('label_replace(vector(1), "out", "{{v}}", "", "")', { v });
        const outcome = await source.instant(query);
        expect(outcome.kind).toBe('ok');
        expect(outcome.kind === 'ok' && outcome.series[0]?.labels.out).toBe(v);
      }),
      { numRuns: 100 },
    );
  });

  it('makes a value after =~ match literally (a.c does not match abc)', async () => {
    const outcome = await source.instant(renderQuery('probe_value{name=~"{{name}}"}', { name: 'a.c' }), { time: at() });
    expect(outcome.kind === 'ok' && outcome.series.map((s) => s.labels.name)).toEqual(['a.c']);
  });
});

describe('preflight and credentials', () => {
  it('checkOnline sees vector(1) == 1', async () => {
    const result = await source.checkOnline();
    expect(result.online).toBe(true);
  });

  it('sends basic auth from the URL but never shows it', async () => {
    const withUser = createPrometheusSource({
      url: prom.url.replace('http://', 'http://reader:s3cret-pass@'),
      env: {},
    });
    const outcome = await withUser.instant('vector(1)');
    expect(outcome.kind).toBe('ok');
    expect(JSON.stringify(outcome)).not.toContain('s3cret-pass');
    expect(outcome.url).toBe(`${prom.url}/`);
    expect(withUser.description).not.toContain('reader');
  });
});
