/**
 * The error catalogue: every error the CLI can end with has a stable code, an exit code, a hint that
 * says what to do next and, where one exists, a runbook. Tests assert codes, never wording.
 */
export const EXIT = {
  ok: 0,
  fail: 1,
  usage: 2,
  inconclusive: 3,
  rolledBack: 4,
  busy: 5,
  rollbackIncomplete: 6,
  internal: 70,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export interface CatalogueEntry {
  exitCode: ExitCode;
  hint: string;
  runbook?: string;
}

export const CATALOGUE = {
  E_USAGE: {
    exitCode: EXIT.usage,
    hint: 'Run `rollout --help` or `rollout <command> --help` for the accepted options.',
    runbook: 'exit-2-usage-or-config',
  },
  E_CONFIG: {
    exitCode: EXIT.usage,
    hint: 'Fix the listed problems in the file; `rollout validate` re-checks it.',
    runbook: 'exit-2-usage-or-config',
  },
  E_CONFIG_NOT_FOUND: {
    exitCode: EXIT.usage,
    hint: 'Run `rollout init` to write a starter plan, or pass `-c <file>`.',
    runbook: 'exit-2-usage-or-config',
  },
  E_INIT_EXISTS: {
    exitCode: EXIT.usage,
    hint: 'Nothing was overwritten. Remove or rename the file first if you really want a fresh one.',
  },
  E_STATE_URL: {
    exitCode: EXIT.usage,
    hint: 'Use `--state file:<dir>` or `--state postgres://host/db`.',
    runbook: 'exit-2-usage-or-config',
  },
  E_STATE_BACKEND_UNAVAILABLE: {
    exitCode: EXIT.usage,
    hint: 'Use a file: state URL, or a backend this version supports.',
    runbook: 'exit-2-usage-or-config',
  },
  E_NO_RELEASE: {
    exitCode: EXIT.usage,
    hint: 'No release has been started in this state yet; `rollout advance` starts it.',
  },
  E_LOCK_BUSY: {
    exitCode: EXIT.busy,
    hint: 'Wait for the holder to finish. If it is gone, `rollout unlock --force --reason "…"` breaks the lock.',
    runbook: 'exit-5-busy',
  },
  E_LOCK_LOST: {
    exitCode: EXIT.busy,
    hint: 'This operation lost the release lock (it expired or was broken) and stopped before writing; run it again.',
    runbook: 'exit-5-busy',
  },
  E_STATE_STALE: {
    exitCode: EXIT.busy,
    hint: 'Another operation changed the release while this one ran; run the command again.',
    runbook: 'exit-5-busy',
  },
  E_STATE_UNAVAILABLE: {
    exitCode: EXIT.inconclusive,
    hint: 'The state backend cannot be reached; nothing was changed. Check the database and the connection variables, then run again.',
    runbook: 'exit-3-inconclusive',
  },
  E_STATE_SCHEMA: {
    exitCode: EXIT.usage,
    hint: 'The state database was written by a newer rollout; upgrade rollout before using it.',
    runbook: 'exit-2-usage-or-config',
  },
  E_STATE_CORRUPT: {
    exitCode: EXIT.usage,
    hint: 'The release state cannot be read; nothing was changed. `rollout state repair` rebuilds it from the audit log (a dry run first), or restore a backup (runbook); a rollback still switches the flag.',
    runbook: 'state-corrupt',
  },
  E_STATE_UNSAFE: {
    exitCode: EXIT.usage,
    hint: 'A state or lock file is a symbolic link; rollout does not follow them. Replace it with the real file (runbook).',
    runbook: 'state-corrupt',
  },
  E_AUDIT_WRITE: {
    exitCode: EXIT.internal,
    hint: 'The audit log could not be written; the step was not taken. Check disk space and permissions.',
    runbook: 'exit-70-internal',
  },
  E_AUDIT_TAMPERED: {
    exitCode: EXIT.fail,
    hint: 'The audit log does not verify. Keep a copy of the file as evidence and investigate who changed it.',
    runbook: 'exit-1-gate-failed',
  },
  E_GATE_FAILED: {
    exitCode: EXIT.fail,
    hint: 'Read the failing gates above; nothing was changed.',
    runbook: 'exit-1-gate-failed',
  },
  E_INCONCLUSIVE: {
    exitCode: EXIT.inconclusive,
    hint: 'Not enough evidence yet; nothing was changed. Wait for data or fix the metrics source.',
    runbook: 'exit-3-inconclusive',
  },
  E_NO_METRICS_SOURCE: {
    exitCode: EXIT.inconclusive,
    hint: 'Set the Prometheus URL variable named by metrics.prometheus.urlEnv (default ROLLOUT_PROMETHEUS_URL), or --replay a recording.',
    runbook: 'exit-3-inconclusive',
  },
  E_NO_CANARY: {
    exitCode: EXIT.usage,
    hint: 'Add a canary section (metrics, arms) to rollout.yaml; `rollout schema` describes it.',
    runbook: 'exit-2-usage-or-config',
  },
  E_CONFIG_CHANGED: {
    exitCode: EXIT.usage,
    hint: 'rollout.yaml changed since the release started. Review `git diff`, then run again with --accept-config-change.',
    runbook: 'exit-2-usage-or-config',
  },
  E_RELEASE_ROLLED_BACK: {
    exitCode: EXIT.rolledBack,
    hint: 'The release was rolled back. Fix the cause, then `rollout retry` re-opens it at the stage it was rolled back from.',
    runbook: 'exit-4-rolled-back',
  },
  E_ROLLBACK_IN_PROGRESS: {
    exitCode: EXIT.busy,
    hint: 'A rollback is under way or was interrupted; `rollout status` shows which. Let a running ramp-down finish; `rollout rollback --resume` finishes an interrupted one; `rollout rollback` finishes an immediate or full rollback whose kill switch did not go on, and records a kill switch that was written but not recorded.',
    runbook: 'exit-5-busy',
  },
  E_NOTHING_TO_RESUME: {
    exitCode: EXIT.usage,
    hint: '`--resume` only continues an interrupted progressive ramp-down. `rollout rollback` starts a rollback.',
    runbook: 'exit-2-usage-or-config',
  },
  E_STATE_POSITION: {
    exitCode: EXIT.usage,
    hint: 'The state points at a phase or stage the plan no longer has. Put it back in rollout.yaml, or roll back and `rollout retry --from <stage>`.',
    runbook: 'plan-edited-mid-release',
  },
  E_FLAG_FILE: {
    exitCode: EXIT.usage,
    hint: 'The flag file is not a flagd document rollout can extend. `rollout rollback` rebuilds it from the plan; or restore it from version control.',
    runbook: 'flag-file-damaged',
  },
  E_FLAG_PUBLISH: {
    exitCode: EXIT.inconclusive,
    hint: 'A flag file could not be published (flags[].publish): applications may not see the change. Fix the command or what it talks to; `rollout flags sync` publishes the position the state holds.',
    runbook: 'flag-publish-failed',
  },
  E_FLAG_PROVIDER: {
    exitCode: EXIT.inconclusive,
    hint: 'The flag provider (e.g. the Unleash server) is down, refused the token, failed or did not answer in time; nothing was changed. Check the URL and token variables flags[].<provider> names, then run the command again.',
    runbook: 'flag-provider-problem',
  },
  E_FLAG_HAND_EDIT: {
    exitCode: EXIT.fail,
    hint: 'The flag provider holds something rollout did not write (an edit in its UI); nothing was changed. Undo the edit, or make it part of the plan; `rollout status` shows the difference.',
    runbook: 'flag-provider-problem',
  },
  E_DEMO_PREREQUISITE: {
    exitCode: EXIT.usage,
    hint: "`rollout demo --provider unleash` needs what the message names: unleash-server 6.x and PostgreSQL's server binaries to start a local Unleash, or UNLEASH_URL and UNLEASH_ADMIN_TOKEN for a running one. `rollout demo` without --provider needs nothing.",
  },
  E_DEMO_SERVICE: {
    exitCode: EXIT.inconclusive,
    hint: 'A service `rollout demo` started (PostgreSQL, unleash-server) failed; the message has its last output. Everything the demo started was stopped and its files removed.',
  },
  E_ROLLED_BACK: {
    exitCode: EXIT.rolledBack,
    hint: 'A regression was detected and the release was rolled back. `rollout retry` re-opens it after a fix.',
    runbook: 'exit-4-rolled-back',
  },
  E_ROLLBACK_INCOMPLETE: {
    exitCode: EXIT.rollbackIncomplete,
    hint: 'The rollback could not be completed. Follow the runbook by hand now.',
    runbook: 'exit-6-rollback-incomplete',
  },
  E_INTERNAL: {
    exitCode: EXIT.internal,
    hint: 'This is a bug in rollout. Please report it with the command you ran and `rollout --version`.',
    runbook: 'exit-70-internal',
  },
} as const satisfies Record<string, CatalogueEntry>;

export type ErrorCode = keyof typeof CATALOGUE;
