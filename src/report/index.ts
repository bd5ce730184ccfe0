export {
  addProgressLooks,
  buildReport,
  buildReportFromLog,
  type CanaryPoint,
  type ReleaseReport,
} from './build-report.js';
export { computeDelivery, type DeliveryMetrics, type TimeInStep } from './delivery.js';
export { classifyOp, collectEvents, OP_KINDS, type EventKind, type ReleaseEvent } from './events.js';
export { findCanaryEvidence, type CanaryEvidence, type MetricVerdict } from './evidence.js';
export { readPosition, type Position } from './position.js';
export { renderHtml } from './render-html.js';
export { renderMarkdown } from './render-markdown.js';
export {
  REPORT_LIMITS,
  walkEvents,
  type Decision,
  type ReportLimits,
  type RollbackRecord,
  type Visit,
} from './timeline.js';
