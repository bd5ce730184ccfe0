import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runRunbookWith } from '../../../src/commands/runbook.js';
import type { Ctx } from '../../../src/context.js';
import { systemClock } from '../../../src/lifecycle/clock.js';
import { execStep } from '../../../src/runbooks/exec-step.js';
import { parseRunbook } from '../../../src/runbooks/parse.js';
import { interpolate, quoteArgv, runRunbook, type RunRunbookOptions } from '../../../src/runbooks/run-runbook.js';

const NODE = JSON.stringify(process.execPath);

function book(steps: string[], escalation = '[Primary on-call, Manager]') {
  const front = [
    '---',
    'id: drill',
    'title: Drill',
    'when: Tests.',
    'owner: Team',
    `escalation: ${escalation}`,
    'target: 1m',
    '---',
    '',
  ];
  return parseRunbook('runbooks/drill.md', [...front, ...steps.flatMap((s) => ['```step', s, '```', ''])].join('\n'));
}

function options(over: Partial<RunRunbookOptions> & Pick<RunRunbookOptions, 'runbook'>) {
  const audit: Array<{ op: string; data: Record<string, unknown> }> = [];
  const asked: string[] = [];
  const lines: string[] = [];
  const o: RunRunbookOptions = {
    yes: true,
    dryRun: false,
    confirm: async (q) => (asked.push(q), true),
    exec: execStep,
    rolloutPrefix: [process.execPath, '-e', 'console.log("rollout", ...process.argv.slice(1))', '--'],
    env: { PATH: process.env.PATH ?? '', SECRET_TOKEN: 'not-for-run-steps', APP_BASE_URL: 'http://127.0.0.1:9' },
    vars: { reason: 'drill reason', actor: 'alice', release: 'v2.1.0', runbook: 'drill' },
    clock: systemClock,
    progress: (l) => lines.push(l),
    audit: async (op, data) => void audit.push({ op, data }),
    ...over,
  };
  return { o, audit, asked, lines };
}

describe('runRunbook', () => {
  it('runs every step without a shell, records each with its duration, then the whole run', async () => {
    const runbook = book([
      `run: [${NODE}, -e, "console.log(process.argv[1])", "$HOME; echo not-a-shell"]`,
      'rollout: [status, --reason, "{{reason}}"]',
      'check: Dashboards are green for {{release}}.',
    ]);
    const { o, audit, lines } = options({ runbook });
    const result = await runRunbook(o);
    expect(result.status).toBe('completed');
    expect(result.steps.map((s) => s.status)).toEqual(['ok', 'ok', 'assumed']);
    expect(result.steps[0]?.outputTail).toBe('$HOME; echo not-a-shell');
    expect(lines).toContain('    │ rollout status --reason drill reason');
    expect(result.steps[2]?.command).toBe('Dashboards are green for v2.1.0.');
    expect(audit.map((a) => a.op)).toEqual(['runbook:step', 'runbook:step', 'runbook:step', 'runbook:run']);
    for (const a of audit.slice(0, 3)) expect(typeof a.data.durationMs).toBe('number');
    expect(audit[3]?.data).toMatchObject({ runbook: 'drill', status: 'completed', steps: 3, targetMs: 60_000 });
    expect(typeof audit[3]?.data.durationMs).toBe('number');
  });

  it("stops at a failed step and says what to do next: the step's onFailure, else the escalation path", async () => {
    const withAdvice = book([
      `run: [${NODE}, -e, "process.exit(3)"]\nonFailure: Restart the pods one by one.`,
      'check: never reached',
    ]);
    const first = await runRunbook(options({ runbook: withAdvice }).o);
    expect(first.status).toBe('stopped');
    expect(first.steps).toHaveLength(1);
    expect(first.steps[0]).toMatchObject({ status: 'failed', exitCode: 3 });
    expect(first.next).toMatch(/exit code 3[\s\S]*Restart the pods one by one\./);

    const withoutAdvice = book([`run: [${NODE}, -e, "process.exit(1)"]`]);
    expect((await runRunbook(options({ runbook: withoutAdvice }).o)).next).toContain(
      'Escalate: Primary on-call → Manager.',
    );
  });

  it('accepts the exit codes a step lists in okExit, and fails a step that times out', async () => {
    const runbook = book([
      `run: [${NODE}, -e, "process.exit(3)"]\nokExit: [0, 3]`,
      `run: [${NODE}, -e, "setTimeout(() => {}, 30000)"]\ntimeout: 300ms`,
    ]);
    const result = await runRunbook(options({ runbook }).o);
    expect(result.steps.map((s) => s.status)).toEqual(['ok', 'failed']);
    expect(result.steps[1]?.outputTail).toMatch(/timed out after 300ms/);
  });

  it('gives run steps only the base variables and those they list; rollout steps get the environment', async () => {
    const printEnv = `[${NODE}, -e, "console.log(process.env.SECRET_TOKEN ?? 'unset', process.env.APP_BASE_URL ?? 'unset')"]`;
    const runbook = book([`run: ${printEnv}`, `run: ${printEnv}\nenv: [APP_BASE_URL]`, 'rollout: [status]']);
    const rolloutPrefix = [process.execPath, '-e', 'console.log(process.env.SECRET_TOKEN)', '--'];
    const result = await runRunbook(options({ runbook, rolloutPrefix }).o);
    expect(result.steps.map((s) => s.outputTail)).toEqual([
      'unset unset',
      'unset http://127.0.0.1:9',
      'not-for-run-steps',
    ]);
  });

  it('fails a step whose {{env:NAME}} is not available to it, before running anything', async () => {
    const runbook = book(['run: [curl, "{{env:APP_BASE_URL}}/health"]']);
    const result = await runRunbook(options({ runbook }).o);
    expect(result.steps[0]).toMatchObject({ status: 'failed', exitCode: null });
    expect(result.next).toMatch(/not set: \$APP_BASE_URL/);
  });

  it('asks before each command and each check; a "no" stops the run', async () => {
    const runbook = book([`run: [${NODE}, -e, "0"]`, 'check: Is it green?', `run: [${NODE}, -e, "0"]`]);
    const answers = [true, false];
    const { o, asked } = options({
      runbook,
      yes: false,
      confirm: async (q) => (asked.push(q), answers.shift() ?? true),
    });
    const result = await runRunbook(o);
    expect(asked).toHaveLength(2);
    expect(asked[1]).toContain('Is it green?');
    expect(result.steps.map((s) => s.status)).toEqual(['ok', 'rejected']);
    expect(result.next).toMatch(/check was not confirmed/);

    const declined = await runRunbook(options({ runbook, yes: false, confirm: async () => false }).o);
    expect(declined.steps.map((s) => s.status)).toEqual(['declined']);
  });

  it('--dry-run prints every step, runs nothing and writes no audit entry', async () => {
    const runbook = book([`run: [${NODE}, -e, "process.exit(9)"]`, 'rollout: [rollback, --mode, immediate]']);
    const { o, audit, lines } = options({ runbook, dryRun: true });
    const result = await runRunbook(o);
    expect(result.status).toBe('dry-run');
    expect(result.steps.map((s) => s.status)).toEqual(['planned', 'planned']);
    expect(lines.join('\n')).toContain('$ rollout rollback --mode immediate');
    expect(audit).toEqual([]);
  });

  it('goes on when the audit log cannot be written, and says so', async () => {
    const runbook = book([`run: [${NODE}, -e, "0"]`]);
    const result = await runRunbook(options({ runbook, audit: async () => Promise.reject(new Error('disk full')) }).o);
    expect(result.status).toBe('completed');
    expect(result.auditWarnings).toEqual(['runbook:step: disk full', 'runbook:run: disk full']);
  });
});

describe('helpers', () => {
  it('interpolates placeholders and reports unknown ones', () => {
    const missing: string[] = [];
    expect(
      interpolate(
        '{{reason}} by {{ actor }} {{env:HOME}} {{nope}} {{env:NOPE}}',
        { reason: 'r', actor: 'a' },
        { HOME: '/h' },
        missing,
      ),
    ).toBe('r by a /h {{nope}} {{env:NOPE}}');
    expect(missing).toEqual(['nope', '$NOPE']);
  });

  it('quotes arguments for display', () => {
    expect(quoteArgv(['rollout', '--reason', "it's down", 'a=b'])).toBe(`rollout --reason 'it'\\''s down' a=b`);
  });
});

describe('rollout runbook run without a terminal', () => {
  const ctx = async (): Promise<Ctx> => ({
    cwd: await mkdtemp(path.join(tmpdir(), 'runbook-cmd-')),
    env: {},
    clock: systemClock,
    actor: 'tester',
    global: { config: 'rollout.yaml', json: true, color: false },
    progress: () => undefined,
    isTTY: false,
    redact: (s) => s,
  });
  const io = { interactive: false, confirm: async () => true };

  it('refuses without --yes (exit 2 with a hint), but --dry-run and --yes work, even with no rollout.yaml', async () => {
    const c = await ctx();
    await expect(runRunbookWith({}, ['run', 'exit-5-busy'], c, io)).rejects.toMatchObject({
      code: 'E_USAGE',
      exitCode: 2,
      message: expect.stringContaining('--yes'),
    });
    const dry = await runRunbookWith({ dryRun: true }, ['run', 'exit-5-busy'], c, io);
    expect(dry.exitCode).toBe(0);
    expect((dry.result as { status: string }).status).toBe('dry-run');
  });

  it("lists the shipped generic runbooks (not this repository's product procedures) and shows one, with the codes that lead to it", async () => {
    const c = await ctx();
    const list = await runRunbookWith({}, ['list'], c, io);
    const ids = (list.result as { runbooks: Array<{ id: string }> }).runbooks.map((r) => r.id);
    expect(ids).toContain('exit-4-rolled-back');
    expect(ids).not.toContain('model-rollback');
    const show = await runRunbookWith({}, ['show', 'exit-5-busy'], c, io);
    expect(show.human({ bold: String, dim: String, red: String, green: String, yellow: String, cyan: String })).toMatch(
      /\[3\] \$ rollout unlock --force --reason/,
    );
    await expect(runRunbookWith({}, ['show'], c, io)).rejects.toMatchObject({ code: 'E_USAGE' });
  });
});
