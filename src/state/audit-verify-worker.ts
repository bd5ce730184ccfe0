import { parentPort, workerData } from 'node:worker_threads';
import { verifyRange } from './audit-verify-split.js';

/** The second half of a long audit log, checked on the other core (see audit-verify-split.ts). */
const { file, start, end } = workerData as { file: string; start: number; end: number };
verifyRange(file, start, end, true).then(
  (result) => parentPort?.postMessage({ ok: true, result }),
  (error: Error) => parentPort?.postMessage({ ok: false, error: error.message }),
);
