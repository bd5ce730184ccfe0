import type { GateResult } from '../gates/types.js';

/** What one JUnit report holds: one phase's gate results. */
export interface JUnitSuite {
  /** Testsuite name, e.g. `P0 Pre-flight validation`. */
  name: string;
  /** Used in every testcase's classname: `rollout.preflight.<phase>`. */
  phase: string;
  release: string;
  /** ISO time the run started. */
  timestamp: string;
  durationMs: number;
  results: readonly GateResult[];
  /** Where each gate is defined (`rollout.yaml` and its line), keyed by gate id: testcase `file`/`line`. */
  positions?: ReadonlyMap<string, { file: string; line: number }>;
}

/**
 * JUnit XML that validates against the JUnit schema Jenkins' xUnit plugin checks reports with
 * (`junit-10.xsd`, the strictest of the common readers; GitLab and the Jenkins JUnit plugin read it
 * too): a `<testsuites>` holding one `<testsuite>` per phase and one `<testcase>` per gate.
 * - fail → `<failure message type>`;
 * - inconclusive → `<skipped message>`: the gate gave no verdict, which is what "skipped" means to
 *   test reporters; `<error>` would render as a broken test. The exit code (3) still stops the
 *   pipeline, and the message starts with "inconclusive:" so it is never mistaken for a pass;
 * - evidence → suite-level `<properties>` named `<gate>.<field>` (the schema allows no properties
 *   inside a testcase), and the same lines at the top of the testcase's `<system-out>`, which is
 *   what the CI's test page shows next to the case;
 * - a command's output tail → `<system-out>` after the evidence;
 * - where the gate is defined → testcase `file` and `line`.
 * `skipped` and `timestamp` belong to `<testsuite>` only: the schema refuses them on `<testsuites>`.
 * Callers pass redacted results and redact the document once more before writing it.
 */
export function renderJUnit(suite: JUnitSuite): string {
  const counts = { tests: suite.results.length, failures: 0, errors: 0, skipped: 0 };
  for (const r of suite.results) {
    if (r.verdict === 'fail') counts.failures++;
    if (r.verdict === 'inconclusive') counts.skipped++;
  }
  const time = seconds(suite.durationMs);
  const totals = `tests="${counts.tests}" failures="${counts.failures}" errors="${counts.errors}"`;
  const gateProps = suite.results.flatMap((r) => caseProperties(r).map(([k, v]) => property(`${r.id}.${k}`, v)));
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="rollout preflight" ${totals} time="${time}">`,
    `  <testsuite name="${attr(suite.name)}" ${totals} skipped="${counts.skipped}" time="${time}" timestamp="${attr(suite.timestamp)}">`,
    '    <properties>',
    property('release', suite.release),
    property('phase', suite.phase),
    ...gateProps,
    '    </properties>',
    ...suite.results.flatMap((r) => renderCase(r, suite.phase, suite.positions?.get(r.id))),
    '  </testsuite>',
    '</testsuites>',
  ];
  return lines.join('\n') + '\n';
}

function property(name: string, value: string): string {
  return `      <property name="${attr(name)}" value="${attr(value)}"/>`;
}

function renderCase(r: GateResult, phase: string, at: { file: string; line: number } | undefined): string[] {
  const name = r.title ? `${r.id}: ${r.title}` : r.id;
  const where = at ? ` file="${attr(at.file)}" line="${at.line}"` : '';
  const body = [
    `    <testcase name="${attr(name)}" classname="rollout.preflight.${attr(phase)}.${attr(r.kind)}" time="${seconds(r.durationMs)}"${where}>`,
  ];
  const detail = [r.summary, r.hint ? `hint: ${r.hint}` : '', r.evidence.source ? `source: ${r.evidence.source}` : '']
    .filter(Boolean)
    .join('\n');
  if (r.verdict === 'fail')
    body.push(`      <failure message="${attr(r.summary)}" type="${attr(r.reason)}">${text(detail)}</failure>`);
  if (r.verdict === 'inconclusive')
    body.push(`      <skipped message="${attr(`inconclusive: ${r.summary}${r.hint ? ` (${r.hint})` : ''}`)}"/>`);
  const evidence = caseProperties(r)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\n');
  body.push(`      <system-out>${text(r.output ? `${evidence}\n\n${r.output}` : evidence)}</system-out>`);
  body.push('    </testcase>');
  return body;
}

function caseProperties(r: GateResult): Array<[string, string]> {
  const out: Array<[string, string]> = [
    ['verdict', r.verdict],
    ['reason', r.reason],
  ];
  if (r.item) out.push(['item', r.item]);
  if (r.evidence.observed !== undefined) out.push(['observed', show(r.evidence.observed)]);
  if (r.evidence.expected !== undefined) out.push(['expected', r.evidence.expected]);
  if (r.evidence.source !== undefined) out.push(['source', r.evidence.source]);
  if (r.hint) out.push(['hint', r.hint]);
  if (r.evidence.details) out.push(['details', JSON.stringify(r.evidence.details)]);
  return out;
}

function show(v: unknown): string {
  return typeof v === 'string' ? v : (JSON.stringify(v) ?? String(v));
}

function seconds(ms: number): string {
  return (Math.max(0, ms) / 1000).toFixed(3);
}

// XML 1.0 forbids most control characters even when escaped; ANSI colour codes go first.
// eslint-disable-next-line no-control-regex
const INVALID_XML = /[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]/g;
// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*[A-Za-z]/g;

function clean(s: string): string {
  return s.replace(ANSI, '').replace(INVALID_XML, '');
}

/** Attribute value: quotes and newlines escaped so parsers keep them. */
export function attr(s: string): string {
  return clean(s)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;')
    .replace(/\t/g, '&#9;');
}

/** Element text. */
export function text(s: string): string {
  return clean(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
