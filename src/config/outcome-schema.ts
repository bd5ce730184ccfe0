import { z } from 'zod';

/**
 * The plan's success metrics and risks (`successMetrics`, `risks` in rollout.yaml). References to
 * gates, metrics, triggers, chaos experiments, runbooks and sign-offs are checked in outcome-rules.ts.
 */

const id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'ids use letters, digits, ".", "_" and "-"');
/** A gate: `P1/perf-regression`, or a bare id when only one phase has a gate of that name. */
const gateRef = z
  .string()
  .regex(/^([A-Za-z0-9][A-Za-z0-9_.-]*\/)?[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'a gate id, or PHASE/gate-id');
const comparison = z
  .string()
  .regex(
    /^\s*(<=|>=|==|!=|<|>)\s*-?\d+(\.\d+)?([eE][-+]?\d+)?\s*$/,
    'a comparison such as "< 0.05", ">= 0.95" or "== 0"',
  );

/** Figures `rollout report` derives from the state and the audit log. */
export const DERIVED_MEASURES = [
  'deployment-success-rate',
  'rollback-rate',
  'rollback-count',
  'mttr',
  'release-duration',
  'alert-noise',
] as const;
export type DerivedMeasure = (typeof DERIVED_MEASURES)[number];

export const successSource = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('derived'),
    measure: z
      .enum(DERIVED_MEASURES)
      .describe(
        'deployment-success-rate, rollback-rate, alert-noise (fractions 0–1); rollback-count; mttr, release-duration (seconds)',
      ),
  }),
  z.strictObject({
    kind: z.literal('prometheus'),
    query: z.string().min(1).describe('PromQL returning one number; {{window}} and {{release}} are substituted'),
    window: z
      .string()
      .regex(/^(?=\d)(\d+w)?(\d+d)?(\d+h)?(\d+m)?(\d+s)?$/, 'a duration such as 7d')
      .optional()
      .describe('substituted for {{window}}'),
  }),
  z.strictObject({
    kind: z.literal('canary'),
    metric: id.describe('a canary metric id: its latest stage-end evidence'),
    arm: z.enum(['canary', 'baseline']).default('canary'),
  }),
  z.strictObject({
    kind: z.literal('gate'),
    gate: gateRef.describe('a gate whose latest recorded result is the value (pass = met)'),
  }),
  z.strictObject({
    kind: z.literal('signoff'),
    item: id.describe('a checklist item: met once signed off'),
  }),
]);
export type SuccessSource = z.infer<typeof successSource>;

export const successMetric = z.strictObject({
  id,
  title: z.string().min(1),
  group: z.enum(['technical', 'business', 'operational']),
  target: z.string().min(1).describe('the plan\'s target as written, e.g. "<5 % (minimal rollbacks needed)"'),
  expect: comparison
    .optional()
    .describe('derived, prometheus and canary sources: the comparison the value must satisfy, e.g. "< 0.05"'),
  source: successSource,
});
export type SuccessMetricConfig = z.infer<typeof successMetric>;

export const MITIGATION_KINDS = ['gate', 'metric', 'trigger', 'chaos', 'runbook', 'signoff'] as const;
export type MitigationKind = (typeof MITIGATION_KINDS)[number];

/** Exactly one key: what mitigates the risk. */
export const mitigation = z.union([
  z.strictObject({ gate: gateRef }),
  z.strictObject({ metric: id.describe('a canary metric id') }),
  z.strictObject({ trigger: id.describe('a trigger id') }),
  z.strictObject({ chaos: id.describe('a chaos experiment id') }),
  z.strictObject({ runbook: id.describe('a runbook id (a file in runbooks/)') }),
  z.strictObject({ signoff: id.describe('a checklist item: a sign-off is never a live mitigation') }),
]);
export type MitigationConfig = z.infer<typeof mitigation>;

export const risk = z.strictObject({
  id,
  title: z.string().min(1),
  level: z.enum(['low', 'moderate', 'high']).describe("the plan's confidence band: 🟢 low, 🟡 moderate, 🔴 high"),
  note: z.string().optional().describe("the plan's words on it"),
  mitigations: z
    .array(mitigation)
    .default([])
    .describe('gates, canary metrics, triggers, chaos experiments, runbooks or sign-offs of this plan'),
});
export type RiskConfig = z.infer<typeof risk>;
