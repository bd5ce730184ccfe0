// `npm run bench`: every benchmark in this folder, one after another, each printing its own ratios.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';

const dir = import.meta.dirname;
const only = process.argv.slice(2);
const scripts = readdirSync(dir)
  .filter((f) => f.endsWith('.mjs') && f !== 'run.mjs')
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();
let failed = 0;
for (const f of scripts) {
  console.log(`\n== ${f}`);
  // The memory benchmark measures the heap after forced collections.
  const flags = f === 'watch-memory.mjs' ? ['--expose-gc'] : [];
  const r = spawnSync(process.execPath, [...flags, path.join(dir, f)], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
