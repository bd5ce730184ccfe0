import { parseDuration, parseExpectedDuration } from './duration.js';

/**
 * The plan schema's custom checks, kept apart from zod so the schema table (schema-table.ts) can name
 * them: `validate` on a valid plan runs them from the table without building the zod schema, and
 * schema.ts attaches the same functions to its zod nodes, so both paths accept exactly the same text.
 */
export const REFINEMENTS = {
  /** A duration text within [min, max] milliseconds; text that is not a duration is the pattern's problem. */
  durationWithin: (min: number, max: number) => (text: string) => {
    const ms = parseDuration(text);
    return ms === null || (ms >= min && ms <= max);
  },
  /** An expected duration in words: "2d", "3 days", "1-2 weeks", "2 to 3 days". */
  expectedDuration: () => (text: string) => parseExpectedDuration(text) !== null,
} as const;

export type RefinementName = keyof typeof REFINEMENTS;
export interface RefinementRef {
  name: RefinementName;
  args: number[];
}

const origins = new WeakMap<(text: string) => boolean, RefinementRef>();

/** The check `name(args)`, remembered so the table generator can write it down by name. */
export function refinement<K extends RefinementName>(
  name: K,
  ...args: Parameters<(typeof REFINEMENTS)[K]>
): (text: string) => boolean {
  const numbers: number[] = [...args];
  const make: (...a: number[]) => (text: string) => boolean = REFINEMENTS[name];
  const fn = make(...numbers);
  origins.set(fn, { name, args: numbers });
  return fn;
}

/** The name and arguments a check was made with, or undefined for a function not made by `refinement`. */
export function refinementOf(fn: unknown): RefinementRef | undefined {
  return typeof fn === 'function' ? origins.get(fn as (text: string) => boolean) : undefined;
}
