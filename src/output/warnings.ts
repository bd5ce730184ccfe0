/**
 * Warnings from layers that have no context to print with (the state files, the flag store): loose
 * permissions on an existing file, for instance. They never change an outcome. `src/main.ts` prints
 * each one on stderr as it arrives and lists them under `"warnings"` in the `--json` document.
 */
type Listener = (message: string) => void;

const seen = new Set<string>();
const listeners = new Set<Listener>();

/** Report `message` once per process. */
export function warn(message: string): void {
  if (seen.has(message)) return;
  seen.add(message);
  for (const listener of listeners) listener(message);
}

/** Call `listener` for every new warning; returns the function that stops it. */
export function onWarning(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Every warning reported so far, oldest first. */
export function listWarnings(): string[] {
  return [...seen];
}
