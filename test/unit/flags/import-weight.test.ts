import { describe, it, expect } from 'vitest';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const srcDir = join(dirname(fileURLToPath(import.meta.url)), '../../../src/flags');

/** Runtime imports (type-only imports are erased) reachable from a module, following relative ones. */
async function collectRuntimeImports(file: string, seen = new Set<string>()): Promise<string[]> {
  if (seen.has(file)) return [];
  seen.add(file);
  const source = await readFile(join(srcDir, file), 'utf8');
  const specifiers = [...source.matchAll(/^(?:import|export)\s+(?!type\b)[^'"]*?from\s+'([^']+)'/gm)].map((m) => m[1]!);
  const found: string[] = [];
  for (const spec of specifiers) {
    // Relative imports are followed (also into other src/ folders, e.g. the dependency-free warnings channel).
    if (spec.startsWith('./') || spec.startsWith('../'))
      found.push(...(await collectRuntimeImports(join(dirname(file), spec).replace(/\.js$/, '.ts'), seen)));
    else found.push(spec);
  }
  return found;
}

describe('write path stays light (kill switch within ~300 ms of start)', () => {
  it.each(['flag-store.ts', 'flagd.ts', 'diff.ts'])('%s imports only node built-ins', async (file) => {
    const imports = await collectRuntimeImports(file);
    expect(imports.every((spec) => spec.startsWith('node:'))).toBe(true);
  });

  it('the evaluator is where flagd-core comes in', async () => {
    expect(await collectRuntimeImports('evaluate.ts')).toContain('@openfeature/flagd-core');
  });
});
