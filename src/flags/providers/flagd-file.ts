import path from 'node:path';
import { buildFlagDocument } from '../flagd.js';
import { createFileFlagStore, digestText, serializeFlagDocument } from '../flag-store.js';
import { readRolloutShape } from '../rollout-shape.js';
import type { FlagSpec } from '../types.js';
import { runPublish } from './publish.js';
import { PROVIDERS } from './registry.js';
import { readTextOrNull } from '../../state/atomic-file.js';
import type {
  FlagPosition,
  FlagProvider,
  ProviderContext,
  ProviderFlag,
  ProviderWrite,
  ProviderWriteOptions,
  PublishSpec,
} from './types.js';

function toSpec(flag: ProviderFlag, position: FlagPosition): FlagSpec {
  return {
    key: flag.key,
    newVariant: flag.newVariant,
    fallbackVariant: flag.fallbackVariant,
    percent: position.percent,
    groups: position.groups,
    groupAttribute: flag.groupAttribute,
    killSwitch: position.killSwitch,
    metadata: flag.metadata,
  };
}

/**
 * The flagd-file provider: every flag lives in a flagd JSON file next to the plan (`flags[].file`); flags
 * that share a file are written together. Writes are atomic (src/flags/flag-store.ts); after a write the
 * file's `publish` command, if any, ships it to applications. The kill switch of this provider is in
 * flagd-file-kill-switch.ts (it runs on the rollback fast path before this module is loaded).
 */
export function createFlagdFileProvider(ctx: ProviderContext): FlagProvider {
  const absolute = (flag: ProviderFlag) => path.resolve(ctx.planDir, flag.location);
  const readDoc = (flag: ProviderFlag) => createFileFlagStore({ path: absolute(flag), dryRun: true }).read();

  const writeStage = async (
    entries: Array<{ flag: ProviderFlag; position: FlagPosition }>,
    options: ProviderWriteOptions,
  ): Promise<ProviderWrite[]> => {
    const byFile = new Map<string, Array<{ flag: ProviderFlag; position: FlagPosition }>>();
    for (const e of entries) byFile.set(e.flag.location, [...(byFile.get(e.flag.location) ?? []), e]);
    const writes: ProviderWrite[] = [];
    for (const [file, group] of byFile) {
      const doc = buildFlagDocument(group.map((e) => toSpec(e.flag, e.position)));
      const sha256 = digestText(serializeFlagDocument(doc));
      const target = path.resolve(ctx.planDir, file);
      const result = await createFileFlagStore({ path: target, dryRun: options.dryRun }).write(doc, {
        force: options.force === true,
      });
      const write: ProviderWrite = {
        location: file,
        flags: group.map((e) => e.flag.key),
        changed: result.changed,
        diff: result.diff,
        written: result.written,
        sha256,
      };
      const spec: PublishSpec | undefined = group.find((e) => e.flag.publish)?.flag.publish;
      const due = options.publish === 'always' || (options.publish === 'changed' && result.written);
      if (spec && due && !options.dryRun) write.publish = await runPublish(spec, target, sha256, ctx);
      writes.push(write);
    }
    return writes;
  };

  return {
    kind: 'flagd-file',
    capabilities: PROVIDERS['flagd-file'].capabilities,
    writeStage,
    async readServed(flag) {
      const doc = await readDoc(flag);
      const found = doc?.flags[flag.key];
      const shape = found ? readRolloutShape(found) : null;
      if (!shape) return null;
      return {
        newVariant: shape.newVariant,
        fallbackVariant: shape.fallbackVariant,
        percent: shape.stagePercent,
        groups: shape.groups,
        killSwitch: shape.killSwitch,
      };
    },
    async explain(flag, context) {
      const doc = await readDoc(flag);
      const { evaluateFlag } = await import('../evaluate.js');
      return evaluateFlag(doc ?? { flags: {} }, flag.key, context);
    },
    async storedDigest(flag) {
      const text = await readTextOrNull(absolute(flag));
      return text === null ? null : digestText(text);
    },
  };
}
