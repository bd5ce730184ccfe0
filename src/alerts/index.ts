export { buildAlertRules, renderRulesYaml } from './build-rules.js';
export { parseLimit, renderArmQuery, hasPromql, type Arm, type Limit } from './arm-query.js';
export { SERIES, SERVICE_QUERIES, collectPlanQueries, isSeriesInPlan } from './series.js';
export { toAlertName, renderTriggerExpr } from './trigger-rules.js';
export type { AlertNote, AlertRule, AlertRuleGroup, AlertRulesResult } from './types.js';
