import { InvalidArgumentError } from 'commander';

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
