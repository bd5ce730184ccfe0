/** The datasource reference every panel uses: the dashboard's `datasource` template variable. */
export interface DatasourceRef {
  type: 'prometheus';
  uid: string;
}

/** One PromQL query of a panel. */
export interface GrafanaTarget {
  refId: string;
  expr: string;
  legendFormat: string;
  datasource: DatasourceRef;
}

/** One colour band of a threshold scale; the first step's `value` is null (minus infinity). */
export interface ThresholdStep {
  color: string;
  value: number | null;
}

/** A dashboard panel (timeseries, stat, or a row header). */
export interface GrafanaPanel {
  id: number;
  type: 'timeseries' | 'stat' | 'row';
  title: string;
  description?: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: DatasourceRef;
  targets?: GrafanaTarget[];
  fieldConfig?: {
    defaults: Record<string, unknown> & { unit?: string; thresholds?: { mode: 'absolute'; steps: ThresholdStep[] } };
    overrides: Array<{ matcher: { id: string; options: string }; properties: Array<{ id: string; value: unknown }> }>;
  };
  options?: Record<string, unknown>;
  collapsed?: boolean;
  panels?: GrafanaPanel[];
}

/** The dashboard JSON model Grafana imports (schemaVersion 39, Grafana 10.x/11.x). */
export interface GrafanaDashboard {
  uid: string;
  title: string;
  description: string;
  tags: string[];
  timezone: string;
  editable: boolean;
  schemaVersion: number;
  version: number;
  refresh: string;
  time: { from: string; to: string };
  templating: { list: Array<Record<string, unknown>> };
  annotations: { list: Array<Record<string, unknown>> };
  panels: GrafanaPanel[];
}
