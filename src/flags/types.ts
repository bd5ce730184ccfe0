/** Any JSON value; used for JsonLogic rules and parsed documents. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** flagd metadata must be flat: string, number or boolean values only (flags.json schema). */
export type FlagdMetadata = Record<string, string | number | boolean>;

/** One flag in the flagd flag-definition format (https://flagd.dev/schema/v0/flags.json). */
export interface FlagdFlag {
  state: 'ENABLED' | 'DISABLED';
  /** Variant name → value. `rollout` only writes string variants whose value equals their name. */
  variants: Record<string, JsonValue>;
  /** Served when targeting returns null (reason DEFAULT) or when there is no targeting (STATIC). */
  defaultVariant?: string | null;
  /** JsonLogic; `{}` or absent means no targeting. */
  targeting?: JsonValue;
  metadata?: FlagdMetadata;
}

/** A whole flagd flag file, as applications read it with the flagd provider in file mode. */
export interface FlagdDocument {
  $schema?: string;
  metadata?: FlagdMetadata;
  flags: Record<string, FlagdFlag>;
}

/** What the rollout wants one flag to look like at the current stage. */
export interface FlagSpec {
  /** Flag key, e.g. `reserves_v1.1`. Part of the bucketing hash: never rename it mid-rollout. */
  key: string;
  /** Variant served to the rollout cohort, e.g. `reserves_v1.1` or `on`. */
  newVariant: string;
  /** Variant served to everyone else (and to everyone while the kill switch is engaged). */
  fallbackVariant: string;
  /** Share of non-group users that get the new variant, 0..100 in steps of 0.001. */
  percent: number;
  /** Groups whose members always get the new variant (unless the kill switch is engaged). */
  groups: string[];
  /** Context attribute holding the user's group(s): an array of strings or a single string. Default `groups`. */
  groupAttribute?: string;
  /** true: everyone, group members included, gets the fallback. Undoing it restores the same users. */
  killSwitch: boolean;
  /** Context attribute hashed for the percentage. Default `targetingKey`. */
  bucketBy?: string;
  /** Extra flat metadata (stage name, thresholds…). Keys starting with `rollout.` are reserved. */
  metadata?: FlagdMetadata;
}
