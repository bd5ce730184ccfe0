// The one-flag, two-stage plan the CLI benchmarks run against (history-scale, rollback, flag-delivery).
// `flagExtra` is YAML appended to the flag's entry (e.g. a `publish:` line), indented to match.

/** The plan's text; `flagExtra` lines are added to the flag's entry as they are. */
export function benchPlan(flagExtra = '') {
  return `version: 1
release: bench
flags:
  - key: feature
    variants: { new: "on", fallback: "off" }
    file: flags/flags.json
${flagExtra ? `    ${flagExtra}\n` : ''}phases:
  - id: roll
    title: Rollout
    completion: none
    rollout:
      flag: feature
      stages:
        - { id: s1, percent: 25, groups: [internal] }
        - { id: s2, percent: 100 }
canary:
  arms: { label: variant, canary: "on", baseline: "off" }
  metrics:
    - { id: err, kind: ratio, events: e, total: t, direction: lower-is-better, maxRelativeChange: 0.1 }
`;
}
