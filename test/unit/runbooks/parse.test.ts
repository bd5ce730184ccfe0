import { describe, expect, it } from 'vitest';
import { formatProblem, type RolloutError } from '../../../src/errors/rollout-error.js';
import { parseRunbook } from '../../../src/runbooks/parse.js';

const FILE = 'runbooks/demo.md';

const doc = (front: string, body: string) => `---\n${front}\n---\n${body}`;
const FRONT = [
  'id: demo',
  'title: Demo',
  'when: Testing.',
  'codes: [E_LOCK_BUSY]',
  'owner: Team',
  'escalation: [A, B]',
  'target: 5m',
].join('\n');

function problemsOf(text: string): string[] {
  try {
    parseRunbook(FILE, text);
  } catch (error) {
    expect((error as RolloutError).code).toBe('E_CONFIG');
    return (error as RolloutError).problems.map(formatProblem);
  }
  throw new Error('expected the runbook to be rejected');
}

describe('parseRunbook', () => {
  it('reads front matter, prose and the three step kinds with their options', () => {
    const body = [
      '# Demo',
      '',
      '```step',
      'rollout: [rollback, --mode, immediate, --reason, "{{reason}}"]',
      'title: Kill switch',
      'timeout: 2m',
      '```',
      '',
      '```step',
      'run: [curl, -fsS, "{{env:APP_BASE_URL}}/health"]',
      'env: [APP_BASE_URL]',
      'okExit: [0, 22]',
      'onFailure: Call someone.',
      '```',
      '',
      '```step',
      'check: The dashboard is green.',
      '```',
    ].join('\n');
    const r = parseRunbook(FILE, doc(FRONT, body));
    expect(r).toMatchObject({
      id: 'demo',
      title: 'Demo',
      codes: ['E_LOCK_BUSY'],
      escalation: ['A', 'B'],
      target: '5m',
    });
    expect(r.steps.map((s) => [s.index, s.kind, s.line])).toEqual([
      [1, 'rollout', 12],
      [2, 'run', 18],
      [3, 'check', 25],
    ]);
    expect(r.steps[0]).toMatchObject({
      argv: ['rollback', '--mode', 'immediate', '--reason', '{{reason}}'],
      timeoutMs: 120_000,
      okExit: [0],
    });
    expect(r.steps[1]).toMatchObject({ env: ['APP_BASE_URL'], okExit: [0, 22], onFailure: 'Call someone.' });
    expect(r.steps[2]?.text).toBe('The dashboard is green.');
  });

  it('ignores other fenced blocks, including a step fence shown inside a longer fence', () => {
    const body = ['````markdown', '```step', 'run: [rm, -rf, /]', '```', '````', '', '```yaml', 'run: [x]', '```'].join(
      '\n',
    );
    expect(parseRunbook(FILE, doc(FRONT, body)).steps).toEqual([]);
  });

  it('reports problems in the front matter and in steps with the line of the file', () => {
    const front = FRONT.replace('owner: Team', 'ownr: Team').replace('E_LOCK_BUSY', 'E_NOPE');
    const body = [
      'text',
      '```step',
      'run: [a]',
      'check: b',
      '```',
      '```step',
      'run: [a',
      '```',
      '```step',
      'rollout: [status]',
      'timout: 5m',
      '```',
    ].join('\n');
    const problems = problemsOf(doc(front, body));
    expect(problems.some((p) => /^runbooks\/demo\.md:6:\d+: .*ownr/.test(p))).toBe(true);
    expect(problems.some((p) => p.startsWith('runbooks/demo.md:2:1: unknown error code E_NOPE'))).toBe(false); // unparsed front matter: codes unchecked
    expect(problems).toContain(
      'runbooks/demo.md:11:1: a step needs exactly one of run, rollout or check (found run, check)',
    );
    expect(problems.some((p) => p.startsWith('runbooks/demo.md:16:'))).toBe(true); // unterminated flow sequence
    expect(problems.some((p) => /^runbooks\/demo\.md:20:\d+: .*timout/.test(p))).toBe(true);
  });

  it('checks error codes against the catalogue and the id against the file name', () => {
    const problems = problemsOf(doc(FRONT.replace('E_LOCK_BUSY', 'E_NOPE').replace('id: demo', 'id: other'), ''));
    expect(problems).toContain('runbooks/demo.md:2:1: unknown error code E_NOPE');
    expect(problems).toContain('runbooks/demo.md:2:1: id "other" must match the file name "demo"');
  });

  it('requires front matter and refuses unknown YAML tags', () => {
    expect(problemsOf('# no front matter')).toEqual(['runbooks/demo.md:1:1: missing front matter (--- … ---)']);
    expect(problemsOf(doc(FRONT, '```step\nrun: !!js/function "x"\n```')).length).toBeGreaterThan(0);
  });
});
