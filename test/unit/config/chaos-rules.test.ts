import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateText } from '../../../src/config/validate-text.js';

/** The repository plan, edited: validate's view of chaos gates and the X-1 checks of experiments. */
const root = path.resolve(import.meta.dirname, '../../..');
const plan = readFileSync(path.join(root, 'rollout.yaml'), 'utf8');

async function validate(text: string) {
  const { problems } = await validateText('rollout.yaml', text, root, root);
  const position = (needle: string) => {
    const lines = text.split('\n');
    const line = lines.findIndex((l) => l.includes(needle));
    return { line: line + 1, col: (lines[line] ?? '').indexOf(needle) + 1 };
  };
  return { problems: problems.filter((p) => p.severity !== 'warning'), position };
}

function edit(from: string, to: string): string {
  expect(plan).toContain(from);
  return plan.replace(from, to);
}

describe('validate: chaos gates and experiment checks', () => {
  it('the repository plan: X-1 is a chaos gate over its four experiments, with checks; no problems', async () => {
    const { problems } = await validate(plan);
    expect(problems).toEqual([]);
    expect(plan).toMatch(
      /kind: chaos\n {8}experiments: \[db-connection-drop, redis-unavailable, api-latency, memory-pressure\]/,
    );
  });

  it('an experiment id the plan does not define is reported at file:line:col, with the known ids', async () => {
    const text = edit('experiments: [db-connection-drop,', 'experiments: [db-conection-drop,');
    const { problems, position } = await validate(text);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ file: 'rollout.yaml', ...position('db-conection-drop') });
    expect(problems[0]?.message).toContain(
      '"db-conection-drop" is not defined under chaos: (known: db-connection-drop,',
    );
  });

  it('a chaos gate needs at least one experiment and a sane maxAge', async () => {
    const empty = await validate(
      edit('experiments: [db-connection-drop, redis-unavailable, api-latency, memory-pressure]', 'experiments: []'),
    );
    expect(empty.problems).toHaveLength(1);
    const negative = await validate(edit('        maxAge: 7d', '        maxAge: -1d'));
    expect(negative.problems[0]).toMatchObject(negative.position('-1d'));
    const tiny = await validate(edit('        maxAge: 7d', '        maxAge: 1s'));
    expect(tiny.problems[0]?.message).toMatch(/at least 1m/);
  });

  it('a chaos gate is not a steady-state probe', async () => {
    const text = edit(
      'probe: { id: redis-probe, kind: http, urlEnv: APP_BASE_URL, path: /health }',
      'probe: { id: redis-probe, kind: chaos, experiments: [api-latency] }',
    );
    const { problems } = await validate(text);
    expect(problems.map((p) => p.message)).toEqual([
      'a steady-state probe is an http, prometheus or command check, not chaos',
    ]);
  });

  it('a write-read check must key its writes, carry the value and read each key back', async () => {
    const text = edit(
      `write: { method: PUT, path: "/api/drafts/{{key}}", body: '{"value":"{{value}}"}' }
        read: { path: "/api/drafts/{{key}}" }`,
      `write: { method: PUT, path: "/api/drafts/one", body: '{"value":"fixed"}' }
        read: { path: "/api/drafts/one", bodyMatches: "(" }`,
    );
    const { problems } = await validate(text);
    const messages = problems.map((p) => p.message);
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringContaining('the write must name {{key}}'),
        expect.stringContaining('the write body must carry {{value}}'),
        expect.stringContaining('the read path must name {{key}}'),
        expect.stringContaining('not a regular expression'),
      ]),
    );
  });

  it('an unknown check kind or a journey without steps is refused', async () => {
    const badKind = await validate(edit('kind: write-read', 'kind: read-write'));
    expect(badKind.problems[0]).toMatchObject(badKind.position('read-write'));
    const noSteps = await validate(
      edit('steps: *wizard-steps }\n  - id: api-latency', 'steps: [] }\n  - id: api-latency'),
    );
    expect(noSteps.problems).toHaveLength(1);
  });
});
