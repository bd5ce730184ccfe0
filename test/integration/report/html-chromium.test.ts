import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runReport } from '../../../src/commands/report.js';
import type { Ctx } from '../../../src/context.js';
import { createRedactor } from '../../../src/output/redact.js';
import { plainStyle } from '../../../src/output/style.js';
import { createStateStore } from '../../../src/state/factory.js';
import { tempProject } from '../../helpers/cli.js';
import { NOW, makeAuditInputs, makeState, makeWatchAuditInputs } from '../../unit/report/release-fixture.js';

// Debian's chromium; the test command installs it when missing.
const CHROMIUM = '/usr/bin/chromium';
const clock = { now: () => NOW, sleep: async () => undefined };

function makeCtx(cwd: string, env: NodeJS.ProcessEnv = {}): Ctx {
  return {
    cwd,
    env,
    clock,
    actor: 'tester',
    global: { config: 'rollout.yaml', json: false, color: false },
    progress: () => undefined,
    isTTY: false,
    redact: createRedactor(env),
  };
}

/** Headless Chromium with a throwaway profile and no network chatter; returns the serialised DOM. */
async function renderInChromium(file: string, screenshot?: string): Promise<string> {
  const profile = await mkdtemp(path.join(tmpdir(), 'rollout-chromium-'));
  try {
    const common = [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      `--user-data-dir=${profile}`,
    ];
    if (screenshot) {
      await execa(
        CHROMIUM,
        [...common, `--screenshot=${screenshot}`, '--window-size=1000,2400', pathToFileURL(file).href],
        { timeout: 90_000, reject: true },
      );
    }
    const dom = await execa(CHROMIUM, [...common, '--dump-dom', pathToFileURL(file).href], { timeout: 90_000 });
    return dom.stdout;
  } finally {
    await rm(profile, { recursive: true, force: true });
  }
}

/** Values of `attr` on every element of the DOM text matching `selectorPattern` (an opening-tag regex). */
function attributesOf(dom: string, tag: RegExp, attr: string): string[] {
  return [...dom.matchAll(tag)].map((m) => new RegExp(`${attr}="([^"]*)"`).exec(m[0])?.[1] ?? '');
}

let dir: string;

beforeAll(async () => {
  expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install chromium (scripts/test.sh does)`).toBe(true);
  dir = await tempProject();
  const store = createStateStore('file:.rollout', { cwd: dir, clock });
  const lock = await store.acquireLock({ actor: 'tester', operation: 'fixture' });
  await store.write(makeState(), { expectSerial: 0, lock });
  for (const input of [...makeAuditInputs(), ...makeWatchAuditInputs()]) await store.appendAudit(input);
  await store.releaseLock(lock);
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('rollout report --format html in headless Chromium', () => {
  let html: string;
  let dom: string;
  let shot: string;

  beforeAll(async () => {
    const outcome = await runReport({ format: 'html', out: 'report.html' }, [], makeCtx(dir));
    expect(outcome.exitCode).toBe(0);
    expect(outcome.human(plainStyle)).toContain('wrote report.html');
    const file = path.join(dir, 'report.html');
    html = await readFile(file, 'utf8');
    shot = path.join(dir, 'report.png');
    dom = await renderInChromium(file, shot);
  }, 240_000);

  it('is one self-contained file: no scripts, no external stylesheets, images or fonts', () => {
    expect(html).not.toMatch(/<script|<link|<img|<iframe|@import|url\(/i);
    expect(html).not.toMatch(/\s(src|href)=/i);
    expect(html).toContain('<style>');
  });

  it('renders the stage timeline with one bar per visit and the rollback marked', () => {
    expect(dom).toContain('class="chart timeline-chart"');
    const bars = [...dom.matchAll(/<rect class="bar"[^>]*>/g)].map((m) => m[0]);
    expect(bars).toHaveLength(8);
    expect(attributesOf(dom, /<rect class="bar"[^>]*>/g, 'data-stage')).toEqual([
      '',
      '',
      '',
      'week-1',
      'week-2',
      'week-1',
      'week-2',
      'week-3',
    ]);
    expect(attributesOf(dom, /<rect class="bar"[^>]*>/g, 'data-outcome')).toEqual([
      'advanced',
      'advanced',
      'advanced',
      'advanced',
      'rolled-back',
      'advanced',
      'advanced',
      'current',
    ]);
    const timeline = /<svg class="chart timeline-chart"[\s\S]*?<\/svg>/.exec(dom)?.[0] ?? '';
    expect(attributesOf(timeline, /<g class="rollback-marker"[^>]*>/g, 'data-at')).toEqual([
      '2026-03-20T14:00:00.000Z',
    ]);
    expect(dom).toContain('P2 · week-2 5%');
    expect(attributesOf(timeline, /<g class="legend-item"[^>]*>/g, 'data-name')).toEqual([
      'advanced',
      'rolled back',
      'completed',
      'current',
      'rollback',
    ]);
    expect(attributesOf(timeline, /<text class="rollback-label"[^>]*>/g, 'data-lane')).toEqual(['0']);
  });

  /** The rendered SVG of one metric's chart. */
  const chartOf = (metric: string) =>
    new RegExp(`<svg class="chart canary-chart" data-metric="${metric}"[\\s\\S]*?<\\/svg>`).exec(dom)?.[0] ?? '';
  const texts = (svg: string, cls: string) =>
    [...svg.matchAll(new RegExp(`<text class="${cls}"[^>]*>([^<]*)<\\/text>`, 'g'))].map((m) => m[1]);

  it('charts canary vs baseline per metric over time, stage-end analyses and watch looks together', () => {
    expect(attributesOf(dom, /<svg class="chart canary-chart"[^>]*>/g, 'data-metric')).toEqual([
      'error_rate',
      'latency_p95',
      'wizard_completion_rate',
    ]);
    expect(attributesOf(dom, /<svg class="chart canary-chart"[^>]*>/g, 'data-unit')).toEqual(['%', 'ms', '%']);
    const errorChart = chartOf('error_rate');
    const canary = /<circle class="point canary[^"]*" data-series="canary"[^>]*>/g;
    expect(attributesOf(errorChart, canary, 'data-value').map(Number)).toEqual([
      0.011, 0.0104, 0.0108, 0.0121, 0.0142, 0.031, 0.031, 0.0102, 0.0099, 0.0098,
    ]);
    expect(attributesOf(errorChart, canary, 'data-source')).toEqual([
      'stage-end',
      ...Array<string>(5).fill('watch'),
      ...Array<string>(4).fill('stage-end'),
    ]);
    // The look that caught the regression is in the chart, in the stage it was made in.
    expect(attributesOf(errorChart, canary, 'data-stage')[5]).toBe('week-2 #1 watch 5');
    expect(attributesOf(errorChart, canary, 'data-verdict')[5]).toBe('fail');
    expect(attributesOf(errorChart, /<circle class="point baseline"[^>]*>/g, 'data-value').map(Number)).toEqual(
      Array<number>(10).fill(0.01),
    );
    expect([...errorChart.matchAll(/<polyline class="line (canary|baseline)"/g)]).toHaveLength(2);
    // Points are placed by time: x grows with data-at.
    const xs = attributesOf(errorChart, canary, 'cx').map(Number);
    expect(xs).toEqual([...xs].sort((a, b) => a - b));
    // From the first evaluation (week-1's stage-end analysis, as week-2 begins) to the latest.
    expect(attributesOf(errorChart, /<g class="stage-band"[^>]*>/g, 'data-stage')).toEqual([
      'week-2',
      'week-1',
      'week-2',
      'week-3',
    ]);
  });

  it('draws the trigger and stage-end limits, the rollback moment and a y-axis in the metric unit that holds them', () => {
    const errorChart = chartOf('error_rate');
    expect(attributesOf(errorChart, /<g class="limit"[^>]*>/g, 'data-source')).toEqual(['error-rate', 'stage-end']);
    expect(attributesOf(errorChart, /<g class="limit"[^>]*>/g, 'data-factor')[0]).toBe('1.5');
    expect(attributesOf(errorChart, /<g class="limit"[^>]*>/g, 'data-value')[1]).toBe('0.02');
    expect(errorChart).toMatch(/<g class="limit" data-source="error-rate"[^>]*><title>[^<]*<\/title><polyline /);
    expect(attributesOf(errorChart, /<g class="rollback-marker"[^>]*>/g, 'data-at')).toEqual([
      '2026-03-20T14:00:00.000Z',
    ]);
    const yLabels = texts(errorChart, 'y-label');
    expect(yLabels.length).toBeGreaterThanOrEqual(3);
    expect(yLabels.every((l) => / %$/.test(l ?? ''))).toBe(true);
    // Not cropped: the ticks run from 0 to at least the highest value (3.1 %) and the limits (2 %).
    const ticks = attributesOf(errorChart, /<g class="y-tick"[^>]*>/g, 'data-value').map(Number);
    expect(ticks[0]).toBe(0);
    expect(ticks.at(-1)).toBeGreaterThanOrEqual(3.1);
    expect(texts(errorChart, 'y-title')).toEqual(['error_rate (%)']);
    expect(attributesOf(errorChart, /<g class="legend-item"[^>]*>/g, 'data-name')).toEqual([
      'canary',
      'baseline',
      'watch look',
      'limit error-rate',
      'limit stage-end',
    ]);

    const latency = chartOf('latency_p95');
    expect(attributesOf(latency, /<g class="limit"[^>]*>/g, 'data-value')).toEqual(['400']);
    const latencyTicks = attributesOf(latency, /<g class="y-tick"[^>]*>/g, 'data-value').map(Number);
    expect(latencyTicks.at(-1)).toBeGreaterThanOrEqual(400);
    expect(texts(latency, 'y-label').every((l) => / ms$/.test(l ?? ''))).toBe(true);
    expect(texts(latency, 'y-title')).toEqual(['latency_p95 (ms)']);
  });

  it('shows the delivery figures, the rollback and the override', () => {
    expect(dom).toContain('75.0 % (4 of 5 stage deployments)');
    expect(dom).toContain('50.0 % (1 rollback in 2 runs)');
    expect(dom).toMatch(/<td>Mean time to recovery<\/td><td>2m 30s<\/td>/);
    expect(dom).toContain('bake shortened: the fix was verified on the 1 % cohort');
    expect(dom).toContain('<span class="verdict-fail">fail</span>');
  });

  it('produces a screenshot', async () => {
    const png = await readFile(shot);
    expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
    expect((await stat(shot)).size).toBeGreaterThan(20_000);
  });
});

describe('rollout report (markdown, errors)', () => {
  it('prints Markdown to stdout by default and redacts secrets from reasons', async () => {
    const env = { ROLLOUT_PROMETHEUS_TOKEN: 'tok-5ecret-value-123' };
    const store = createStateStore('file:.rollout', { cwd: dir, clock });
    await store.appendAudit({ actor: 'dave', op: 'override', reason: 'used tok-5ecret-value-123 by mistake' });
    const outcome = await runReport({ format: 'md' }, [], makeCtx(dir, env));
    const text = outcome.human(plainStyle);
    expect(text).toMatch(/^# Release report v2\.1\.0/);
    expect(text).toContain('| Mean time to recovery | 2m 30s |');
    expect(text).toContain('dave');
    expect(text).not.toContain('tok-5ecret-value-123');
  });

  // An unknown --format is refused where the CLI parses it (test/unit/cli/options.test.ts).
  it('refuses a release that never started', async () => {
    const empty = await tempProject();
    try {
      await expect(runReport({ format: 'md' }, [], makeCtx(empty))).rejects.toMatchObject({ code: 'E_NO_RELEASE' });
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});
