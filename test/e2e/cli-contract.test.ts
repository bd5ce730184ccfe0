import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempProject } from '../helpers/cli.js';

describe('the CLI contract', () => {
  it('prints the version and exits 0', async () => {
    const r = await runCli(['--version']);
    const pkg = JSON.parse(await readFile(path.resolve(import.meta.dirname, '../../package.json'), 'utf8')) as {
      version: string;
    };
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(pkg.version);
  });

  it('an unknown command exits 2 with a suggestion', async () => {
    const r = await runCli(['valdate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Did you mean validate?');
    expect(r.stdout).toBe('');
  });

  it('an unknown option exits 2 with a suggestion, and --json makes it one JSON document', async () => {
    const r = await runCli(['status', '--jsn']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown option '--jsn'/);
    const j = await runCli(['status', '--json', '--histroy', '3']);
    expect(j.code).toBe(2);
    const doc = j.json<{ ok: boolean; exitCode: number; error: { code: string } }>();
    expect(doc).toMatchObject({ ok: false, exitCode: 2, error: { code: 'E_USAGE' } });
  });

  it('validate passes on the repository plan and prints the counts', async () => {
    const r = await runCli(['validate']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/5 phases, \d+ gates/);
  });

  it('validate reports every problem with file:line:col, exit 2, no stack trace', async () => {
    const dir = await tempProject();
    const plan = await readFile(path.join(dir, 'rollout.yaml'), 'utf8');
    await writeFile(
      path.join(dir, 'rollout.yaml'),
      plan.replace('percent: 25,', 'percent: 250,').replace('triggers:', 'trigers:'),
    );
    const r = await runCli(['validate'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/rollout\.yaml:\d+:\d+: phases\[2\]\.rollout\.stages\[2\]\.percent: 250 is too large/);
    expect(r.stderr).toMatch(
      /rollout\.yaml:\d+:1: unknown key "trigers" in \(top level\) \(did you mean "triggers"\?\)/,
    );
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const j = await runCli(['validate', '--json'], { cwd: dir });
    const doc = j.json<{ exitCode: number; error: { code: string; problems: string[] } }>();
    expect(doc.exitCode).toBe(2);
    expect(doc.error.code).toBe('E_CONFIG');
    // The two, and each risk mitigation that names a trigger the misspelt key left undefined (and, this
    // copy having no runbooks/, a warning for each runbook a risk names).
    const risks = doc.error.problems.filter((p) => p.includes(': risk "'));
    expect(doc.error.problems.filter((p) => !risks.includes(p))).toHaveLength(2);
    expect(risks.filter((p) => / trigger "[a-z0-9-]+" is not defined under triggers$/.test(p)).length).toBeGreaterThan(
      0,
    );
    for (const p of risks)
      expect(p).toMatch(/is not defined under triggers$|warning: .* not checked: runbooks\/ does not exist here$/);
  });

  it('a missing plan exits 2 and suggests init', async () => {
    const dir = await tempProject([]);
    const r = await runCli(['plan'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('rollout.yaml: no such file');
    expect(r.stderr).toContain('rollout init');
  });

  it('plan prints the whole v2.1.0 plan and the next step; --json has the same facts', async () => {
    const dir = await tempProject();
    const r = await runCli(['plan'], { cwd: dir });
    expect(r.code).toBe(0);
    for (const id of ['P0', 'P1', 'P2', 'P3', 'P4', 'guardian-48h', 'week-5', 'error-rate', 'canary-health'])
      expect(r.stdout).toContain(id);
    expect(r.stdout).toContain('week-1 internal only 7d → week-2 5 % (+beta_users, internal)');
    expect(r.stdout).toMatch(/Next: check 16 gate\(s\) of P0/);
    // Evidence a machine collects vs a person's word: 23 evidence / 24 sign-offs before the plan was tightened;
    // P0's canary-aa-level gate (the A/A level check, mitigation of canary threshold sensitivity) and X-1's
    // chaos gate (recorded `chaos run` results instead of a sign-off) made it 35 / 18.
    expect(r.stdout).toContain('53 gates: 35 judged from evidence, 18 human sign-offs');
    expect(r.stdout).toContain('P0  Pre-flight validation  (12 evidence, 4 sign-off gates)');
    // Risks with their mitigations; none of the repository plan's is left to sign-offs alone.
    expect(r.stdout).toContain('Risks (9)');
    expect(r.stdout).toMatch(
      /canary-threshold-sensitivity \[HIGH\]: Canary threshold sensitivity\n {4}mitigated by gate P0\/canary-aa-level/,
    );
    expect(r.stdout).not.toContain('NO LIVE MITIGATION');
    expect(r.stdout).toContain('Success metrics (12; values in rollout report)');
    expect(r.stdout).toContain('P3  Stability and operations  (4 evidence, 5 sign-off gates)');
    const j = await runCli(['plan', '--json'], { cwd: dir });
    const doc = j.json<{
      ok: boolean;
      result: {
        counts: unknown;
        phases: Array<{ id: string; stages: Array<{ percent: number }>; gates: Array<{ id: string; basis: string }> }>;
        next: { kind: string };
      };
    }>();
    expect(doc.result.counts).toEqual({ gates: 53, evidence: 35, signoffs: 18 });
    expect(doc.result.phases[0]?.gates.find((g) => g.id === 'canary-aa-level')?.basis).toBe('evidence');
    expect(doc.result.phases[0]?.gates.find((g) => g.id === 'canary-pipeline')?.basis).toBe('evidence');
    expect(doc.result.phases[0]?.gates.find((g) => g.id === 'no-incidents')?.basis).toBe('sign-off');
    expect(doc.result.phases[3]?.gates.find((g) => g.id === 'chaos-passed')?.basis).toBe('evidence');
    expect(doc.ok).toBe(true);
    expect(doc.result.phases.map((p) => p.id)).toEqual(['P0', 'P1', 'P2', 'P3', 'P4']);
    expect(doc.result.phases[2]?.stages.map((s) => s.percent)).toEqual([0, 5, 25, 50, 100]);
    expect(doc.result.next.kind).toBe('complete-phase');
  });

  it('status on a fresh project says not started, lock free, and --json is a single document', async () => {
    const dir = await tempProject();
    const r = await runCli(['status'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('not-started');
    expect(r.stdout).toMatch(/lock\s+free/);
    const j = await runCli(['status', '--json'], { cwd: dir });
    const doc = j.json<{ ok: boolean; exitCode: number; result: { phase: string; lock: null } }>();
    expect(doc).toMatchObject({ ok: true, exitCode: 0, result: { phase: 'P0', lock: null } });
  });

  it('init writes a valid starter plan and refuses to overwrite', async () => {
    const dir = await tempProject([]);
    const first = await runCli(['init'], { cwd: dir });
    expect(first.code).toBe(0);
    expect((await runCli(['validate'], { cwd: dir })).code).toBe(0);
    const second = await runCli(['init'], { cwd: dir });
    expect(second.code).toBe(2);
    expect(second.stderr).toContain('already exists; nothing was written');
  });

  it("init stands alone: the schema the plan references exists, runbooks for every exit code, nothing of this repository's product", async () => {
    const dir = await tempProject([]);
    expect((await runCli(['init'], { cwd: dir })).code).toBe(0);
    const plan = await readFile(path.join(dir, 'rollout.yaml'), 'utf8');
    const ref = /^# yaml-language-server: \$schema=(\S+)$/m.exec(plan)?.[1] as string;
    const schema = JSON.parse(await readFile(path.join(dir, ref), 'utf8')) as Record<string, unknown>;
    expect(schema).toEqual(JSON.parse((await runCli(['schema'])).stdout) as Record<string, unknown>);
    const runbooks = await readdir(path.join(dir, 'runbooks'));
    for (const code of [1, 2, 3, 4, 5, 6, 70])
      expect(
        runbooks.some((f) => f.startsWith(`exit-${code}-`)),
        `exit ${code}`,
      ).toBe(true);
    const shown = await runCli(['runbook', 'show', 'exit-4-rolled-back'], { cwd: dir });
    expect(shown.code).toBe(0);
    const alerts = await runCli(['alerts'], { cwd: dir });
    expect(alerts.stdout).toContain('runbook: runbooks/release-alert.md');
    const everything = [
      plan,
      shown.stdout,
      alerts.stdout,
      ...(await Promise.all(runbooks.map((f) => readFile(path.join(dir, 'runbooks', f), 'utf8')))),
    ].join('\n');
    expect(everything).not.toMatch(/reserves|model-rollback|wizard|v2\.1\.0/);
    // Without init's runbooks, the fallback is the generic set too, and the alerts name it by command.
    await rm(path.join(dir, 'runbooks'), { recursive: true });
    const fallback = await runCli(['runbook', 'show', 'exit-4-rolled-back'], { cwd: dir });
    expect(fallback.stdout).not.toMatch(/reserves/);
    expect((await runCli(['alerts'], { cwd: dir })).stdout).toContain('runbook: rollout runbook show release-alert');
  });

  it('colour only when asked: NO_COLOR and non-TTY output carry no escape codes', async () => {
    const dir = await tempProject();
    const plain = await runCli(['validate'], { cwd: dir });
    expect(plain.stdout).not.toContain('\u001b[');
    const forced = await runCli(['validate'], { cwd: dir, env: { NO_COLOR: undefined, FORCE_COLOR: '1' } });
    expect(forced.stdout).toContain('\u001b[');
    const off = await runCli(['validate', '--no-color'], { cwd: dir, env: { NO_COLOR: undefined, FORCE_COLOR: '1' } });
    expect(off.stdout).not.toContain('\u001b[');
  });

  it('schema prints the JSON Schema that docs/rollout.schema.json pins', async () => {
    const r = await runCli(['schema']);
    expect(r.code).toBe(0);
    const printed = JSON.parse(r.stdout) as Record<string, unknown>;
    const pinned = JSON.parse(
      await readFile(path.resolve(import.meta.dirname, '../../docs/rollout.schema.json'), 'utf8'),
    ) as Record<string, unknown>;
    expect(printed).toEqual(pinned);
    expect(printed).toMatchObject({
      type: 'object',
      required: expect.arrayContaining(['version', 'release', 'phases']),
    });
  });

  it('schema --format markdown prints the configuration reference that docs/configuration.md pins', async () => {
    const r = await runCli(['schema', '--format', 'markdown']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(await readFile(path.resolve(import.meta.dirname, '../../docs/configuration.md'), 'utf8'));
    expect(r.stdout).toContain('## `phases[].gates[]`');
    expect(r.stdout).toContain('with kind: `prometheus`');
    expect((await runCli(['schema', '--format', 'yaml'])).code).toBe(2);
  });
});
