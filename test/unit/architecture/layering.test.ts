import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// `src/commands/` is the top layer: one module per CLI command. Only the CLI declaration, the demo
// (which drives whole commands) and the commands themselves may import it; everything below serves it.
const ROOT = path.resolve(import.meta.dirname, '../../..');
const SRC = path.join(ROOT, 'src');
const COMMANDS = path.join(SRC, 'commands') + path.sep;
const ALLOWED = [path.join(SRC, 'cli.ts'), COMMANDS, path.join(SRC, 'demo') + path.sep];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(full) : e.name.endsWith('.ts') ? [full] : [];
  });
}

/** Every module specifier of a file: static imports, `import type`, `export … from` and `import()`. */
function importsOf(text: string): string[] {
  return ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName);
}

function resolves(file: string, spec: string): string | null {
  if (!spec.startsWith('.')) return null;
  return path.resolve(path.dirname(file), spec);
}

function upwardImports(files: Array<{ file: string; text: string }>): string[] {
  const found: string[] = [];
  for (const { file, text } of files) {
    if (ALLOWED.some((a) => file === a || (a.endsWith(path.sep) && file.startsWith(a)))) continue;
    for (const spec of importsOf(text)) {
      const target = resolves(file, spec);
      if (target && target.startsWith(COMMANDS)) found.push(`${path.relative(ROOT, file)} imports ${spec}`);
    }
  }
  return found;
}

describe('layering: nothing below src/commands imports it', () => {
  const files = sourceFiles(SRC).map((file) => ({ file, text: readFileSync(file, 'utf8') }));

  it('finds no import of src/commands outside cli.ts, the demo and the commands', () => {
    expect(upwardImports(files)).toEqual([]);
  });

  it('sees the imports it must allow (the parser is not blind)', () => {
    const cli = files.find((f) => f.file === path.join(SRC, 'cli.ts'));
    expect(importsOf(cli?.text ?? '').filter((s) => s.startsWith('./commands/')).length).toBeGreaterThan(20);
    expect(files.length).toBeGreaterThan(100);
  });

  it('catches every form of import from a lower layer', () => {
    const forms = [
      "import { openState } from '../commands/open-state.js';",
      "import type { X } from '../commands/types.js';",
      "export { runPlan } from '../commands/plan.js';",
      "const m = await import('../commands/preflight.js');",
      "import '../commands/side-effect.js';",
    ];
    for (const text of forms) {
      expect(upwardImports([{ file: path.join(SRC, 'lifecycle', 'x.ts'), text }]), text).toHaveLength(1);
    }
    // a same-named folder elsewhere is not the commands layer
    expect(
      upwardImports([{ file: path.join(SRC, 'watch', 'x.ts'), text: "import { a } from './commands/a.js';" }]),
    ).toEqual([]);
  });
});
