import path from 'node:path';
import { z } from 'zod';
import { DURATION_PATTERN, parseDuration } from '../config/duration.js';
import { issuesToProblems } from '../config/issues.js';
import { parseYamlSource } from '../config/yaml-source.js';
import { CATALOGUE } from '../errors/catalogue.js';
import { RolloutError, type Problem } from '../errors/rollout-error.js';

/**
 * A runbook is Markdown a person reads on GitHub and the CLI executes (format: runbooks/README.md):
 * YAML front matter, prose, and fenced ```step blocks whose YAML body is one of `run: [argv…]`,
 * `rollout: [args…]` or `check: text`.
 */
export interface Runbook {
  id: string;
  title: string;
  /** When to use it, in one or two sentences. */
  when: string;
  /** Error codes whose catalogue entry points here, or that this procedure handles. */
  codes: string[];
  /** Rollback trigger ids of rollout.yaml that lead here. */
  triggers: string[];
  owner: string;
  /** Who to call, in order, when a step fails and the step says nothing more specific. */
  escalation: string[];
  /** How long the whole procedure should take; `run` reports the measured time against it. */
  target?: string;
  file: string;
  /** The Markdown after the front matter. */
  body: string;
  steps: RunbookStep[];
}

/** One executable step. */
export interface RunbookStep {
  index: number;
  /** 1-based line of the opening fence. */
  line: number;
  kind: 'run' | 'rollout' | 'check';
  /** argv for `run` (argv[0] is the program) and `rollout` (arguments of the CLI). */
  argv: string[];
  /** The question a `check` step asks. */
  text: string;
  title?: string;
  onFailure?: string;
  okExit: number[];
  timeoutMs: number;
  /** Variables passed to a `run` step on top of the base allow-list. */
  env: string[];
}

const duration = z.string().regex(DURATION_PATTERN, 'a duration such as 30s or 5m');

export const runbookFrontMatter = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'ids use lower-case letters, digits and "-"'),
  title: z.string().min(1),
  when: z.string().min(1),
  codes: z.array(z.string().regex(/^E_[A-Z_]+$/, 'an error code such as E_LOCK_BUSY')).default([]),
  triggers: z.array(z.string()).default([]),
  owner: z.string().min(1),
  escalation: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
  target: duration.optional(),
});

export const runbookStep = z.strictObject({
  run: z.array(z.string().min(1)).min(1).optional().describe('argv; run without a shell'),
  rollout: z.array(z.string()).min(1).optional().describe('arguments of the rollout CLI'),
  check: z.string().min(1).optional().describe('a manual check the operator confirms'),
  title: z.string().optional(),
  onFailure: z.string().optional(),
  okExit: z.union([z.number().int(), z.array(z.number().int()).min(1)]).optional(),
  timeout: duration.optional(),
  env: z.array(z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'a variable name')).default([]),
});

const DEFAULT_STEP_TIMEOUT_MS = 10 * 60_000;
const FENCE = /^(\s{0,3})(`{3,}|~{3,})\s*([^`\s]*)\s*$/;

interface Block {
  line: number;
  info: string;
  text: string;
}

/** Fenced blocks with their info string; non-step blocks are tracked too so their content is never read as steps. */
function findBlocks(lines: string[], firstLine: number): Block[] {
  const blocks: Block[] = [];
  let open: { fence: string; line: number; info: string; body: string[] } | null = null;
  lines.forEach((raw, i) => {
    const m = FENCE.exec(raw);
    if (!open) {
      if (m) open = { fence: m[2] as string, line: firstLine + i, info: m[3] ?? '', body: [] };
      return;
    }
    if (m && m[3] === '' && (m[2] as string)[0] === open.fence[0] && (m[2] as string).length >= open.fence.length) {
      blocks.push({ line: open.line, info: open.info, text: open.body.join('\n') });
      open = null;
    } else open.body.push(raw);
  });
  return blocks;
}

function shift(problems: Problem[], lineOffset: number): Problem[] {
  return problems.map((p) => ({ ...p, line: p.line + lineOffset }));
}

function parseStep(file: string, block: Block, index: number, problems: Problem[]): RunbookStep | null {
  const parsed = parseYamlSource(file, block.text);
  // Positions inside the block are relative to its first line, which is the line after the fence.
  if (!parsed.source) {
    problems.push(...shift(parsed.problems, block.line));
    return null;
  }
  const result = runbookStep.safeParse(parsed.source.data);
  if (!result.success) {
    problems.push(...shift(issuesToProblems(result.error.issues, parsed.source, runbookStep), block.line));
    return null;
  }
  const s = result.data;
  const kinds = (['run', 'rollout', 'check'] as const).filter((k) => s[k] !== undefined);
  if (kinds.length !== 1) {
    problems.push({
      file,
      line: block.line,
      col: 1,
      message: `a step needs exactly one of run, rollout or check (found ${kinds.length ? kinds.join(', ') : 'none'})`,
    });
    return null;
  }
  const kind = kinds[0] as RunbookStep['kind'];
  return {
    index,
    line: block.line,
    kind,
    argv: kind === 'run' ? (s.run as string[]) : kind === 'rollout' ? (s.rollout as string[]) : [],
    text: s.check ?? '',
    ...(s.title ? { title: s.title } : {}),
    ...(s.onFailure ? { onFailure: s.onFailure.trim() } : {}),
    okExit: s.okExit === undefined ? [0] : Array.isArray(s.okExit) ? s.okExit : [s.okExit],
    timeoutMs: (s.timeout ? parseDuration(s.timeout) : null) ?? DEFAULT_STEP_TIMEOUT_MS,
    env: s.env,
  };
}

/** Split off the front matter: the file must start with a `---` line and close it with another. */
function splitFrontMatter(file: string, text: string): { yaml: string; bodyLines: string[]; bodyStart: number } {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  const end = lines[0]?.trim() === '---' ? lines.findIndex((l, i) => i > 0 && l.trim() === '---') : -1;
  if (end < 0) {
    throw new RolloutError('E_CONFIG', `${file}: a runbook starts with YAML front matter between two --- lines`, {
      problems: [{ file, line: 1, col: 1, message: 'missing front matter (--- … ---)' }],
    });
  }
  return { yaml: lines.slice(1, end).join('\n'), bodyLines: lines.slice(end + 1), bodyStart: end + 2 };
}

/** Parse a runbook; every problem at once, each as file:line:col, in one `E_CONFIG` error. */
export function parseRunbook(file: string, text: string): Runbook {
  const { yaml, bodyLines, bodyStart } = splitFrontMatter(file, text);
  const problems: Problem[] = [];
  const fm = parseYamlSource(file, yaml);
  let meta: z.infer<typeof runbookFrontMatter> | null = null;
  if (!fm.source) problems.push(...shift(fm.problems, 1));
  else {
    const result = runbookFrontMatter.safeParse(fm.source.data);
    if (result.success) meta = result.data;
    else problems.push(...shift(issuesToProblems(result.error.issues, fm.source, runbookFrontMatter), 1));
  }
  const expectedId = path.basename(file, '.md');
  if (meta && meta.id !== expectedId)
    problems.push({ file, line: 2, col: 1, message: `id "${meta.id}" must match the file name "${expectedId}"` });
  for (const code of meta?.codes ?? [])
    if (!(code in CATALOGUE)) problems.push({ file, line: 2, col: 1, message: `unknown error code ${code}` });
  const steps: RunbookStep[] = [];
  for (const block of findBlocks(bodyLines, bodyStart).filter((b) => b.info === 'step')) {
    const step = parseStep(file, block, steps.length + 1, problems);
    if (step) steps.push(step);
  }
  if (problems.length > 0 || !meta)
    throw new RolloutError('E_CONFIG', `${file}: ${problems.length} problem${problems.length === 1 ? '' : 's'}`, {
      problems,
    });
  return {
    ...meta,
    escalation: Array.isArray(meta.escalation) ? meta.escalation : [meta.escalation],
    ...(meta.target ? { target: meta.target } : {}),
    file,
    body: bodyLines.join('\n'),
    steps,
  };
}
