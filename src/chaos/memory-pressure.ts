import { spawn } from 'node:child_process';

/** The argv marker that identifies a memory-pressure process, so cleanup never kills a recycled pid. */
export const MEMORY_MARKER = 'rollout-chaos-memory';

// Runs in a separate node process. Buffer.alloc(…, 1) writes every page, so the memory is resident,
// not merely reserved. At the deadline it lets go of everything and its event loop empties, so it ends
// on its own: a bounded leftover even if the run that started it is killed with SIGKILL.
const ALLOCATOR = `
const [, , mb, ms] = process.argv;
const hold = [];
for (let i = 0; i < Number(mb); i++) hold.push(Buffer.alloc(1024 * 1024, 1));
process.stdout.write('ready ' + process.memoryUsage().rss + '\\n');
const keep = setInterval(() => hold.length, 60000);
setTimeout(() => { hold.length = 0; clearInterval(keep); }, Number(ms));
`;

/** A running allocator process. */
export interface MemoryPressure {
  pid: number;
  /** Resident set size the allocator reported once its memory was written. */
  rssBytes: number;
  stop(): Promise<void>;
}

/** Allocate `megabytes` MB in a child process that lives at most `maxLifetimeMs`. */
export function startMemoryPressure(options: {
  megabytes: number;
  maxLifetimeMs: number;
  experimentId: string;
}): Promise<MemoryPressure> {
  const child = spawn(
    process.execPath,
    [
      '-e',
      ALLOCATOR,
      MEMORY_MARKER,
      String(options.megabytes),
      String(Math.max(1, Math.round(options.maxLifetimeMs))),
      options.experimentId,
    ],
    {
      stdio: ['ignore', 'pipe', 'ignore'],
      env: { PATH: process.env.PATH ?? '' },
    },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };
  return new Promise((resolve, reject) => {
    let out = '';
    child.once('error', reject);
    child.once('exit', (code, signal) =>
      reject(new Error(`the memory-pressure process exited before allocating (code ${code}, signal ${signal})`)),
    );
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /ready (\d+)/.exec(out);
      if (!m || child.pid === undefined) return;
      child.stdout.destroy();
      resolve({ pid: child.pid, rssBytes: Number(m[1]), stop });
    });
  });
}
