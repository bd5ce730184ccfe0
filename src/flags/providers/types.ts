import type { FlagDiff } from '../diff.js';
import type { FlagEvalContext, FlagEvaluation } from '../evaluate.js';
import type { FlagdMetadata } from '../types.js';

/**
 * What a flag provider can and cannot do. `validate` checks every stage of the plan against these
 * numbers, so a limit of the provider is an error with `file:line:col` before the release starts,
 * never a surprise at the third stage.
 */
export interface ProviderCapabilities {
  /** Smallest stage percentage step the provider can serve: 0.001 for flagd-file, 1 for a provider that takes whole percent. */
  percentStep: number;
  /** Writes reach applications only by another route (a shared volume, a `publish` command). */
  local: boolean;
  /** One line on how the kill switch is served (shown by `flags list --json` and in docs). */
  killSwitch: string;
}

/** Where a release stands for one flag: what the provider must serve. */
export interface FlagPosition {
  /** Share of non-group users on the new variant, 0..100. */
  percent: number;
  /** Groups whose members always get the new variant (unless the kill switch is on). */
  groups: string[];
  /** true: everyone, group members included, gets the fallback; undoing it restores the same users. */
  killSwitch: boolean;
}

/** A flag as the registry sees it before its provider is opened. */
export interface FlagRef {
  key: string;
  /** `flags[].file` (flagd-file). */
  file: string;
  /** The provider's own block of the plan, `flags[].<kind>` (e.g. unleash: project, environment, variable names). */
  settings?: Record<string, unknown>;
}

/** One flag as the plan declares it, with everything a provider needs besides the position. */
export interface ProviderFlag {
  key: string;
  newVariant: string;
  fallbackVariant: string;
  groupAttribute: string;
  /** Provider-specific place of the flag, as the plan writes it (flagd-file: the file, relative to the plan). */
  location: string;
  /** Flat metadata written with the flag (release, thresholds). */
  metadata: FlagdMetadata;
  /** flagd-file: the command that carries the file to applications after each write. */
  publish?: PublishSpec;
  /** The provider's own block of the plan, `flags[].<kind>`, as validated. */
  settings?: Record<string, unknown>;
}

/**
 * One flag as the rollback fast path knows it: read from the plan with the YAML parser alone (or from the
 * state when the plan is unreadable), so every field but the key and the location may be missing.
 */
export interface FlagTarget {
  key: string;
  /** flagd-file: the flag file, relative to the plan. */
  file: string;
  /** `flags[].provider`; absent = flagd-file. */
  provider?: string;
  /** The provider's own block of the plan (`flags[].unleash`), read without validation on the fast path. */
  settings?: Record<string, unknown>;
  newVariant?: string;
  fallbackVariant?: string;
  groupAttribute?: string;
  /** Every group the plan's stages name: the read-back evaluates each of them. */
  groups?: string[];
  /** The command that carries the file to applications after each write (flagd-file). */
  publish?: PublishSpec;
}

/** `flags[].publish`: an argv run after every write of a flag file, e.g. `kubectl apply` of a ConfigMap. */
export interface PublishSpec {
  run: string[];
  /** Variables passed through from rollout's environment (allow-list). */
  env: string[];
  /** A duration such as 30s: SIGTERM of the process group, SIGKILL after a grace period. */
  timeout: string;
  /** Working directory, relative to the plan. */
  cwd?: string;
}

/** What a publish run ended with. */
export interface PublishOutcome {
  ok: boolean;
  /** `exit 0`, `exit 3`, `timed out after 30s; …`, `cannot run kubectl: ENOENT`. */
  summary: string;
  /** The argv as run (shell-quoted), for messages and the audit log. */
  command: string;
  /** Milliseconds the command ran. */
  ms: number;
  /** The last lines of its output, redacted. */
  output?: string;
}

/** One stored document changed (or checked) by a write. */
export interface ProviderWrite {
  /** Where it lives: the flag file as the plan names it. */
  location: string;
  flags: string[];
  /** The stored document differs from what it was (true in a dry run too). */
  changed: boolean;
  diff: FlagDiff;
  /** Something was persisted (false in a dry run and when nothing changed). */
  written: boolean;
  /** sha256 of the document as stored now (or as it would be, in a dry run). */
  sha256: string;
  /** Set when the provider has a publish step and it ran. */
  publish?: PublishOutcome;
}

/** What a provider serves for one flag right now, read from the provider (never from the state). */
export interface ServedFlag {
  newVariant: string;
  fallbackVariant: string;
  percent: number;
  groups: string[];
  killSwitch: boolean;
}

/** Options every write takes. */
export interface ProviderWriteOptions {
  /** Compute the change, change nothing (enforced in the provider, not by callers). */
  dryRun: boolean;
  /** Run the publish step: `changed` only after a write that changed something, `always` also when nothing changed. */
  publish: 'changed' | 'always' | 'never';
  /** Also rewrite a stored document that means the same but differs byte for byte (`flags sync`). */
  force?: boolean;
}

/** What a provider needs from the world: where the plan is, the environment, the redaction of every output. */
export interface ProviderContext {
  planDir: string;
  env: NodeJS.ProcessEnv;
  redact: (text: string) => string;
}

/**
 * A place flags live. One module per provider (`flagd-file.ts`, …) implements this; the lifecycle
 * (advance, rollback, ramp-down, retry, `flags sync`, `status`) only ever talks to this interface.
 * See README.md beside this file for what adding a provider takes.
 */
export interface FlagProvider {
  /** The `flags[].provider` value that selects this module. */
  readonly kind: string;
  readonly capabilities: ProviderCapabilities;
  /** Writes the stage of the given flags (idempotent: an unchanged stage writes nothing). */
  writeStage(
    entries: Array<{ flag: ProviderFlag; position: FlagPosition }>,
    options: ProviderWriteOptions,
  ): Promise<ProviderWrite[]>;
  /** Reads back what the provider serves for `flag`; null when the flag is not there. Throws when it cannot be read. */
  readServed(flag: ProviderFlag): Promise<ServedFlag | null>;
  /** The variant a user gets and why, evaluated as applications evaluate it. */
  explain(flag: ProviderFlag, context: FlagEvalContext): Promise<FlagEvaluation>;
  /** sha256 of the document stored for `flag` now; null when there is none. */
  storedDigest(flag: ProviderFlag): Promise<string | null>;
  /**
   * How what the provider holds for `flag` differs from what rollout writes for `position` (the state's
   * position): one line per difference, empty when it holds exactly that. A remote provider that people also
   * edit by hand (a flag server's UI) implements it; `advance` refuses to overwrite a hand edit and `status`
   * shows it. Throws ProviderUnavailableError when the provider cannot be read.
   */
  handEdits?(flag: ProviderFlag, position: FlagPosition): Promise<string[]>;
}
