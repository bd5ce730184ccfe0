import { InvalidArgumentError } from 'commander';
import { parseDuration } from './config/duration.js';

/*
 * Option values are parsed once, where commander reads them: a bad value is a usage error (exit 2)
 * whose message names the flag ("option '--limit <n>' argument 'abc' is invalid. …"), and the
 * handler receives a number instead of coercing a string by hand. Kept tiny: cli.ts loads it for
 * every command, `rollout --version` included.
 */

/** A whole number from `min` to `max` (decimal digits only: no "1e3", "0x10", " 5" or "5.0"). */
export function integerIn(min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^-?\d+$/.test(value) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`Expected a whole number from ${min} to ${max}.`);
    }
    return n;
  };
}

const DECIMAL = /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i;

/** A finite decimal number (`0.03`, `1.5`, `2e-3`; not `0x10`, `Infinity` or "") that `accept` allows; `what` says which. */
export function numberWhere(accept: (x: number) => boolean, what: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!DECIMAL.test(value) || !Number.isFinite(n) || !accept(n)) throw new InvalidArgumentError(`Expected ${what}.`);
    return n;
  };
}

/**
 * A duration in the plan's syntax (`30s`, `10m`, `1h30m`) from `minMs` to `maxMs`, returned as written
 * (handlers pass it on, e.g. into PromQL), checked with the plan's own parser.
 */
export function durationIn(minMs: number, maxMs: number, what: string): (value: string) => string {
  return (value) => {
    const ms = parseDuration(value);
    if (ms === null || ms < minMs || ms > maxMs) throw new InvalidArgumentError(`Expected ${what}.`);
    return value;
  };
}
