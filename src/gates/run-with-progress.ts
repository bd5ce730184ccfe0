import type { GateConfig } from '../config/schema.js';
import type { Ctx } from '../context.js';
import { formatProgressLine } from '../output/preflight-render.js';
import type { Style } from '../output/style.js';
import { runGates } from './run-gates.js';
import type { GateContext, GateResult } from './types.js';

/** Plain lines in CI; on a terminal also a line when each gate starts. A heartbeat names what still runs. */
export async function runWithProgress(
  gates: GateConfig[],
  gctx: GateContext,
  ctx: Ctx,
  s: Style,
): Promise<GateResult[]> {
  const running = new Map<string, number>();
  const heartbeat = setInterval(
    () => {
      if (running.size === 0) return;
      const now = performance.now();
      ctx.progress(
        s.dim(
          `… still running: ${[...running].map(([id, t]) => `${id} (${Math.round((now - t) / 1000)}s)`).join(', ')}`,
        ),
      );
    },
    ctx.isTTY ? 10_000 : 30_000,
  );
  heartbeat.unref();
  try {
    return await runGates(gates, gctx, {
      onStart: (gate) => {
        running.set(gate.id, performance.now());
        if (ctx.isTTY) ctx.progress(s.dim(`▸ ${gate.id} (${gate.kind}) started`));
      },
      onResult: (r) => {
        running.delete(r.id);
        ctx.progress(formatProgressLine(r, s, ctx.isTTY));
      },
    });
  } finally {
    clearInterval(heartbeat);
  }
}
