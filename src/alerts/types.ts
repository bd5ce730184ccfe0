/** One Prometheus alerting rule, in the shape of a rules file entry. */
export interface AlertRule {
  alert: string;
  expr: string;
  /** How long the condition must hold before the alert fires. */
  for: string;
  labels: {
    /** `critical` for rollback triggers (the pager), `warning` for alert-only triggers and budgets. */
    severity: 'critical' | 'warning';
    release: string;
    /** The trigger id from rollout.yaml, or `budget.<key>` for `.perf-budget.json` limits. */
    trigger: string;
  };
  annotations: { summary: string; description: string; runbook: string };
}

/** A rule group; `interval` is the evaluation interval (set to the watch interval). */
export interface AlertRuleGroup {
  name: string;
  interval: string;
  rules: AlertRule[];
}

/** Something of the plan that could not become a rule, and why; `sketch` is a hand-completable expression. */
export interface AlertNote {
  trigger: string;
  message: string;
  sketch?: string;
}

/** Everything `rollout alerts` produces. */
export interface AlertRulesResult {
  groups: AlertRuleGroup[];
  notes: AlertNote[];
}

/** The generic runbook an alert names when no runbook of the project declares its trigger (runbooks/generic). */
export const DEFAULT_ALERT_RUNBOOK = 'release-alert';
