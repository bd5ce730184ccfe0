import type { DatasourceRef, GrafanaPanel, GrafanaTarget, ThresholdStep } from './types.js';

/** Panels read the datasource from the `datasource` template variable, so one JSON fits every Grafana. */
export const DATASOURCE: DatasourceRef = { type: 'prometheus', uid: '${datasource}' };

/** A query as written by a panel builder; refIds are assigned in order (A, B, C…). */
export interface QuerySpec {
  expr: string;
  legend: string;
}

/** Limits drawn on a panel: values above `upper` or below `lower` are red. */
export interface Limits {
  upper?: number;
  lower?: number;
}

/** Grafana draws a line at each step boundary; the base colour is what is *good* for the metric. */
export function toThresholdSteps(limits: Limits): ThresholdStep[] {
  const steps: ThresholdStep[] = [{ color: limits.lower !== undefined ? 'red' : 'green', value: null }];
  if (limits.lower !== undefined) steps.push({ color: 'green', value: limits.lower });
  if (limits.upper !== undefined) steps.push({ color: 'red', value: limits.upper });
  return steps;
}

function toTargets(queries: QuerySpec[]): GrafanaTarget[] {
  return queries.map((q, i) => ({
    refId: String.fromCharCode(65 + i),
    expr: q.expr,
    legendFormat: q.legend,
    datasource: DATASOURCE,
  }));
}

interface PanelSpec {
  title: string;
  description?: string;
  unit: string;
  queries: QuerySpec[];
  limits?: Limits;
  /** Series drawn as a dashed line (e.g. a threshold computed from the baseline). */
  dashed?: string[];
}

/** A time series panel; limits are drawn as threshold lines. `id` and `gridPos` are set by the layout. */
export function makeTimeseries(spec: PanelSpec): Omit<GrafanaPanel, 'id' | 'gridPos'> {
  const hasLimits = spec.limits !== undefined && (spec.limits.upper !== undefined || spec.limits.lower !== undefined);
  return {
    type: 'timeseries',
    title: spec.title,
    ...(spec.description ? { description: spec.description } : {}),
    datasource: DATASOURCE,
    targets: toTargets(spec.queries),
    fieldConfig: {
      defaults: {
        unit: spec.unit,
        custom: { lineWidth: 2, fillOpacity: 0, thresholdsStyle: { mode: hasLimits ? 'line+area' : 'off' } },
        thresholds: { mode: 'absolute', steps: toThresholdSteps(spec.limits ?? {}) },
        color: { mode: 'palette-classic' },
      },
      overrides: (spec.dashed ?? []).map((legend) => ({
        matcher: { id: 'byName', options: legend },
        properties: [
          { id: 'custom.lineStyle', value: { fill: 'dash', dash: [10, 10] } },
          { id: 'color', value: { mode: 'fixed', fixedColor: 'red' } },
        ],
      })),
    },
    options: {
      legend: { displayMode: 'table', placement: 'bottom', calcs: ['lastNotNull', 'max'] },
      tooltip: { mode: 'multi' },
    },
  };
}

/** A single-value panel coloured by the limits. */
export function makeStat(spec: PanelSpec): Omit<GrafanaPanel, 'id' | 'gridPos'> {
  return {
    type: 'stat',
    title: spec.title,
    ...(spec.description ? { description: spec.description } : {}),
    datasource: DATASOURCE,
    targets: toTargets(spec.queries),
    fieldConfig: {
      defaults: { unit: spec.unit, thresholds: { mode: 'absolute', steps: toThresholdSteps(spec.limits ?? {}) } },
      overrides: [],
    },
    options: {
      reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
      colorMode: 'background',
      graphMode: 'area',
    },
  };
}

/**
 * Lays panels out on Grafana's 24-column grid: rows of the given width, a row header before each
 * section, ids numbered from 1 in reading order (Grafana requires them unique).
 */
export function layoutSections(
  sections: Array<{
    title: string;
    width: number;
    height: number;
    panels: Array<Omit<GrafanaPanel, 'id' | 'gridPos'>>;
  }>,
): GrafanaPanel[] {
  const out: GrafanaPanel[] = [];
  let y = 0;
  for (const section of sections) {
    if (section.panels.length === 0) continue;
    out.push({
      id: out.length + 1,
      type: 'row',
      title: section.title,
      collapsed: false,
      panels: [],
      gridPos: { x: 0, y, w: 24, h: 1 },
    });
    y += 1;
    let x = 0;
    for (const panel of section.panels) {
      if (x + section.width > 24) {
        x = 0;
        y += section.height;
      }
      out.push({ ...panel, id: out.length + 1, gridPos: { x, y, w: section.width, h: section.height } });
      x += section.width;
    }
    y += section.height;
  }
  return out;
}
