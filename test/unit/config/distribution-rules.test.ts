import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateText } from '../../../src/config/validate-text.js';

/** The repository plan with its latency metric's lines replaced: validate's view of distribution metrics. */
const root = path.resolve(import.meta.dirname, '../../..');
const plan = readFileSync(path.join(root, 'rollout.yaml'), 'utf8');
const histogramLines = / {6}method: histogram.*\n {6}query: sum by \(le\).*\n {6}quantile: 0\.95\n {6}scale: 1000.*\n/;

async function validateWith(latency: string) {
  expect(plan).toMatch(histogramLines);
  const text = plan.replace(histogramLines, latency);
  const { problems } = await validateText('rollout.yaml', text, root, root);
  const lineOf = (needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;
  return { problems, lineOf };
}

describe('validate: distribution metrics', () => {
  it('the repository plan compares latency from histogram buckets, without a warning', async () => {
    const { problems } = await validateText('rollout.yaml', plan, root, root);
    expect(problems.filter((p) => p.message.includes('latency') || p.message.includes('range'))).toEqual([]);
  });

  it("warns, at the query, when a range query's range is longer than its step", async () => {
    const { problems, lineOf } = await validateWith(
      '      query: histogram_quantile(0.5, sum by (le) (rate(x_bucket{variant="{{variant}}"}[5m])))\n      step: 1m\n',
    );
    const warning = problems.find((p) => p.message.includes('longer than its step'));
    expect(warning).toMatchObject({ severity: 'warning', line: lineOf('rate(x_bucket') });
    expect(warning?.message).toContain('share 80 %');
    expect(problems.filter((p) => p.severity !== 'warning')).toEqual([]);
  });

  it('does not warn when the range equals the step (non-overlapping bins)', async () => {
    const { problems } = await validateWith(
      '      query: histogram_quantile(0.5, sum by (le) (rate(x_bucket{variant="{{variant}}"}[1m])))\n      step: 1m\n',
    );
    expect(problems.find((p) => p.message.includes('longer than its step'))).toBeUndefined();
  });

  it('warns when a histogram query is not grouped by le, and refuses a bad method or quantile', async () => {
    const noLe = await validateWith(
      '      method: histogram\n      query: sum(increase(x_bucket{variant="{{variant}}"}[{{window}}]))\n',
    );
    expect(noLe.problems.find((p) => p.message.includes('group by `le`'))).toMatchObject({ severity: 'warning' });
    const badMethod = await validateWith('      method: buckets\n      query: x{variant="{{variant}}"}\n');
    expect(
      badMethod.problems.some((p) => p.severity !== 'warning' && p.line === badMethod.lineOf('method: buckets')),
    ).toBe(true);
    const badQuantile = await validateWith(
      '      method: histogram\n      query: sum by (le) (increase(x_bucket{variant="{{variant}}"}[{{window}}]))\n      quantile: 1.5\n',
    );
    expect(
      badQuantile.problems.some((p) => p.severity !== 'warning' && p.line === badQuantile.lineOf('quantile: 1.5')),
    ).toBe(true);
  });
});
