import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { buildProgram, type Selected } from '../../../src/cli.js';
import { runCli } from '../../../src/main.js';

/** Options are parsed where commander reads them: a bad value is exit 2 naming the flag, before any handler loads. */
function sink() {
  let text = '';
  const stream = new Writable({ write: (chunk, _enc, done) => ((text += String(chunk)), done()) });
  return { stream, text: () => text };
}

async function run(args: string[]) {
  const out = sink();
  const err = sink();
  const code = await runCli(
    ['node', 'rollout', ...args],
    { PATH: process.env.PATH ?? '' },
    { stdout: out.stream, stderr: err.stream },
    (s) => s,
  );
  return { code, stdout: out.text(), stderr: err.text() };
}

function parsed(args: string[]): Selected {
  let selected: Selected | null = null;
  const program = buildProgram('0.0.0', (s) => (selected = s), {
    writeOut: () => undefined,
    writeErr: () => undefined,
  });
  program.parse(['node', 'rollout', ...args]);
  if (!selected) throw new Error(`no command selected for ${args.join(' ')}`);
  return selected;
}

describe('bad option values are usage errors that name the flag', () => {
  it.each([
    [['log', '--limit', 'abc'], '--limit'],
    [['log', '--limit', '0'], '--limit'],
    [['log', '--limit', '1.5'], '--limit'],
    [['log', '--limit', '1e3'], '--limit'],
    [['status', '--history', 'abc'], '--history'],
    [['status', '--history', '-1'], '--history'],
    [['verify', '--runs', '0'], '--runs'],
    [['verify', '--seed', 'x'], '--seed'],
    [['verify', '--model', 'v2'], '--model'],
    [['verify', '--engine', 'rockets'], '--engine'],
    [['rollback', '--mode', 'sideways'], '--mode'],
    [['schema', '--format', 'yaml'], '--format'],
    [['report', '--format', 'pdf'], '--format'],
    [['watch', '--metrics-port', '70000'], '--metrics-port'],
    [['watch', '--metrics-port', 'http'], '--metrics-port'],
    [['demo', '--seed', '4294967296'], '--seed'],
    [['simulate', '--stages', '0'], '--stages'],
    [['simulate', '--looks', 'many'], '--looks'],
    [['simulate', '--requests-per-look', '0'], '--requests-per-look'],
    [['simulate', '--seed', '1.5'], '--seed'],
    [['simulate', '--scenario', 'ab'], '--scenario'],
    [['simulate', '--effect', '0.5'], '--effect'],
    [['simulate', '--effect', '0x2'], '--effect'],
    [['simulate', '--effect', 'Infinity'], '--effect'],
    [['simulate', '--baseline-rate', '1'], '--baseline-rate'],
    [['simulate', '--baseline-rate', 'NaN'], '--baseline-rate'],
    [['simulate', '--baseline-rate', ''], '--baseline-rate'],
    [['simulate', '--canary-rate', '-0.1'], '--canary-rate'],
    [['simulate', '--overdispersion', '0.5'], '--overdispersion'],
    [['simulate', '--autocorrelation', '1'], '--autocorrelation'],
    [['analyze', '--window', '0s'], '--window'],
    [['analyze', '--window', '31d'], '--window'],
    [['analyze', '--window', '1 h'], '--window'],
    [['analyze', '--window', '99999999999999999999d'], '--window'],
    [['watch', '--for', '0s'], '--for'],
    [['watch', '--for', 'soon'], '--for'],
    [['watch', '--interval', '999ms'], '--interval'],
    [['watch', '--interval', '-1s'], '--interval'],
    [['status', '--watch', '--interval', '2h'], '--interval'],
    [['status', '--watch', '--interval', '0s'], '--interval'],
  ])('%j → exit 2 naming %s', async (args, flag) => {
    const r = await run(args);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(flag);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it("the message is commander's, naming the option and saying what it expects", async () => {
    const r = await run(['simulate', '--effect', '0.5']);
    expect(r.stderr).toContain("option '--effect <x>' argument '0.5' is invalid. Expected a relative effect above 1");
    expect((await run(['analyze', '--window', '31d'])).stderr).toContain(
      "option '--window <duration>' argument '31d' is invalid. Expected a duration from 1s to 30d",
    );
  });

  it('with --json the refusal is one JSON document with E_USAGE', async () => {
    const r = await run(['log', '--json', '--limit', 'abc']);
    expect(r.code).toBe(2);
    const doc = JSON.parse(r.stdout) as { ok: boolean; exitCode: number; error: { code: string; message: string } };
    expect(doc).toMatchObject({ ok: false, exitCode: 2, error: { code: 'E_USAGE' } });
    expect(doc.error.message).toContain('--limit');
  });
});

describe('handlers receive parsed values', () => {
  it('numbers as numbers, with their defaults', () => {
    expect(parsed(['log', '--limit', '7']).options).toMatchObject({ limit: 7 });
    expect(parsed(['log']).options).toMatchObject({ limit: 20 });
    expect(parsed(['status']).options).toMatchObject({ history: 5 });
    expect(parsed(['status', '--history', '0']).options).toMatchObject({ history: 0 });
    expect(parsed(['verify', '--runs', '50', '--seed', '-42']).options).toMatchObject({ runs: 50, seed: -42 });
    expect(parsed(['watch', '--metrics-port', '0']).options).toMatchObject({ metricsPort: 0 });
    expect(parsed(['demo', '--seed', '4294967295']).options).toMatchObject({ seed: 4294967295 });
  });

  it('simulate: whole numbers and rates as numbers, with their defaults; absent rates stay absent', () => {
    expect(parsed(['simulate']).options).toMatchObject({ stages: 1000, looks: 60, seed: 1 });
    const none = parsed(['simulate']).options;
    for (const key of [
      'scenario',
      'requestsPerLook',
      'baselineRate',
      'effect',
      'canaryRate',
      'overdispersion',
      'autocorrelation',
    ])
      expect(none[key], key).toBeUndefined();
    expect(
      parsed(['simulate', '--stages', '300', '--looks', '1', '--requests-per-look', '200', '--seed', '-7']).options,
    ).toMatchObject({ stages: 300, looks: 1, requestsPerLook: 200, seed: -7 });
    expect(parsed(['simulate', '--baseline-rate', '2e-2', '--canary-rate', '0.03']).options).toMatchObject({
      baselineRate: 0.02,
      canaryRate: 0.03,
    });
    expect(
      parsed(['simulate', '--effect', '1.5', '--overdispersion', '1', '--autocorrelation', '0']).options,
    ).toMatchObject({ effect: 1.5, overdispersion: 1, autocorrelation: 0 });
    expect(parsed(['simulate', '--scenario', 'regression']).options).toMatchObject({ scenario: 'regression' });
  });

  it('durations as written, once in range (handlers pass them on, e.g. into PromQL)', () => {
    expect(parsed(['analyze', '--window', '1h30m']).options).toMatchObject({ window: '1h30m' });
    expect(parsed(['analyze', '--window', '30d']).options).toMatchObject({ window: '30d' });
    expect(parsed(['analyze', '--window', '1s']).options).toMatchObject({ window: '1s' });
    expect(parsed(['watch', '--for', '1ms', '--interval', '1s']).options).toMatchObject({ for: '1ms', interval: '1s' });
    expect(parsed(['watch']).options.interval).toBeUndefined(); // the plan's watch.interval then
    expect(parsed(['status', '--watch']).options).toMatchObject({ interval: '5s' });
    expect(parsed(['status', '--watch', '--interval', '1h']).options).toMatchObject({ interval: '1h' });
  });

  it('switches as booleans, variadic options as lists, text as text', () => {
    expect(
      parsed(['advance', '--override', '--reason', 'r', '--accept-config-change', '--dry-run']).options,
    ).toMatchObject({ override: true, reason: 'r', acceptConfigChange: true, dryRun: true });
    expect(parsed(['preflight', '--phase', 'P1', '--only', 'a', 'b,c', '--junit', 'j.xml']).options).toMatchObject({
      phase: 'P1',
      only: ['a', 'b,c'],
      junit: 'j.xml',
    });
    expect(
      parsed(['flags', 'eval', 'f', '--key', 'u1', '--group', 'beta', '--attr', 'plan=pro']).options,
    ).toMatchObject({ key: 'u1', group: ['beta'], attr: ['plan=pro'] });
    expect(parsed(['runbook', 'run', 'x', '--yes']).options).toMatchObject({ yes: true });
    expect(parsed(['state', 'migrate', '--from', 'file:a', '--to', 'file:b', '--force']).options).toMatchObject({
      from: 'file:a',
      to: 'file:b',
      force: true,
    });
    expect(parsed(['state', 'repair', '--write', '--reason', 'r']).options).toMatchObject({ write: true, reason: 'r' });
    expect(parsed(['validate', '--no-cache']).options).toMatchObject({ cache: false });
  });

  it('choices as the chosen string, with their defaults', () => {
    expect(parsed(['rollback', '--mode', 'full']).options).toMatchObject({ mode: 'full' });
    expect(parsed(['rollback']).options.mode).toBeUndefined();
    expect(parsed(['schema']).options).toMatchObject({ format: 'json' });
    expect(parsed(['report', '--format', 'html']).options).toMatchObject({ format: 'html' });
    expect(parsed(['report']).options).toMatchObject({ format: 'md' });
  });
});
