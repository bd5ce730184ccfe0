import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * The plan `rollout demo` releases: the repository's v2.1.0 plan in miniature. Same flag, variants,
 * stages, bakes, canary policy and rollback triggers; gates that need a real CI (npm commands) or a
 * real application (http) are left out, and the property and perf-budget gates run fewer rounds so
 * the demo stays quick. Prometheus gates and canary metrics are answered by the simulated source.
 */
export const DEMO_PLAN_YAML = `# rollout demo: a simulated release. Nothing here talks to a real service:
# traffic, metrics and the clock are simulated in-process; notifications go to the console.
version: 1
release: v2.1.0-demo
description: Simulated release of reserves v1.1 (rollout demo; no real users, no real services).
budget: .perf-budget.json

flags:
  - key: reserves_v1.1
    variants: { new: reserves_v1.1, fallback: reserves_v1.0 }
    file: flags/flags.json
    groupAttribute: groups
    killSwitch: true
    monitoring: { completionRateThreshold: 0.95, errorRateThreshold: 0.02, latencyThreshold: 400 }

completionChecklist:
  - { id: phase-tasks-done, title: All phase tasks completed and tested }
  - { id: team-informed, title: Team communication completed }

phases:
  - id: P0
    title: Pre-flight validation
    completion: none
    gates:
      - { id: perf-budget, item: P0-1, title: Performance meets current budgets, kind: perf-budget, budget: .perf-budget.json, runs: 3 }
      - { id: engine-invariants, item: P0-1, title: Engine property suites hold, kind: property, engine: all, seed: 20261129, runs: 5 }
      - { id: no-p0-p1-bugs, item: P0-1, title: No P0/P1 bugs in backlog, kind: manual, signoff: backlog-clean }
      - id: guardian-48h
        item: P0-2
        title: Guardian runs green for 48 consecutive hours
        kind: prometheus
        query: min_over_time(guardian_green[{{window}}])
        window: 48h
        expect: "== 1"
      - id: error-rate-baseline
        item: P0-2
        title: Error rate < 1% baseline
        kind: prometheus
        query: sum(rate(http_requests_total{status=~"5.."}[{{window}}])) / sum(rate(http_requests_total[{{window}}]))
        window: 1h
        expect: "< 0.01"
      - id: p95-baseline
        item: P0-2
        title: P95 latency < 400ms baseline
        kind: prometheus
        query: histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket[{{window}}])))
        window: 1h
        expect: "< 0.4"
      - { id: rollback-verified, item: P0-3, title: Rollback procedures verified, kind: manual, signoff: rollback-verified }
    checklist:
      - { id: backlog-clean, item: P0-1, title: No P0/P1 bugs in backlog }
      - { id: rollback-verified, item: P0-3, title: Rollback procedures verified }

  - id: P1
    title: Foundation and infrastructure
    gates:
      - { id: chaos-framework, item: A-1, title: Chaos Lite framework deployed, kind: manual, signoff: chaos-ready }
      - { id: flag-capabilities, item: B-3, title: "Percentage, groups, fallback and real-time toggle", kind: manual, signoff: flag-capabilities }
    checklist:
      - { id: chaos-ready, item: A-1, title: Chaos Lite testing framework deployed }
      - { id: flag-capabilities, item: B-3, title: "Percentage rollout, group targeting, fallback and real-time toggle" }

  - id: P2
    title: Core logic and progressive rollout
    gates:
      - { id: properties-v1.1, item: C-1, title: Property tests and accuracy with the new logic, kind: property, engine: all, model: v1.1, runs: 5, minAccuracyDelta: 0 }
      - { id: kill-switch-tested, item: C-2, title: Kill switch functional and tested, kind: manual, signoff: kill-switch-tested }
    checklist:
      - { id: kill-switch-tested, item: C-2, title: Kill switch functional and tested }
    rollout:
      flag: reserves_v1.1
      stages:
        - { id: week-1, percent: 1, groups: [internal], bake: 7d, label: internal users only }
        - { id: week-2, percent: 5, groups: [beta_users, internal], bake: 7d, label: beta users + internal }
        - { id: week-3, percent: 25, groups: [beta_users, internal], bake: 7d, label: selected production users }
        - { id: week-4, percent: 50, groups: [beta_users, internal], bake: 7d, label: broader production }
        - { id: week-5, percent: 100, groups: [beta_users, internal], bake: 0s, label: full rollout }

  - id: P3
    title: Stability and operations
    gates:
      - { id: on-call-trained, item: X-2, title: On-call team trained, kind: manual, signoff: on-call-trained }
    checklist:
      - { id: on-call-trained, item: X-2, title: On-call team trained }

  - id: P4
    title: Full release and validation
    gates:
      - { id: soak-24h, title: 24-hour soak passed, kind: soak, duration: 24h, since: phase }

canary:
  window: 30m
  minSamples: 1000
  alpha: 0.01
  power: 0.9
  arms: { label: variant, canary: reserves_v1.1, baseline: reserves_v1.0 }
  multipleComparisons: holm
  metrics:
    - id: error_rate
      title: Error rate increase > 10% → rollback
      kind: ratio
      events: sum(increase(http_requests_total{variant="{{variant}}",status=~"5.."}[{{window}}]))
      total: sum(increase(http_requests_total{variant="{{variant}}"}[{{window}}]))
      direction: lower-is-better
      maxRelativeChange: 0.10
      maxAbsolute: 0.02
    - id: latency_p95
      title: Latency P95 > 400ms → rollback
      kind: threshold
      query: 1000 * histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{variant="{{variant}}"}[{{window}}])))
      max: budget.p95Max
    - id: latency
      title: Latency distribution, canary vs baseline
      kind: distribution
      query: 1000 * histogram_quantile(0.5, sum by (le) (rate(http_request_duration_seconds_bucket{variant="{{variant}}"}[5m])))
      step: 1m
      direction: lower-is-better
      maxRelativeShift: 0.10
      critical: false
    - id: wizard_completion_rate
      title: Wizard completion rate drop > 5% → rollback
      kind: ratio
      events: sum(increase(wizard_completed_total{variant="{{variant}}"}[{{window}}]))
      total: sum(increase(wizard_started_total{variant="{{variant}}"}[{{window}}]))
      direction: higher-is-better
      maxRelativeChange: 0.05
      minAbsolute: 0.95
    - id: fund_setup_success_rate
      title: Business metric degradation > 15% → alert + manual review
      kind: ratio
      events: sum(increase(fund_setup_success_total{variant="{{variant}}"}[{{window}}]))
      total: sum(increase(fund_setup_attempts_total{variant="{{variant}}"}[{{window}}]))
      direction: higher-is-better
      maxRelativeChange: 0.15
      action: alert
      critical: false
    - id: model_accuracy_delta
      title: Model accuracy, v1.1 − v1.0 on the golden cases
      kind: threshold
      source: verify
      min: -0.05
      action: alert
      critical: false

# The plan's canary-health trigger is left out: the simulated application has no HTTP endpoint.
triggers:
  - { id: error-rate, metric: error_rate, above: baseline * 1.5, window: 10m, action: rollback }
  - { id: latency-p95, metric: latency_p95, above: 400, window: 5m, action: rollback }
  - { id: wizard-completion, metric: wizard_completion_rate, below: baseline * 0.9, window: 15m, action: rollback }
  - { id: fund-setup, metric: fund_setup_success_rate, below: baseline * 0.95, window: 30m, action: alert }
  - { id: model-accuracy, metric: model_accuracy_delta, below: -0.05, window: 30m, action: alert }

rollback:
  defaultMode: immediate
  watchAutoMode: immediate

watch:
  interval: 1m
  consecutiveErrorLimit: 4
  onSourceErrors: hold-and-alert
`;

/** The budget beside the plan: the repository's hot-path budgets and the 400 ms p95 the canary reads. */
export const DEMO_BUDGET = {
  hotPaths: { 'reserve-worker.ts': 180, 'pacing-worker.ts': 175, 'cohort-worker.ts': 200 },
  p95Max: 400,
  heapDeltaMax: 15,
  errorRateMax: 1,
};

/** Where the demo project's files are, once written. */
export interface DemoProject {
  dir: string;
  planFile: string;
  flagFile: string;
}

/** Where the demo's flag lives: the flagd file (default) or a toggle on an Unleash server. */
export type DemoFlagPlacement =
  { provider: 'flagd-file' } | { provider: 'unleash'; project: string; environment: string };

const FILE_FLAG_LINE = '    file: flags/flags.json\n';

/**
 * The embedded plan for `placement`: the flagd-file plan is DEMO_PLAN_YAML itself; the Unleash one differs
 * only in where the flag lives (`provider: unleash` and its project and environment; URL and token from the
 * environment, as in any plan) and in the header, since it does talk to a real Unleash server.
 */
export function demoPlanYaml(placement: DemoFlagPlacement): string {
  if (placement.provider === 'flagd-file') return DEMO_PLAN_YAML;
  const block = `    provider: unleash\n    unleash: { project: ${JSON.stringify(placement.project)}, environment: ${JSON.stringify(placement.environment)} }\n`;
  return DEMO_PLAN_YAML.replace(
    /^# rollout demo: a simulated release\. Nothing here talks to a real service:\n/,
    '# rollout demo --provider unleash: a simulated release whose flag is a toggle on a real Unleash server\n# (UNLEASH_URL / UNLEASH_ADMIN_TOKEN); everything else is simulated:\n',
  ).replace(FILE_FLAG_LINE, block);
}

/** Writes the plan and its budget into `dir` (a fresh temporary directory). */
export async function writeDemoProject(
  dir: string,
  placement: DemoFlagPlacement = { provider: 'flagd-file' },
): Promise<DemoProject> {
  const planFile = path.join(dir, 'rollout.yaml');
  await writeFile(planFile, demoPlanYaml(placement));
  await writeFile(path.join(dir, '.perf-budget.json'), `${JSON.stringify(DEMO_BUDGET, null, 2)}\n`);
  await mkdir(path.join(dir, 'flags'), { recursive: true });
  return { dir, planFile, flagFile: path.join(dir, 'flags', 'flags.json') };
}
