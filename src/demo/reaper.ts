import { spawn } from 'node:child_process';

/**
 * What a local service leaves behind if the process that started it dies without running its exit hooks
 * (kill -9, the OOM killer): processes to kill, commands to run (`pg_ctl stop`), directories to remove.
 */
export interface ReapPlan {
  kill?: number[];
  run?: [file: string, args: string[]][];
  remove?: string[];
}

/**
 * A separate process that cleans up after a local service if this process dies first. It holds the read
 * end of a pipe from this process: when the pipe closes without `disarm()` having been called (this
 * process is gone, however it died), it carries out the plan and exits. `disarm()` after a normal stop
 * lets it exit doing nothing. It does not keep this process alive, and a failure to start it only loses
 * the cleanup after a kill -9, never the service.
 */
export function startReaper(plan: ReapPlan): { disarm(): void } {
  let child: ReturnType<typeof spawn>;
  try {
    child = spawn(process.execPath, ['-e', REAPER, JSON.stringify(plan)], {
      detached: true,
      stdio: ['pipe', 'ignore', 'ignore'],
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    });
  } catch {
    return { disarm: () => undefined };
  }
  child.on('error', () => undefined);
  child.stdin?.on('error', () => undefined);
  // Neither the pipe nor the child keeps the event loop of this process running.
  (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  child.unref();
  let armed = true;
  return {
    disarm() {
      if (!armed) return;
      armed = false;
      child.stdin?.end('disarm\n');
    },
  };
}

/** The reaper itself: plain Node, no imports from this package (it runs with `node -e`). It ends when its
 * pipe does: nothing else keeps it running. */
const REAPER = `
const plan = JSON.parse(process.argv[1]);
let input = '';
let finished = false;
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => { input += chunk; });
const finish = () => {
  if (finished || input.includes('disarm')) return;
  finished = true;
  for (const pid of plan.kill ?? []) { try { process.kill(pid, 'SIGKILL'); } catch {} }
  const { execFileSync } = require('node:child_process');
  for (const [file, args] of plan.run ?? []) { try { execFileSync(file, args, { stdio: 'ignore', timeout: 30000 }); } catch {} }
  const { rmSync } = require('node:fs');
  for (const dir of plan.remove ?? []) { try { rmSync(dir, { recursive: true, force: true }); } catch {} }
};
process.stdin.on('end', finish);
process.stdin.on('error', finish);
process.stdin.on('close', finish);
`;
