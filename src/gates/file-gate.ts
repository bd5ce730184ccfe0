import path from 'node:path';
import { readRegularFile } from '../config/read-plan.js';
import type { GateConfig } from '../config/schema.js';
import { findReleaseSection } from './changelog-section.js';
import type { GateContext, GateEvidence, GateOutcome } from './types.js';

type FileGate = Extract<GateConfig, { kind: 'file' }>;

const MAX_FILE_GATE_BYTES = 64 * 1024 * 1024;

/** A file (relative to the plan) contains a text (`{{release}}` replaced) or matches a regular expression. */
export async function judgeFileGate(gate: FileGate, ctx: GateContext): Promise<GateOutcome> {
  const file = path.resolve(ctx.planDir, gate.path);
  const contains = gate.contains?.replaceAll('{{release}}', ctx.release);
  const section = gate.releaseSection?.replaceAll('{{release}}', ctx.release);
  const expected =
    section !== undefined
      ? `a release section for ${section}`
      : contains !== undefined
        ? `contains "${contains}"`
        : gate.matches !== undefined
          ? `matches /${gate.matches}/`
          : 'exists';
  const source = gate.path;
  let text: string;
  try {
    // Regular files only, size checked first: a pipe or /dev/zero named here must not hang the gate.
    const read = await readRegularFile(file, gate.path, MAX_FILE_GATE_BYTES);
    if (read === null)
      return {
        verdict: 'fail',
        reason: 'missing-file',
        summary: `${gate.path}: no such file`,
        evidence: { source, expected },
      };
    text = read;
  } catch (error) {
    return {
      verdict: 'fail',
      reason: 'missing-file',
      summary: (error as Error).message,
      evidence: { source, expected },
    };
  }
  if (section !== undefined) return judgeReleaseSection(gate.path, text, section, { source, expected });
  let found: { line: number; text: string } | null;
  if (contains !== undefined) {
    found = locate(text, text.indexOf(contains));
  } else if (gate.matches !== undefined) {
    let pattern: RegExp;
    try {
      pattern = new RegExp(gate.matches, 'm');
    } catch (error) {
      return {
        verdict: 'fail',
        reason: 'config',
        summary: `matches is not a regular expression: ${(error as Error).message}`,
        evidence: { source, expected },
      };
    }
    found = locate(text, text.search(pattern));
  } else {
    found = { line: 1, text: '' };
  }
  if (!found)
    return {
      verdict: 'fail',
      reason: 'no-match',
      summary: `${gate.path} does not ${expected.replace(/^contains/, 'contain').replace(/^matches/, 'match')}`,
      evidence: { source, expected, details: { bytes: text.length } },
    };
  return {
    verdict: 'pass',
    reason: 'ok',
    summary: `${gate.path}:${found.line}: ${found.text.trim().slice(0, 80)}`,
    evidence: { source, expected, observed: `line ${found.line}` },
  };
}

function locate(text: string, index: number): { line: number; text: string } | null {
  if (index < 0) return null;
  const line = text.slice(0, index).split('\n').length;
  return { line, text: text.split('\n')[line - 1] ?? '' };
}

function judgeReleaseSection(file: string, text: string, version: string, evidence: GateEvidence): GateOutcome {
  const r = findReleaseSection(text, version);
  if (!r.found)
    return {
      verdict: 'fail',
      reason: 'no-match',
      summary: `${file}: ${r.detail}`,
      evidence: { ...evidence, details: { reason: r.reason, ...(r.line !== undefined ? { line: r.line } : {}) } },
    };
  return {
    verdict: 'pass',
    reason: 'ok',
    summary: `${file}:${r.line}: ${r.heading.slice(0, 80)} (${r.entries} ${r.entries === 1 ? 'entry' : 'entries'})`,
    evidence: { ...evidence, observed: `line ${r.line}` },
  };
}
