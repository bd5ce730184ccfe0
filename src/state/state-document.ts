import { StateCorruptError, type StateProblem } from './errors.js';
import type { parseStateDocument, StateIssue } from './state-schema.js';
import type { ReleaseState } from './types.js';

/** Line and column (1-based) of a character offset in `text`. */
function positionOf(text: string, offset: number): { line: number; col: number } {
  const before = text.slice(0, Math.max(0, Math.min(offset, text.length)));
  const line = before.split('\n').length;
  return { line, col: before.length - before.lastIndexOf('\n') };
}

/** Where JSON.parse gave up, from its message ("… at position 12", or "line 3 column 5" on newer Node). */
function syntaxPosition(text: string, error: unknown): { line: number; col: number } {
  const message = (error as Error).message ?? '';
  const lineCol = /line (\d+) column (\d+)/.exec(message);
  if (lineCol) return { line: Number(lineCol[1]), col: Number(lineCol[2]) };
  const position = /position (\d+)/.exec(message);
  if (position) return positionOf(text, Number(position[1]));
  // Node 20 names no position for a bad first token ("Unexpected token 'g'"): that is the first character.
  return /end of (JSON|data)/i.test(message) ? positionOf(text, text.length) : positionOf(text, text.search(/\S/));
}

/** JSON.parse's message on one line, without quoting half the file back. */
function syntaxMessage(error: unknown): string {
  const message = ((error as Error).message ?? 'syntax error').replace(/\s+/g, ' ');
  return message.length > 100 ? `${message.slice(0, 97)}...` : message;
}

/** Positions of the issues in the file's text; only computed on the error path (loads the YAML parser). */
async function locateIssues(file: string, text: string, issues: StateIssue[]): Promise<StateProblem[]> {
  const { parseYamlSource, locate } = await import('../config/yaml-source.js');
  const { source } = parseYamlSource(file, text);
  return issues.map((issue) => ({
    file,
    ...(source ? locate(source, issue.path) : { line: 1, col: 1 }),
    message: `${issue.where}: ${issue.message}`,
  }));
}

/** Parse `state.json`'s text: every defect is reported at once, with its line and column, as `StateCorruptError`. */
export async function parseStateText(text: string, file: string): Promise<ReleaseState> {
  if (text.trim() === '')
    throw new StateCorruptError(
      file,
      text.length === 0 ? 'the file is empty (0 bytes)' : 'the file holds only white space',
    );
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const pos = syntaxPosition(text, error);
    const detail = `not valid JSON (${syntaxMessage(error)})`;
    throw new StateCorruptError(file, `${detail}; the file may be truncated or overwritten`, {
      cause: error,
      problems: [{ file, ...pos, message: detail }],
    });
  }
  const parsed = await parseState(value);
  if (parsed.ok) return parsed.state;
  const { issues } = parsed;
  const problems = await locateIssues(file, text, issues);
  throw new StateCorruptError(
    file,
    `${issues.length} problem(s) in the document: it is not a release state this rollout can use`,
    { problems },
  );
}

/**
 * The schema (and zod with it) is loaded on the first document, not with the module: commands that find
 * no state at all, such as `status` in a fresh checkout, start without it.
 */
async function parseState(value: unknown): Promise<ReturnType<typeof parseStateDocument>> {
  const { parseStateDocument } = await import('./state-schema.js');
  return parseStateDocument(value);
}

/** Parse a document read from a database row; the problems are listed in the message (there are no lines). */
export async function assertStateDocument(value: unknown, where: string): Promise<ReleaseState> {
  const parsed = await parseState(value);
  if (parsed.ok) return parsed.state;
  const { issues } = parsed;
  const list = issues
    .slice(0, 20)
    .map((i) => `\n  ${i.where}: ${i.message}`)
    .join('');
  const more = issues.length > 20 ? `\n  … and ${issues.length - 20} more` : '';
  throw new StateCorruptError(where, `${issues.length} problem(s) in the stored document:${list}${more}`);
}
