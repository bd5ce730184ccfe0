import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import type { RawConfig } from '../../../src/config/schema.js';
import { checkTemplates } from '../../../src/config/template-rules.js';
import { judgePrometheusGate } from '../../../src/gates/prometheus-gate.js';
import type { GateContext } from '../../../src/gates/types.js';
import { clampTimerMs, MAX_TIMER_MS, systemClock } from '../../../src/lifecycle/clock.js';
import { renderQuery } from '../../../src/metrics/promql.js';
import { REPO_ROOT } from '../../helpers/cli.js';

const DAY = 86_400_000;
const plan = (await loadConfig({ file: 'rollout.yaml', cwd: REPO_ROOT })).config;

function problemsOf(config: RawConfig): string[] {
  const out: string[] = [];
  checkTemplates(config, (path, message) => out.push(`${path.join('.')}: ${message}`));
  return out;
}

describe('long waits never overflow the timer', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('clampTimerMs keeps delays within what setTimeout accepts', () => {
    expect(clampTimerMs(30 * DAY)).toBe(MAX_TIMER_MS);
    expect(clampTimerMs(-5)).toBe(0);
    expect(clampTimerMs(Number.NaN)).toBe(0);
    expect(clampTimerMs(1500)).toBe(1500);
  });

  it('a 30-day sleep waits 30 days (in chunks), without a TimeoutOverflowWarning', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on('warning', onWarning);
    vi.useFakeTimers({ now: 0 });
    let done = false;
    const sleeping = systemClock.sleep(30 * DAY).then(() => (done = true));
    await vi.advanceTimersByTimeAsync(MAX_TIMER_MS + 10);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(30 * DAY - (MAX_TIMER_MS + 10) - 1000);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(2000);
    await sleeping;
    expect(done).toBe(true);
    process.off('warning', onWarning);
    expect(warnings).not.toContain('TimeoutOverflowWarning');
  });
});

describe('templates render with the values each command passes', () => {
  it('the repository plan renders everywhere', () => {
    expect(problemsOf(plan)).toEqual([]);
  });

  it('a compound window (1h30m) renders and is accepted, as by Prometheus 2.42', () => {
    const config = structuredClone(plan);
    if (config.canary) config.canary.window = '1h30m';
    expect(problemsOf(config)).toEqual([]);
    expect(renderQuery('rate(x[{{window}}])', { window: '1h30m' })).toBe('rate(x[1h30m])');
  });

  it('{{release}} in a canary metric renders (escaped) for every arm and window', () => {
    const config = structuredClone(plan);
    const metric = config.canary?.metrics.find((m) => m.kind === 'ratio');
    if (metric?.kind !== 'ratio') throw new Error('the plan has a ratio metric');
    metric.events = metric.events.replace('variant="{{variant}}"', 'variant="{{variant}}",release="{{release}}"');
    expect(problemsOf(config)).toEqual([]);
  });

  it('a backtick variant inside a raw string, and a variant outside quotes, are reported at the query', () => {
    const config = structuredClone(plan);
    if (!config.canary) throw new Error('the plan has a canary section');
    config.canary.arms.baseline = 'v1`0';
    const metric = config.canary.metrics[0];
    if (metric?.kind !== 'ratio') throw new Error('the first metric is a ratio');
    metric.events = 'sum(x{v=`{{variant}}`})';
    metric.total = 'sum(x{v={{variant}}})';
    const problems = problemsOf(config);
    expect(problems.some((p) => p.startsWith('canary.metrics.0.events:') && p.includes('backtick'))).toBe(true);
    expect(problems.some((p) => p.startsWith('canary.metrics.0.total:') && p.includes('outside quotes'))).toBe(true);
  });

  it('a prometheus gate substitutes {{release}} at run time (it failed with "no value was given")', async () => {
    const ctx = {
      planDir: REPO_ROOT,
      env: {},
      clock: systemClock,
      redact: (s: string) => s,
      release: 'v2.1.0',
      phase: 'P0',
      state: null,
    } as GateContext;
    const outcome = await judgePrometheusGate(
      {
        id: 'g',
        kind: 'prometheus',
        query: 'up{release="{{release}}"}[{{window}}]',
        expect: '< 1',
        window: '1h30m',
        expectSeries: 'one',
      },
      ctx,
    );
    expect(outcome.reason).not.toBe('config');
    expect(outcome.evidence).toMatchObject({ source: 'up{release="v2.1.0"}[1h30m]' });
  });
});
