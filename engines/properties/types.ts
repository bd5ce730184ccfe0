import type fc from 'fast-check';
import type { EngineRegistry } from '../index.js';
import type { EngineName, ModelVersion } from '../types.js';

/** A property that fc.check can run (arguments are whatever its generators produce). */
export type EngineProperty = fc.IPropertyWithHooks<[never]> | fc.IProperty<[never]>;

/** One invariant, declared once and run by vitest and by `rollout verify`. */
export interface PropertyDef {
  /** Stable id, `engine.name`; `rollout verify --property` selects by it. */
  id: string;
  engine: EngineName;
  /** Model versions the invariant applies to. */
  models: readonly ModelVersion[];
  title: string;
  /** Condition on the generated inputs under which the invariant is claimed (when not all inputs). */
  precondition?: string;
  /** Builds the property for `model`, reading engines from `engines` (which may hold injected ones). */
  build(engines: EngineRegistry, model: ModelVersion): EngineProperty;
}

/** Thrown by a property when its invariant does not hold; the message says which value broke it. */
export class InvariantError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvariantError';
  }
}

/** Throws {@link InvariantError} with `message` unless `condition` holds. */
export function ensure(condition: boolean, message: string | (() => string)): asserts condition {
  if (!condition) throw new InvariantError(typeof message === 'string' ? message : message());
}

/** Deterministic structural equality through JSON (engine outputs are plain data). */
export function isSameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export const BOTH: readonly ModelVersion[] = ['v1.0', 'v1.1'];
export const V11: readonly ModelVersion[] = ['v1.1'];

/** Erases a property's argument types so all definitions fit one list. */
export function asEngineProperty<Ts extends unknown[]>(p: fc.IPropertyWithHooks<Ts>): EngineProperty {
  return p as unknown as EngineProperty;
}

/** A permutation of `list` chosen by `seed` (Fisher–Yates driven by a small LCG). */
export function permute<T>(list: readonly T[], seed: number): T[] {
  const out = [...list];
  let state = seed >>> 0;
  for (let i = out.length - 1; i > 0; i--) {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}
