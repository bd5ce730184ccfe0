import { EngineInputError } from './errors.js';

/** Integer cents, 0 ≤ value ≤ 2^53 − 1. */
export function assertCents(value: unknown, field: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new EngineInputError(field, `must be a non-negative integer amount of cents (got ${String(value)})`);
  }
}

/** A finite fraction in [0, 1]. */
export function assertFraction(value: unknown, field: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) {
    throw new EngineInputError(field, `must be a number between 0 and 1 (got ${String(value)})`);
  }
}

/** An integer in [min, max]. */
export function assertIntInRange(value: unknown, min: number, max: number, field: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new EngineInputError(field, `must be an integer between ${min} and ${max} (got ${String(value)})`);
  }
}

/** A finite number in the open/closed range given. */
export function assertFiniteInRange(value: unknown, min: number, max: number, field: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new EngineInputError(field, `must be a finite number between ${min} and ${max} (got ${String(value)})`);
  }
}

export function assertArray(value: unknown, field: string): asserts value is unknown[] {
  if (!Array.isArray(value)) throw new EngineInputError(field, 'must be an array');
}

export function assertObject(value: unknown, field: string): asserts value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new EngineInputError(field, 'must be an object');
  }
}

export function assertOneOf<T extends string>(
  value: unknown,
  allowed: readonly T[],
  field: string,
): asserts value is T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new EngineInputError(field, `must be one of ${allowed.join(', ')} (got ${String(value)})`);
  }
}

/** Company ids must be non-empty and unique: allocations are reported by id. */
export function assertUniqueIds(ids: readonly unknown[], field: string): void {
  const seen = new Set<string>();
  ids.forEach((id, i) => {
    if (typeof id !== 'string' || id.length === 0)
      throw new EngineInputError(`${field}[${i}].id`, 'must be a non-empty string');
    if (seen.has(id)) throw new EngineInputError(`${field}[${i}].id`, `duplicate id "${id}"`);
    seen.add(id);
  });
}
