import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CATALOGUE } from '../../../src/errors/catalogue.js';
import { formatProblem } from '../../../src/errors/rollout-error.js';
import { findRunbook, listRunbooks, runbookDirs } from '../../../src/runbooks/library.js';
import { findPackageRoot } from '../../../src/runbooks/package-root.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const DIR = path.join(ROOT, 'runbooks');
const GENERIC = path.join(DIR, 'generic');

describe('the shipped runbook library', () => {
  it('parses every runbook without a problem', async () => {
    const { runbooks, problems } = await listRunbooks([DIR]);
    expect(problems.map(formatProblem)).toEqual([]);
    expect(runbooks.length).toBeGreaterThanOrEqual(10);
    for (const r of runbooks) expect(r.steps.length, r.id).toBeGreaterThan(0);
  });

  it('has a runbook for every runbook id the error catalogue names', async () => {
    const ids = new Set(
      Object.values(CATALOGUE).flatMap((e) =>
        (e as { runbook?: string }).runbook ? [(e as { runbook: string }).runbook] : [],
      ),
    );
    expect(ids.size).toBeGreaterThanOrEqual(7);
    for (const id of ids) {
      const runbook = await findRunbook([DIR], id);
      expect(runbook.id).toBe(id);
      // show/list name every code that leads here, whether the front matter lists it or the catalogue points at it
      for (const [code, entry] of Object.entries(CATALOGUE))
        if ((entry as { runbook?: string }).runbook === id) expect(runbook.codes).toContain(code);
    }
  });

  it('ships the three procedures of plan item X-2; the model rollback names reserves_v1.0 (the plan gate checks it)', async () => {
    const rollback = await readFile(path.join(DIR, 'model-rollback.md'), 'utf8');
    expect(rollback).toContain('reserves_v1.0');
    for (const id of ['model-rollback', 'performance-degradation', 'circuit-breaker-recovery']) {
      const r = await findRunbook([DIR], id);
      expect(r.escalation.length).toBeGreaterThan(0);
      expect(r.target).toBeDefined();
    }
  });

  it('references only rollback triggers that exist in rollout.yaml', async () => {
    const plan = parse(await readFile(path.join(ROOT, 'rollout.yaml'), 'utf8')) as { triggers: Array<{ id: string }> };
    const known = new Set(plan.triggers.map((t) => t.id));
    const { runbooks } = await listRunbooks([DIR]);
    for (const r of runbooks) for (const t of r.triggers) expect(known.has(t), `${r.id}: trigger ${t}`).toBe(true);
  });

  it('uses only rollout commands that the CLI contract lists', async () => {
    const design = [
      'init',
      'validate',
      'schema',
      'plan',
      'status',
      'preflight',
      'verify',
      'advance',
      'analyze',
      'watch',
      'rollback',
      'retry',
      'signoff',
      'simulate',
      'flags',
      'runbook',
      'chaos',
      'log',
      'unlock',
      'notify',
      'alerts',
      'dashboard',
      'state',
      'report',
      'demo',
      '--version',
    ];
    const { runbooks } = await listRunbooks([DIR]);
    for (const r of runbooks)
      for (const s of r.steps.filter((x) => x.kind === 'rollout'))
        expect(design, `${r.id} step ${s.index}`).toContain(s.argv[0]);
  });

  it('finds the shipped runbooks after the project directory, and the project shadows them', async () => {
    expect(findPackageRoot()).toBe(ROOT);
    expect(runbookDirs('/nonexistent/runbooks')).toEqual(['/nonexistent/runbooks', GENERIC]);
    expect(runbookDirs(DIR)).toEqual([DIR, GENERIC]);
    expect(runbookDirs(GENERIC)).toEqual([GENERIC]);
    const r = await findRunbook(runbookDirs('/nonexistent/runbooks'), 'exit-5-busy');
    expect(r.file).toBe(path.join(GENERIC, 'exit-5-busy.md'));
    // This repository's plan keeps its own product procedures first.
    expect((await findRunbook(runbookDirs(DIR), 'exit-4-rolled-back')).file).toBe(
      path.join(DIR, 'exit-4-rolled-back.md'),
    );
  });

  it('the generic runbooks cover every runbook the error catalogue names and speak of no product', async () => {
    const { runbooks, problems } = await listRunbooks([GENERIC]);
    expect(problems.map(formatProblem)).toEqual([]);
    const ids = new Set(
      Object.values(CATALOGUE).flatMap((e) =>
        (e as { runbook?: string }).runbook ? [(e as { runbook: string }).runbook] : [],
      ),
    );
    expect(runbooks.map((r) => r.id).sort()).toEqual([...ids, 'release-alert'].sort());
    for (const r of runbooks) {
      const text = await readFile(r.file, 'utf8');
      expect(text, r.id).not.toMatch(/reserves|model-rollback|wizard|performance-degradation|P0-1|v2\.1\.0/i);
      expect(r.triggers, r.id).toEqual([]);
    }
  });

  it('rejects an unknown id with a usage error that lists the known ones', async () => {
    await expect(findRunbook([DIR], 'no-such-runbook')).rejects.toMatchObject({
      code: 'E_USAGE',
      message: expect.stringContaining('model-rollback'),
    });
    await expect(findRunbook([DIR], '../etc/passwd')).rejects.toMatchObject({ code: 'E_USAGE' });
  });
});
