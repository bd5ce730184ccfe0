/**
 * Helpers for tests that run the state layer in a child process and kill it mid-write.
 *
 * Plain Node 20 cannot import TypeScript, and `dist/` may be stale or broken by unrelated work in
 * progress, so the child never uses either: `compileStateModules()` transpiles `src/state/*.ts`
 * (type annotations stripped with the TypeScript compiler API, no type checking, a few
 * milliseconds) into a temporary directory of ES modules. At run time `src/state` imports only
 * `node:` built-ins and packages (zod, for the state schema), which keeps this self-contained; if it
 * ever imports another part of `src/`, this helper fails loudly. The directory sits in the repository's
 * `node_modules/.cache`, so that package imports resolve as they do for the real CLI.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const stateSrcDir = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../src/state');
let compiledDir: string | undefined;

/** Transpile `src/state` to ES modules once per test process; returns the directory holding them. */
export function compileStateModules(): string {
  if (compiledDir) return compiledDir;
  const cache = resolve(stateSrcDir, '../../node_modules/.cache');
  mkdirSync(cache, { recursive: true });
  const out = mkdtempSync(join(cache, 'rollout-state-js-'));
  writeFileSync(join(out, 'package.json'), '{"type":"module"}\n');
  const sources = readdirSync(stateSrcDir).filter((f) => f.endsWith('.ts'));
  if (!sources.includes('file-store.ts')) throw new Error(`compileStateModules: no file-store.ts in ${stateSrcDir}`);
  for (const file of sources) {
    const source = readFileSync(join(stateSrcDir, file), 'utf8');
    // Type-only imports vanish in the transpiled module (open-state.ts names the Ctx type, say).
    const foreign = /^(?:import|export)(?! type )[^;]*?from '(\.\.\/[^']+)'/m.exec(source);
    if (foreign)
      throw new Error(`compileStateModules: ${file} imports ${foreign[1]} outside src/state; compile that too`);
    const { outputText } = ts.transpileModule(source, {
      fileName: file,
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
    });
    writeFileSync(join(out, file.replace(/\.ts$/, '.js')), outputText);
  }
  compiledDir = out;
  return out;
}

/** How a child process ended. */
export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  pid: number;
}

/** Write `body` as an ES module in `dir`, with `STATE` bound to the compiled state modules' directory URL. */
export function writeChildScript(dir: string, name: string, body: string): string {
  const modulesUrl = new URL(`file://${compileStateModules()}/`).href;
  const path = join(dir, name);
  writeFileSync(path, `const STATE = ${JSON.stringify(modulesUrl)};\n${body}\n`);
  return path;
}

/** Run `node script args…` with the given extra environment; resolves when it ends, however it ends. */
export function runNodeScript(
  script: string,
  args: string[],
  env: Record<string, string> = {},
  timeoutMs = 30_000,
): Promise<ChildResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [script, ...args], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal, stdout, stderr, pid: child.pid ?? -1 });
    });
  });
}

/** Start a process that idles, kill it, and return its (now dead) pid once it has exited. */
export async function getDeadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  const pid = child.pid;
  if (pid === undefined) throw new Error('could not start a child process');
  await new Promise<void>((resolveExit) => {
    child.on('exit', () => resolveExit());
    child.kill('SIGKILL');
  });
  return pid;
}
