import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig, type LoadedConfig } from '../../../src/config/load.js';
import {
  createSimulatedApp,
  fileFlagReader,
  type SimulatedApp,
  type SimulatedAppOptions,
} from '../../../src/demo/app.js';
import { writeDemoProject, type DemoProject } from '../../../src/demo/plan.js';
import { createSimulationClock, type SimulationClock } from '../../../src/demo/sim-clock.js';
import { buildFlagDocument } from '../../../src/flags/flagd.js';

export const FLAG = 'reserves_v1.1';
export const NEW = 'reserves_v1.1';
export const FALLBACK = 'reserves_v1.0';
export const START = new Date('2026-03-02T08:00:00Z');

/** The demo plan in a temporary directory, a simulated app reading its flag file, and the simulation clock. */
export interface DemoFixture {
  project: DemoProject;
  loaded: LoadedConfig;
  app: SimulatedApp;
  clock: SimulationClock;
  /** Writes the flag file the way `rollout` does for a stage. */
  setStage(percent: number, groups: string[], killSwitch?: boolean): Promise<void>;
  remove(): Promise<void>;
}

export async function createDemoFixture(app: Partial<SimulatedAppOptions> = {}): Promise<DemoFixture> {
  const dir = await mkdtemp(path.join(tmpdir(), 'rollout-demo-test-'));
  const project = await writeDemoProject(dir);
  const loaded = await loadConfig({ file: 'rollout.yaml', cwd: dir });
  const sim = createSimulatedApp({
    seed: 11,
    flag: fileFlagReader(project.flagFile, FLAG, NEW),
    newVariant: NEW,
    fallbackVariant: FALLBACK,
    ...app,
  });
  const clock = createSimulationClock(START, (end) => sim.simulateMinute(end));
  return {
    project,
    loaded,
    app: sim,
    clock,
    async setStage(percent, groups, killSwitch = false) {
      const doc = buildFlagDocument([
        { key: FLAG, newVariant: NEW, fallbackVariant: FALLBACK, percent, groups, killSwitch },
      ]);
      await writeFile(project.flagFile, JSON.stringify(doc, null, 2));
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
