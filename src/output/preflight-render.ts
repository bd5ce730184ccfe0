import { formatDuration } from '../config/duration.js';
import type { GateResult, GateVerdict } from '../gates/types.js';
import { formatAnnotation } from './annotations.js';
import { renderTable, verdictColor, type Style } from './style.js';

export { escapeData, escapeProperty } from './annotations.js';

/** The `preflight` result as `--json` carries it (DESIGN.md: phase, verdict, counts, gates with evidence). */
export interface PreflightResult {
  release: string;
  phase: string;
  phaseTitle: string;
  verdict: GateVerdict;
  counts: Record<GateVerdict, number> & { total: number };
  /** ISO time the run started. */
  at: string;
  durationMs: number;
  /** Gate ids given with `--only`; absent when every gate of the phase ran. */
  only?: string[];
  gates: GateResult[];
  /** Where the JUnit report was written. */
  junit?: string;
  /** Whether the result was recorded in the state (`evidence['preflight:<phase>']`). */
  recorded: boolean;
  recordError?: string;
  /**
   * What `advance` compares before reusing these results: the commit of the working tree (null outside a
   * git repository) and whether it had changes; `reusable` says why not when nothing can be reused.
   */
  provenance?:
    | { commit: string | null; dirty: boolean; reusable: true }
    | { commit: string | null; dirty: boolean; reusable: false; why: string };
  exitCode: number;
}

const MARK: Record<GateVerdict, string> = { pass: '✓', fail: '✗', inconclusive: '?' };

/** One progress line per finished gate: symbols on a terminal, plain words in CI logs. */
export function formatProgressLine(r: GateResult, s: Style, tty: boolean): string {
  const time = formatDuration(r.durationMs);
  if (tty) return `${verdictColor(s, MARK[r.verdict])} ${r.id} ${s.dim(time)} ${r.summary}`;
  return `[${r.verdict}] ${r.id} (${r.kind}, ${time}): ${r.summary}`;
}

/** The human report: a table in plan order, hints and output tails for what did not pass, a verdict line. */
export function renderPreflight(
  result: PreflightResult,
  s: Style,
  opts: { annotations?: boolean; positions?: GatePositions } = {},
): string {
  const out = [
    s.bold(`Preflight ${result.phase}: ${result.phaseTitle}`) +
      s.dim(`  (${result.release}${result.only ? `, only ${result.only.join(', ')}` : ''})`),
    '',
  ];
  const rows = result.gates.map((g) => [
    verdictColor(s, g.verdict),
    g.id,
    g.kind,
    formatDuration(g.durationMs),
    oneLine(g.summary, 100),
  ]);
  out.push(renderTable(['verdict', 'gate', 'kind', 'time', 'evidence'], rows));
  const open = result.gates.filter((g) => g.verdict !== 'pass');
  if (open.length) out.push('');
  for (const g of open) {
    out.push(`${verdictColor(s, g.verdict)} ${s.bold(g.id)}${g.title ? ` — ${g.title}` : ''}`);
    out.push(`    ${g.summary}`);
    if (g.evidence.source) out.push(s.dim(`    ${g.kind === 'command' ? '$ ' : ''}${oneLine(g.evidence.source, 200)}`));
    if (g.evidence.expected)
      out.push(
        s.dim(
          `    expected: ${g.evidence.expected}${g.evidence.observed !== undefined ? `; seen: ${oneLine(show(g.evidence.observed), 120)}` : ''}`,
        ),
      );
    if (g.hint) out.push(`    ${s.cyan('hint:')} ${g.hint}`);
    if (g.verdict === 'fail' && g.output)
      out.push(
        ...g.output
          .split('\n')
          .slice(-15)
          .map((l) => s.dim(`    │ ${l}`)),
      );
  }
  if (result.recordError)
    out.push('', s.yellow(`warning: the result was not recorded in the state: ${result.recordError}`));
  if (result.junit) out.push('', s.dim(`JUnit report: ${result.junit}`));
  const p = result.provenance;
  if (p && result.recorded)
    out.push(
      p.reusable
        ? s.dim(
            `recorded at commit ${p.commit?.slice(0, 12) ?? ''}: \`advance\` reuses the passing results (--fresh runs them again)`,
          )
        : s.dim(`recorded; not reusable by \`advance\`: ${p.why}`),
    );
  out.push('', renderVerdictLine(result, s));
  if (opts.annotations) out.push(...renderAnnotations(result, opts.positions));
  return out.join('\n');
}

export function renderVerdictLine(result: PreflightResult, s: Style): string {
  const c = result.counts;
  const parts = [
    `${c.pass} passed`,
    c.fail ? s.red(`${c.fail} failed`) : '0 failed',
    c.inconclusive ? s.yellow(`${c.inconclusive} inconclusive`) : '0 inconclusive',
  ];
  return `${s.bold(`${result.phase} ${verdictColor(s, result.verdict)}`)}: ${parts.join(', ')} of ${c.total} gate(s) in ${formatDuration(result.durationMs)} (exit ${result.exitCode})`;
}

/** Where each gate is defined in the plan, keyed by gate id. */
export type GatePositions = ReadonlyMap<string, { file: string; line: number; col: number }>;

/**
 * GitHub Actions workflow commands (`::error file=rollout.yaml,line=…,col=…,title=…::…`,
 * `::warning …`) for gates that did not pass; GitHub turns them into annotations on the run, placed
 * on the gate's line of the plan when its position is known. Printed when GITHUB_ACTIONS=true.
 */
export function renderAnnotations(result: PreflightResult, positions?: GatePositions): string[] {
  return result.gates
    .filter((g) => g.verdict !== 'pass')
    .map((g) => {
      const level = g.verdict === 'fail' ? 'error' : 'warning';
      const title = `rollout preflight ${result.phase} / ${g.id}${g.verdict === 'inconclusive' ? ' (inconclusive)' : ''}`;
      const message = `${g.summary}${g.hint ? `\nhint: ${g.hint}` : ''}`;
      return formatAnnotation(level, { ...positions?.get(g.id), title }, message);
    });
}

function oneLine(s: string, max: number): string {
  const flat = s.replace(/\s*\n\s*/g, ' ⏎ ');
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function show(v: unknown): string {
  return typeof v === 'string' ? v : (JSON.stringify(v) ?? String(v));
}
