import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createInitialState } from '../../src/state/types.js';
import { runCli } from '../helpers/cli.js';

/*
 * `status` and `report` compare each phase's expectedDuration with the time the release actually spent
 * there. The state is written by hand (a release created 10 days ago that left P0 after one day), so the
 * test needs no waiting: P1, planned at 1 week, has been running for 9 days.
 */

const DAY = 86_400_000;
const plan = `version: 1
release: v9.9.9
phases:
  - { id: P0, title: Pre-flight, expectedDuration: 1-2 days }
  - { id: P1, title: Foundation, expectedDuration: 1 week }
  - { id: P2, title: Stability, expectedDuration: 2-3 weeks }
`;

async function project(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'rollout-schedule-'));
  await writeFile(path.join(dir, 'rollout.yaml'), plan);
  const created = Date.now() - 10 * DAY;
  const iso = (ms: number) => new Date(created + ms).toISOString();
  const initial = createInitialState('v9.9.9', '0'.repeat(64), new Date(created));
  const state = {
    ...initial,
    serial: 2,
    status: 'in-progress',
    phase: 'P1',
    phaseStartedAt: iso(DAY),
    history: [
      ...initial.history,
      { at: iso(DAY), actor: 'ci', action: 'advance', from: { phase: 'P0' }, to: { phase: 'P1' }, serial: 2 },
    ],
  };
  await mkdir(path.join(dir, '.rollout'), { mode: 0o700 });
  await writeFile(path.join(dir, '.rollout/state.json'), JSON.stringify(state), { mode: 0o600 });
  return dir;
}

interface Row {
  phase: string;
  actualMs: number | null;
  state: string;
  overrun: boolean;
  overByMs?: number;
}

describe('planned against actual duration', () => {
  it('status (human and --json) and the report show it per phase and overall, a running phase so far, overruns flagged', async () => {
    const dir = await project();
    const json = await runCli(['status', '--json'], { cwd: dir });
    expect(json.code, json.stderr).toBe(0);
    const schedule = json.json<{ result: { schedule: { rows: Row[]; overall: Row & { running: boolean } } } }>().result
      .schedule;
    const [p0, p1, p2] = schedule.rows;
    expect(p0).toMatchObject({ phase: 'P0', actualMs: DAY, state: 'done', overrun: false });
    expect(p1).toMatchObject({ phase: 'P1', state: 'running', overrun: true });
    expect(p1?.actualMs).toBeGreaterThanOrEqual(9 * DAY);
    expect(p1?.overByMs).toBeGreaterThanOrEqual(2 * DAY);
    expect(p2).toMatchObject({ phase: 'P2', actualMs: null, state: 'not-started' });
    expect(schedule.overall).toMatchObject({ running: true, overrun: false });

    const human = await runCli(['status'], { cwd: dir });
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/schedule {2}\(planned \/ actual\)/);
    expect(human.stdout).toMatch(/P0 +1-2 days +1d\n/);
    expect(human.stdout).toMatch(/P1 +1 week +9d( \d+[hms])? so far — OVERRUN by 2d/);
    expect(human.stdout).toMatch(/release +22d – 30d \(the phases\) +10d( \d+[hms])? so far/);

    const md = await runCli(['report'], { cwd: dir });
    expect(md.code, md.stderr).toBe(0);
    expect(md.stdout).toContain('## Planned against actual');
    expect(md.stdout).toMatch(/\| P1 \| 1 week \| 9d( \d+[hms])? so far — OVERRUN by 2d( \d+[hms])? \| running \|/);
  }, 60_000);
});
