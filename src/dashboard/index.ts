export { buildDashboard, toDashboardUid, SCHEMA_VERSION } from './build-dashboard.js';
export { panelWindow } from './canary-panels.js';
export type { GrafanaDashboard, GrafanaPanel, GrafanaTarget } from './types.js';
