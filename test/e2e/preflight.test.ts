import { spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempProject } from '../helpers/cli.js';
import { junitSchemaErrors } from '../helpers/junit-schema.js';
import { startPrometheus, type PrometheusInstance } from '../helpers/prometheus.js';
import { buildHealthyPlanData, dataEnd } from '../integration/gates/prometheus-data.js';

// P0's checklist; "canary pipeline tested", the canary A/A level and "rollback verified" are evidence gates (command), not sign-offs.
const P0_SIGNOFFS = ['backlog-clean', 'no-incidents-7d', 'flag-system-ready', 'dashboards-ready'];

/**
 * A copy of the repository's plan whose P0 commands are quick: `npm test` inside a test would run
 * the suite recursively. Everything else (property suites, perf budget, Prometheus gates) is real.
 */
async function quickProject(command = '[node, -e, "process.exit(0)"]', extraEnv: string[] = []): Promise<string> {
  const dir = await tempProject();
  const file = path.join(dir, 'rollout.yaml');
  const plan = await readFile(file, 'utf8');
  const quick = plan
    .replace(/run: \[npm, [^\]]*\]/g, `run: ${command}`)
    .replace(/env: \[PATH, HOME(, CI)?\]/g, (m) => `${m.slice(0, -1)}${extraEnv.map((e) => `, ${e}`).join('')}]`);
  expect(quick).not.toMatch(/run: \[npm/);
  await writeFile(file, quick);
  return dir;
}

interface JUnitDoc {
  suites: Record<string, string>;
  suite: Record<string, string>;
  cases: Array<Record<string, string> & { outcome: string }>;
}

/** Parses the report with Python's strict XML parser. */
function parseJUnit(xml: string): JUnitDoc {
  const script = `
import json, sys, xml.etree.ElementTree as ET
root = ET.fromstring(sys.stdin.read())
suite = root.find('testsuite')
cases = [dict(c.attrib, outcome=next((k.tag for k in c if k.tag in ('failure', 'error', 'skipped')), 'passed')) for c in suite.findall('testcase')]
print(json.dumps({'suites': dict(root.attrib), 'suite': dict(suite.attrib), 'cases': cases}))`;
  const r = spawnSync('python3', ['-c', script], { input: xml, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`JUnit report is not well-formed XML: ${r.stderr}`);
  return JSON.parse(r.stdout) as JUnitDoc;
}

describe('rollout preflight on the repository plan (P0)', () => {
  it('exits 3 with the hint when no Prometheus URL is set; JUnit is well-formed; the result is recorded', async () => {
    const dir = await quickProject();
    const r = await runCli(['preflight', '--phase', 'P0', '--junit', 'preflight.xml'], {
      cwd: dir,
      timeoutMs: 120_000,
    });
    expect(r.code, r.stderr).toBe(3);
    expect(r.stdout).toContain('set ROLLOUT_PROMETHEUS_URL to your Prometheus');
    expect(r.stdout).toMatch(/P0 inconclusive: 8 passed, 0 failed, 8 inconclusive of 16 gate\(s\)/);
    expect(r.stderr).toContain('[inconclusive] guardian-48h (prometheus');

    const xml = await readFile(path.join(dir, 'preflight.xml'), 'utf8');
    expect(junitSchemaErrors(xml)).toEqual([]);
    const doc = parseJUnit(xml);
    for (const attrs of [doc.suites, doc.suite]) {
      for (const name of ['tests', 'failures', 'errors', 'time']) expect(attrs[name], name).toMatch(/^\d+(\.\d+)?$/);
      expect(attrs).toMatchObject({ tests: '16', failures: '0', errors: '0' });
    }
    expect(doc.suite.skipped).toBe('8');
    const planLines = (await readFile(path.join(dir, 'rollout.yaml'), 'utf8')).split('\n');
    expect(doc.suite.name).toBe('P0 Pre-flight validation');
    for (const c of doc.cases) {
      expect(c.name).toBeTruthy();
      expect(c.classname).toMatch(/^rollout\.preflight\.P0\./);
      expect(c.time).toMatch(/^\d+\.\d{3}$/);
      // Each case points at its gate's `- id:` line in the plan.
      expect(c.file).toBe('rollout.yaml');
      expect(planLines[Number(c.line) - 1]).toContain(`id: ${c.name?.split(':')[0]}`);
    }
    expect(doc.cases.find((c) => c.name?.startsWith('guardian-48h'))?.outcome).toBe('skipped');
    expect(doc.cases.find((c) => c.name?.startsWith('engine-invariants'))?.outcome).toBe('passed');

    const status = await runCli(['status', '--json'], { cwd: dir });
    const evidence = status.json<{ result: { latestEvidence: Array<{ key: string; verdict: string }> } }>().result
      .latestEvidence;
    expect(evidence).toContainEqual(expect.objectContaining({ key: 'preflight:P0', verdict: 'inconclusive' }));
    const log = await runCli(['log', '--json'], { cwd: dir });
    expect(log.stdout).toContain('"preflight"');
  });

  it('--only and --phase: unknown ids exit 2 with a suggestion; GitHub annotations when GITHUB_ACTIONS=true', async () => {
    const dir = await quickProject();
    const unknownGate = await runCli(['preflight', '--only', 'lnt'], { cwd: dir });
    expect(unknownGate.code).toBe(2);
    expect(unknownGate.stderr).toContain('did you mean "lint"?');
    const unknownPhase = await runCli(['preflight', '--phase', 'P7', '--json'], { cwd: dir });
    expect(unknownPhase.code).toBe(2);
    expect(unknownPhase.json<{ error: { code: string; message: string } }>().error).toMatchObject({ code: 'E_USAGE' });
    const gha = await runCli(['preflight', '--only', 'guardian-48h', 'lint'], {
      cwd: dir,
      env: { GITHUB_ACTIONS: 'true' },
    });
    expect(gha.code).toBe(3);
    const line =
      (await readFile(path.join(dir, 'rollout.yaml'), 'utf8'))
        .split('\n')
        .findIndex((l) => /- id: guardian-48h\b/.test(l)) + 1;
    expect(line).toBeGreaterThan(0);
    expect(gha.stdout).toMatch(
      new RegExp(
        `::warning file=rollout\\.yaml,line=${line},col=\\d+,title=rollout preflight P0 / guardian-48h \\(inconclusive\\)::no Prometheus URL`,
      ),
    );
    expect(gha.stdout).not.toContain('::error');
  });

  it('a failing command exits 1, and a secret it prints is redacted in stdout, --json and JUnit', async () => {
    const secret = 'ci-deploy-7f3a9c2e1b';
    const dir = await quickProject(
      '[node, -e, "console.log(\'deploying with\', process.env.CI_DEPLOY_TOKEN); process.exit(2)"]',
      ['CI_DEPLOY_TOKEN'],
    );
    const env = { CI_DEPLOY_TOKEN: secret };
    const r = await runCli(['preflight', '--only', 'tests', '--junit', 'out.xml'], { cwd: dir, env });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('deploying with [REDACTED]');
    const j = await runCli(['preflight', '--only', 'tests', '--json'], { cwd: dir, env });
    expect(j.code).toBe(1);
    expect(j.json<{ result: { gates: Array<{ output: string }> } }>().result.gates[0]?.output).toBe(
      'deploying with [REDACTED]',
    );
    const xml = await readFile(path.join(dir, 'out.xml'), 'utf8');
    expect(parseJUnit(xml).cases[0]?.outcome).toBe('failure');
    for (const text of [r.stdout, r.stderr, j.stdout, j.stderr, xml]) expect(text).not.toContain(secret);
  });

  it('signoff: unknown item or phase exits 2 with a suggestion, --reason is required, --dry-run writes nothing, the event is returned', async () => {
    const dir = await quickProject();
    const env = { ROLLOUT_ACTOR: 'ana' };
    const typo = await runCli(['signoff', 'backlog-clen', '--reason', 'x'], { cwd: dir, env });
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('did you mean "backlog-clean"?');
    const otherPhase = await runCli(['signoff', 'chaos-ready', '--reason', 'x'], { cwd: dir, env });
    expect(otherPhase.code).toBe(2);
    expect(otherPhase.stderr).toContain('add --phase P1');
    const noReason = await runCli(['signoff', 'backlog-clean'], { cwd: dir, env });
    expect(noReason.code).toBe(2);
    const dry = await runCli(['signoff', 'backlog-clean', '--reason', 'triaged', '--dry-run', '--json'], {
      cwd: dir,
      env,
    });
    expect(dry.json<{ result: { dryRun: boolean; event: unknown } }>().result).toMatchObject({
      dryRun: true,
      event: null,
    });
    const none = await runCli(['status', '--json'], { cwd: dir });
    expect(none.json<{ result: { started: boolean } }>().result.started).toBe(false);
    const real = await runCli(['signoff', 'chaos-ready', '--phase', 'P1', '--reason', 'framework deployed', '--json'], {
      cwd: dir,
      env,
    });
    expect(real.code).toBe(0);
    expect(real.json<{ result: { event: Record<string, string> } }>().result.event).toMatchObject({
      type: 'signoff',
      release: 'v2.1.0',
      phase: 'P1',
      item: 'chaos-ready',
      actor: 'ana',
      reason: 'framework deployed',
    });
    const log = await runCli(['log', '--json'], { cwd: dir });
    expect(log.stdout).toContain('"signoff"');
  });

  describe('against a Prometheus holding healthy data', () => {
    let prom: PrometheusInstance;
    beforeAll(async () => {
      prom = await startPrometheus({ series: buildHealthyPlanData(dataEnd()) });
    });
    afterAll(async () => {
      await prom?.stop();
    });

    it('exits 0 once the manual sign-offs are recorded with `rollout signoff`', async () => {
      const dir = await quickProject();
      const env = { ROLLOUT_PROMETHEUS_URL: prom.url, ROLLOUT_ACTOR: 'release-captain' };
      const before = await runCli(['preflight', '--phase', 'P0', '--json'], { cwd: dir, env, timeoutMs: 120_000 });
      expect(before.code).toBe(3);
      const gates = before.json<{ result: { gates: Array<{ id: string; verdict: string; reason: string }> } }>().result
        .gates;
      expect(gates.filter((g) => g.verdict !== 'pass').every((g) => g.reason === 'awaiting-signoff')).toBe(true);

      for (const item of P0_SIGNOFFS) {
        const s = await runCli(['signoff', item, '--reason', `checked ${item}`], { cwd: dir, env });
        expect(s.code, s.stderr).toBe(0);
      }
      const again = await runCli(['signoff', 'backlog-clean', '--reason', 'twice', '--json'], { cwd: dir, env });
      expect(again.code).toBe(0);
      expect(
        again.json<{ result: { alreadySigned: boolean; signoff: { reason: string }; event: unknown } }>().result,
      ).toMatchObject({ alreadySigned: true, signoff: { reason: 'checked backlog-clean' }, event: null });

      const after = await runCli(['preflight', '--phase', 'P0', '--json'], { cwd: dir, env, timeoutMs: 120_000 });
      expect(after.code, after.stdout.slice(0, 2000)).toBe(0);
      const result = after.json<{
        ok: boolean;
        result: {
          verdict: string;
          counts: Record<string, number>;
          gates: Array<{
            id: string;
            verdict: string;
            evidence: { observed?: unknown; details?: Record<string, unknown> };
          }>;
        };
      }>();
      expect(result.ok).toBe(true);
      expect(result.result).toMatchObject({
        verdict: 'pass',
        counts: { pass: 16, fail: 0, inconclusive: 0, total: 16 },
      });
      const byId = Object.fromEntries(result.result.gates.map((g) => [g.id, g]));
      expect(byId['guardian-48h']?.evidence.observed).toBe(1);
      // Production (5 errors in 1,000 a minute) and staging (0.2 in 120) traffic: the baseline query counts both.
      expect(byId['error-rate-baseline']?.evidence.observed).toBeCloseTo((5 + 0.2) / (1000 + 120), 6);
      expect(byId['staging-soak-p0']?.verdict).toBe('pass');
      expect(byId['no-p0-p1-bugs']?.evidence.details).toMatchObject({
        actor: 'release-captain',
        reason: 'checked backlog-clean',
      });
    });
  });
});
