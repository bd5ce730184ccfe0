import type { Problem } from '../errors/rollout-error.js';

/**
 * GitHub Actions workflow commands. The runner reads them from the step's stdout and stderr and turns
 * them into annotations on the run, placed on `file`/`line`/`col` when given. Printed when
 * GITHUB_ACTIONS=true (which the runner sets).
 */
export function formatAnnotation(
  level: 'error' | 'warning' | 'notice',
  props: { file?: string; line?: number; col?: number; title?: string },
  message: string,
): string {
  const parts = (['file', 'line', 'col', 'title'] as const)
    .filter((k) => props[k] !== undefined)
    .map((k) => `${k}=${escapeProperty(String(props[k]))}`);
  return `::${level}${parts.length ? ` ${parts.join(',')}` : ''}::${escapeData(message)}`;
}

/** One annotation per positioned problem of a plan or budget file (`validate`). */
export function problemAnnotations(problems: readonly Problem[]): string[] {
  return problems.map((p) =>
    formatAnnotation(
      p.severity === 'warning' ? 'warning' : 'error',
      { file: p.file, line: p.line, col: p.col, title: 'rollout validate' },
      p.message,
    ),
  );
}

export function isGitHubActions(env: NodeJS.ProcessEnv): boolean {
  return env.GITHUB_ACTIONS === 'true';
}

/** Workflow-command escaping, as in @actions/core. */
export function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

export function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}
