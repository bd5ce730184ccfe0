import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { GateResult } from '../../../src/gates/types.js';
import { renderJUnit } from '../../../src/output/junit.js';
import { junitSchemaErrors } from '../../helpers/junit-schema.js';

const results: GateResult[] = [
  {
    id: 'tests',
    kind: 'command',
    title: 'All tests pass',
    item: 'P0-1',
    verdict: 'pass',
    reason: 'ok',
    summary: 'exit 0',
    evidence: { source: 'npm test', expected: 'exit 0 within 25m', observed: 0 },
    durationMs: 1234,
    output: 'ok <done> & "quoted"',
  },
  {
    id: 'lint',
    kind: 'command',
    verdict: 'fail',
    reason: 'exit-code',
    summary: 'exit 1',
    evidence: { source: 'npm run lint', observed: 1 },
    durationMs: 500,
    output: '\x1b[31merror\x1b[0m bad\x07 thing\n  at line 3',
  },
  {
    id: 'guardian-48h',
    kind: 'prometheus',
    verdict: 'inconclusive',
    reason: 'no-url',
    summary: 'no Prometheus URL: ROLLOUT_PROMETHEUS_URL is not set',
    hint: 'set ROLLOUT_PROMETHEUS_URL to your Prometheus',
    evidence: { source: 'min_over_time(guardian_green[48h]) < "x"', expected: '== 1' },
    durationMs: 3,
  },
];

/** Parses with Python's XML parser (a real, strict one) and returns the attributes we check. */
function parse(xml: string): {
  suites: Record<string, string>;
  suite: Record<string, string>;
  cases: Array<{
    attrs: Record<string, string>;
    children: string[];
    props: Record<string, string>;
    out: string | null;
    msg: string | null;
  }>;
} {
  const script = `
import json, sys, xml.etree.ElementTree as ET
root = ET.fromstring(sys.stdin.read())
suite = root.find('testsuite')
cases = []
for c in suite.findall('testcase'):
    kids = [k.tag for k in c]
    props = {p.get('name'): p.get('value') for p in root.findall('testsuite/properties/property')}
    out = c.find('system-out')
    msg = next((k.get('message') for k in c if k.tag in ('failure', 'skipped', 'error')), None)
    cases.append({'attrs': dict(c.attrib), 'children': kids, 'props': props, 'out': out.text if out is not None else None, 'msg': msg})
print(json.dumps({'suites': dict(root.attrib), 'suite': dict(suite.attrib), 'cases': cases}))
`;
  const r = spawnSync('python3', ['-c', script], { input: xml, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`XML does not parse: ${r.stderr}`);
  return JSON.parse(r.stdout) as ReturnType<typeof parse>;
}

describe('JUnit report', () => {
  const positions = new Map([
    ['tests', { file: 'rollout.yaml', line: 12 }],
    ['guardian-48h', { file: 'rollout.yaml', line: 40 }],
  ]);
  const xml = renderJUnit({
    name: 'P0 Pre-flight validation',
    phase: 'P0',
    release: 'v2.1.0',
    timestamp: '2026-03-01T12:00:00.000Z',
    durationMs: 2345,
    results,
    positions,
  });
  const doc = parse(xml);

  it("validates against the JUnit schema of Jenkins' xUnit plugin (junit-10.xsd)", () => {
    expect(junitSchemaErrors(xml)).toEqual([]);
    // Hostile text (markup, quotes, control characters, ANSI colours) stays valid too.
    const hostile = results.map((r) => ({
      ...r,
      id: `${r.id}<&"'>`,
      summary: `\x1b[31m${r.summary}\x00]]>`,
      hint: 'a\r\nb\tc',
    }));
    expect(
      junitSchemaErrors(
        renderJUnit({
          name: 'P "0" <x>',
          phase: 'P0',
          release: 'v&1',
          timestamp: 'now',
          durationMs: -5,
          results: hostile,
        }),
      ),
    ).toEqual([]);
  });

  it('the schema check can fail: the attributes and nesting the schema refuses are reported', () => {
    const invalid = xml
      .replace('<testsuites name="rollout preflight"', '<testsuites skipped="1" name="rollout preflight"')
      .replace('time="1.234" file=', 'time="1.234"><properties></properties><x/></testcase><testcase name="y" file=');
    const errors = junitSchemaErrors(invalid);
    expect(errors.join('\n')).toMatch(/attribute 'skipped' is not allowed/);
    expect(errors.join('\n')).toMatch(/properties.*not expected/);
  });

  it('carries the attributes CI systems require; skipped and timestamp only on <testsuite>', () => {
    expect(doc.suites).toEqual({ name: 'rollout preflight', tests: '3', failures: '1', errors: '0', time: '2.345' });
    expect(doc.suite).toEqual({
      name: 'P0 Pre-flight validation',
      tests: '3',
      failures: '1',
      errors: '0',
      skipped: '1',
      time: '2.345',
      timestamp: '2026-03-01T12:00:00.000Z',
    });
    expect(doc.cases.map((c) => c.attrs)).toEqual([
      {
        name: 'tests: All tests pass',
        classname: 'rollout.preflight.P0.command',
        time: '1.234',
        file: 'rollout.yaml',
        line: '12',
      },
      { name: 'lint', classname: 'rollout.preflight.P0.command', time: '0.500' },
      {
        name: 'guardian-48h',
        classname: 'rollout.preflight.P0.prometheus',
        time: '0.003',
        file: 'rollout.yaml',
        line: '40',
      },
    ]);
  });

  it('marks a failure with <failure> and an inconclusive gate with <skipped message="inconclusive: …">', () => {
    expect(doc.cases[0]?.children).toEqual(['system-out']);
    expect(doc.cases[1]?.children).toEqual(['failure', 'system-out']);
    expect(doc.cases[1]?.msg).toBe('exit 1');
    expect(doc.cases[2]?.children).toEqual(['skipped', 'system-out']);
    expect(doc.cases[2]?.msg).toBe(
      'inconclusive: no Prometheus URL: ROLLOUT_PROMETHEUS_URL is not set (set ROLLOUT_PROMETHEUS_URL to your Prometheus)',
    );
  });

  it('keeps evidence as suite properties named <gate>.<field> and at the top of system-out, with markup, colours and control characters made safe', () => {
    expect(doc.cases[0]?.props).toMatchObject({
      release: 'v2.1.0',
      phase: 'P0',
      'tests.verdict': 'pass',
      'tests.item': 'P0-1',
      'tests.observed': '0',
      'tests.expected': 'exit 0 within 25m',
      'tests.source': 'npm test',
    });
    expect(doc.cases[0]?.props['guardian-48h.source']).toBe('min_over_time(guardian_green[48h]) < "x"');
    expect(doc.cases[0]?.out).toBe(
      'verdict: pass\nreason: ok\nitem: P0-1\nobserved: 0\nexpected: exit 0 within 25m\nsource: npm test\n\nok <done> & "quoted"',
    );
    expect(doc.cases[1]?.out).toBe(
      'verdict: fail\nreason: exit-code\nobserved: 1\nsource: npm run lint\n\nerror bad thing\n  at line 3',
    );
    expect(doc.cases[2]?.out).toContain('hint: set ROLLOUT_PROMETHEUS_URL to your Prometheus');
  });
});
