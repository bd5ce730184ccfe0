import type { Node } from 'yaml';
import { readPlanFile } from './read-plan.js';
import { yamlLib } from './yaml-lib.js';
import { locate, parseYamlSource } from './yaml-source.js';

/** Where something is written in the plan, for CI annotations and JUnit `file`/`line`. */
export interface PlanPosition {
  file: string;
  line: number;
  col: number;
}

/**
 * The line of each gate of `phaseId` in the plan file (the `- id:` item), keyed by gate id. Best
 * effort: a plan that no longer parses (edited since it was validated) gives an empty map, never an
 * error, since positions only decorate a verdict that is already decided. Loads the YAML parser, so
 * callers import this only when a position is wanted (GITHUB_ACTIONS, `--junit`).
 */
export async function findGatePositions(
  file: string,
  display: string,
  phaseId: string,
): Promise<Map<string, PlanPosition>> {
  const out = new Map<string, PlanPosition>();
  const text = await readPlanFile(file, display).catch(() => null);
  if (text === null) return out;
  const { source } = parseYamlSource(display, text, { positions: true });
  if (!source) return out;
  const { isMap, isSeq } = yamlLib();
  const phases = isMap(source.doc.contents) ? source.doc.contents.get('phases', true) : undefined;
  if (!isSeq(phases)) return out;
  const p = phases.items.findIndex((item) => isMap(item) && scalar(item.get('id', true)) === phaseId);
  if (p < 0) return out;
  const gates = (phases.items[p] as Node & { get(key: string, keep: true): unknown }).get('gates', true);
  if (!isSeq(gates)) return out;
  gates.items.forEach((gate, g) => {
    const id = isMap(gate) ? scalar(gate.get('id', true)) : undefined;
    if (id !== undefined && !out.has(id)) out.set(id, { file: display, ...locate(source, ['phases', p, 'gates', g]) });
  });
  return out;
}

function scalar(node: unknown): string | undefined {
  return yamlLib().isScalar(node) ? String(node.value) : undefined;
}
