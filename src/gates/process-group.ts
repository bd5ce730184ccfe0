/** Process groups of running command gates, killed if rollout itself exits while they run. */
const groups = new Set<number>();
let hooked = false;

/** Signals every process in the group led by `pid`; a group that is already gone is fine. */
export function killProcessGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/**
 * Detached children are not killed by execa's `cleanup` (it skips detached ones), so rollout does
 * it: when the CLI exits (Ctrl-C, a crash in another gate), every group still tracked is killed.
 */
export function trackGroup(pid: number): () => void {
  groups.add(pid);
  if (!hooked) {
    hooked = true;
    process.once('exit', () => {
      for (const g of groups) killProcessGroup(g, 'SIGKILL');
    });
  }
  return () => groups.delete(pid);
}
