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
  const code = await runCli(['node', 'rollout', ...args], { PATH: process.env.PATH ?? '' }, { stdout: out.stream, stderr: err.stream }, (s) => s);
  return { code, stdout: out.text(), stderr: err.text() };
}

function parsed(args: string[]): Selected {
  let selected: Selected | null = null;
  const program = buildProgram('0.0.0', (s) => (selected = s), { writeOut: () => undefined, writeErr: () => undefined });
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
  ])('%j → exit 2 naming %s', async (args, flag) => {
    const r = await run(args);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(flag);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
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

  it('choices as the chosen string, with their defaults', () => {
    expect(parsed(['rollback', '--mode', 'full']).options).toMatchObject({ mode: 'full' });
    expect(parsed(['rollback']).options.mode).toBeUndefined();
    expect(parsed(['schema']).options).toMatchObject({ format: 'json' });
    expect(parsed(['report', '--format', 'html']).options).toMatchObject({ format: 'html' });
    expect(parsed(['report']).options).toMatchObject({ format: 'md' });
  });
});
