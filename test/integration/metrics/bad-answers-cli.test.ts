import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.js';
import { answerProject, answerProjectAtStage, healthyReply, isCanary, roleOf, type QueryRole } from './answer-plan.js';
import {
  startFakePrometheus,
  vectorBody,
  type FakePrometheus,
  type FakeReply,
  type FakeRequest,
} from './fake-prometheus.js';

/**
 * The real CLI (`bin/rollout`, built into dist/) against a local server that answers what no healthy
 * Prometheus would: infinities, negative counts, HTML pages and JSON of the wrong shape, all with
 * HTTP 200. Each must end in a documented outcome (exit 3, inconclusive, the reason in words), never
 * in exit 70 and never in a pass.
 */
let fake: FakePrometheus;
let dir: string;

beforeAll(async () => {
  fake = await startFakePrometheus(healthyReply);
  dir = await answerProject();
});
afterAll(async () => {
  await fake?.stop();
});

interface MetricDoc {
  id: string;
  verdict: string;
  inconclusive?: string;
  reason: string;
}
interface AnalyzeDoc {
  exitCode: number;
  result: { verdict: string; summary: string; metrics: MetricDoc[] };
}
interface GateDoc {
  exitCode: number;
  result: { gates: Array<{ id: string; verdict: string; reason: string; summary: string }> };
}

/** Healthy answers except for the canary's queries of one role. */
function canaryAnswers(role: QueryRole, reply: FakeReply): (req: FakeRequest) => FakeReply {
  return (req) => (roleOf(req) === role && isCanary(req) ? reply : healthyReply(req));
}

async function analyze(pick: (req: FakeRequest) => FakeReply) {
  fake.answer(pick);
  const r = await runCli(['analyze', '--json', '--dry-run'], { cwd: dir, env: { ROLLOUT_PROMETHEUS_URL: fake.url } });
  expect(r.stderr).not.toMatch(/^\s+at /m);
  const doc = r.json<AnalyzeDoc>();
  return { r, doc, metric: (id: string) => doc.result.metrics.find((m) => m.id === id) };
}

async function preflight(pick: (req: FakeRequest) => FakeReply) {
  fake.answer(pick);
  const r = await runCli(['preflight', '--phase', 'P0', '--json'], {
    cwd: dir,
    env: { ROLLOUT_PROMETHEUS_URL: fake.url },
  });
  expect(r.stderr).not.toMatch(/^\s+at /m);
  const doc = r.json<GateDoc>();
  return { r, gate: doc.result.gates.find((g) => g.id === 'error-budget') };
}

describe('the healthy fake passes (so the cases below can fail for the right reason)', () => {
  it('analyze passes and the gate passes', async () => {
    const { r, doc } = await analyze(healthyReply);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(doc.result.verdict).toBe('pass');
    const g = await preflight(healthyReply);
    expect(g.r.code, g.r.stdout + g.r.stderr).toBe(0);
    expect(g.gate?.verdict).toBe('pass');
  });
});

describe('case 1: an infinite count is inconclusive with the reason, not exit 70', () => {
  it.each(['+Inf', '-Inf', '1e309', 'NaN'])(
    'canary total %s: analyze exits 3, error_rate inconclusive',
    async (value) => {
      const { r, doc, metric } = await analyze(canaryAnswers('total', { body: vectorBody([value]) }));
      expect(r.code, r.stdout + r.stderr).toBe(3);
      expect(doc.result.verdict).toBe('inconclusive');
      const m = metric('error_rate');
      expect(m?.verdict).toBe('inconclusive');
      if (value === 'NaN') expect(m?.inconclusive).toBe('nan');
      else {
        expect(m?.inconclusive).toBe('impossible-value');
        expect(m?.reason).toMatch(/^canary total: impossible value (\+Inf|-Inf)/);
      }
    },
  );

  it('baseline events +Inf: the human output names the metric, the arm and the value', async () => {
    fake.answer((req) =>
      roleOf(req) === 'events' && !isCanary(req) ? { body: vectorBody(['+Inf']) } : healthyReply(req),
    );
    const r = await runCli(['analyze', '--dry-run'], { cwd: dir, env: { ROLLOUT_PROMETHEUS_URL: fake.url } });
    expect(r.code, r.stdout + r.stderr).toBe(3);
    expect(r.stdout + r.stderr).toContain('baseline events: impossible value +Inf');
  });
});

describe('case 2: a negative value is impossible, never a pass', () => {
  it.each(['-5', '-Inf', '-0.002'])(
    'a prometheus gate "< 0.01" answered %s is inconclusive (exit 3)',
    async (value) => {
      const { r, gate } = await preflight((req) =>
        roleOf(req) === 'gate' ? { body: vectorBody([value]) } : healthyReply(req),
      );
      expect(r.code, r.stdout + r.stderr).toBe(3);
      expect(gate).toMatchObject({ verdict: 'inconclusive', reason: 'impossible-value' });
      expect(gate?.summary).toContain('impossible value');
    },
  );

  it('a canary p95 of -5 against "≤ 400" is inconclusive, not a pass', async () => {
    const { r, metric } = await analyze(canaryAnswers('p95', { body: vectorBody(['-5']) }));
    expect(r.code, r.stdout + r.stderr).toBe(3);
    expect(metric('latency_p95')).toMatchObject({ verdict: 'inconclusive', inconclusive: 'impossible-value' });
    expect(metric('latency_p95')?.reason).toMatch(/impossible value -5/);
  });

  it('a negative canary count (-5 events) is inconclusive', async () => {
    const { r, metric } = await analyze(canaryAnswers('events', { body: vectorBody(['-5']) }));
    expect(r.code, r.stdout + r.stderr).toBe(3);
    expect(metric('error_rate')).toMatchObject({ verdict: 'inconclusive', inconclusive: 'impossible-value' });
  });

  it('a negative interval in the canary latency series is inconclusive, not dropped', async () => {
    const body = JSON.stringify({
      status: 'success',
      data: {
        resultType: 'matrix',
        result: [
          {
            metric: {},
            values: Array.from({ length: 30 }, (_, i) => [1_700_000_000 + 60 * i, i === 7 ? '-3' : '100']),
          },
        ],
      },
    });
    const { metric } = await analyze(canaryAnswers('median', { body }));
    expect(metric('latency')).toMatchObject({ verdict: 'inconclusive', inconclusive: 'impossible-value' });
  });
});

describe('case 3: an unreadable HTTP 200 says what was wrong', () => {
  const cases: Array<[string, FakeReply, RegExp]> = [
    [
      'an HTML page',
      { body: '<html><body>Sign in</body></html>', contentType: 'text/html' },
      /the body is not JSON: Unexpected token/,
    ],
    ['truncated JSON', { body: '{"status":"success","data":{"resultType":"vector","res' }, /the body is not JSON/],
    [
      'data.result missing',
      { body: JSON.stringify({ status: 'success', data: { resultType: 'vector' } }) },
      /data\.result is missing/,
    ],
    [
      'a matrix shape under a vector type',
      {
        body: JSON.stringify({
          status: 'success',
          data: { resultType: 'vector', result: [{ metric: {}, values: [[1, '1']] }] },
        }),
      },
      /data\.result\[0\]\.value is missing/,
    ],
    ['an empty body', { body: '' }, /the body is empty/],
  ];

  it.each(cases)(
    'preflight: %s is inconclusive (exit 3) with the problem, not "HTTP 200" alone',
    async (_name, reply, problem) => {
      const { r, gate } = await preflight((req) => (roleOf(req) === 'gate' ? reply : healthyReply(req)));
      expect(r.code, r.stdout + r.stderr).toBe(3);
      expect(gate).toMatchObject({ verdict: 'inconclusive', reason: 'malformed' });
      expect(gate?.summary).toMatch(problem);
      expect(gate?.summary).toMatch(/^Prometheus answered HTTP 200 with an unreadable body: /);
      expect(gate?.summary.length).toBeLessThan(300);
    },
  );

  it('analyze: an HTML page for the canary total is a query error naming the problem', async () => {
    const { r, metric } = await analyze(
      canaryAnswers('total', { body: `<html>${'x'.repeat(5000)}</html>`, contentType: 'text/html' }),
    );
    expect(r.code, r.stdout + r.stderr).toBe(3);
    expect(metric('error_rate')).toMatchObject({ verdict: 'inconclusive', inconclusive: 'query-error' });
    expect(metric('error_rate')?.reason).toMatch(/unreadable body: the body is not JSON/);
    expect(metric('error_rate')?.reason).not.toContain('x'.repeat(200));
  });
});

describe('case 1 through advance: the step is not taken and nothing crashes', () => {
  it('an infinite canary total makes advance inconclusive (exit 3), the flag unchanged', async () => {
    const stage = await answerProjectAtStage();
    const before = await readFile(path.join(stage, 'flags/flags.json'), 'utf8');
    fake.answer(canaryAnswers('total', { body: vectorBody(['+Inf']) }));
    const r = await runCli(['advance', '--json'], { cwd: stage, env: { ROLLOUT_PROMETHEUS_URL: fake.url } });
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(r.code, r.stdout + r.stderr).toBe(3);
    expect(r.stdout).toContain('impossible value +Inf');
    const status = await runCli(['status', '--json'], { cwd: stage });
    expect(status.json()).toMatchObject({
      result: { stage: { id: 's1' }, flags: { 'reserves_v1.1': { percent: 10 } } },
    });
    expect(await readFile(path.join(stage, 'flags/flags.json'), 'utf8')).toBe(before);
  });
});

describe('slow and huge bodies through the CLI', () => {
  it('a body trickled slower than the 1 s deadline is a timeout that leaves no time for a retry (exit 3)', async () => {
    const quick = await answerProject({ timeout: '1s', retries: 1 });
    fake.answer((req) =>
      roleOf(req) === 'gate' ? { body: vectorBody(['0.001']), trickle: { bytes: 1, everyMs: 100 } } : healthyReply(req),
    );
    const asked = fake.exchanges.length;
    const r = await runCli(['preflight', '--phase', 'P0', '--json'], {
      cwd: quick,
      env: { ROLLOUT_PROMETHEUS_URL: fake.url },
    });
    expect(r.code, r.stdout + r.stderr).toBe(3);
    expect(r.json<GateDoc>().result.gates[0]).toMatchObject({ verdict: 'inconclusive', reason: 'timeout' });
    // The deadline covers the retry too: the one trickled attempt used all of it, so no retry was started
    // (the whole body takes far longer than the deadline, so only the deadline can have ended it).
    const gateAsks = fake.exchanges.slice(asked).filter((x) => roleOf(x.request) === 'gate');
    expect(gateAsks).toHaveLength(1);
  });

  it('a 3 MB answer is read and judged; a 3 MB HTML page is malformed with a short summary', async () => {
    const pad = 'x'.repeat(3 * 1024 * 1024);
    const big = JSON.stringify({
      status: 'success',
      data: { resultType: 'vector', result: [{ metric: { pad }, value: [1_700_000_000, '0.001'] }] },
    });
    const ok = await preflight((req) => (roleOf(req) === 'gate' ? { body: big } : healthyReply(req)));
    expect(ok.r.code, ok.r.stderr).toBe(0);
    const html = await preflight((req) =>
      roleOf(req) === 'gate' ? { body: `<html>${pad}</html>`, contentType: 'text/html' } : healthyReply(req),
    );
    expect(html.r.code).toBe(3);
    expect(html.gate).toMatchObject({ verdict: 'inconclusive', reason: 'malformed' });
    expect(html.gate?.summary.length).toBeLessThan(300);
  });
});

describe('record and replay keep impossible and malformed answers as they were', () => {
  it('a recorded +Inf total and HTML p95 replay to the same inconclusive verdict', async () => {
    const file = path.join(dir, 'bad-answers.recording.json');
    fake.answer((req) =>
      roleOf(req) === 'total' && isCanary(req)
        ? { body: vectorBody(['+Inf']) }
        : roleOf(req) === 'p95' && isCanary(req)
          ? { body: '<html>login</html>', contentType: 'text/html' }
          : healthyReply(req),
    );
    const live = await runCli(['analyze', '--json', '--dry-run', '--record', file], {
      cwd: dir,
      env: { ROLLOUT_PROMETHEUS_URL: fake.url },
    });
    expect(live.code, live.stdout + live.stderr).toBe(3);
    const replayed = await runCli(['analyze', '--json', '--dry-run', '--replay', file], { cwd: dir });
    expect(replayed.code, replayed.stdout + replayed.stderr).toBe(3);
    const reasons = (r: typeof live) =>
      r.json<AnalyzeDoc>().result.metrics.map((m) => [m.id, m.verdict, m.inconclusive, m.reason]);
    expect(reasons(replayed)).toEqual(reasons(live));
    expect(JSON.stringify(reasons(replayed))).toContain('unreadable body: the body is not JSON');
  });
});
