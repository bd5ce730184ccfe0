/**
 * A cheap, parser-free estimate of how deeply a YAML text nests, used to refuse hostile files before
 * the parser recurses into them. It counts flow brackets outside quotes and comments, block
 * indentation levels and compact `- - -` / `? ?` indicators, and skips block scalars. It may
 * under-count exotic layouts (the exact check runs on the parsed tree); it must never over-count a
 * real plan, so only clear indicators count. Past `limit` it reports where the depth first passed `reportAt`.
 */
export function findDeepNesting(text: string, reportAt: number, limit: number): { line: number; col: number } | null {
  let first: { line: number; col: number } | null = null;
  const over = (depth: number, line: number, col: number): boolean => {
    if (depth > reportAt && !first) first = { line, col };
    return depth > limit;
  };
  const lines = text.split('\n');
  const stack: number[] = [];
  let flow = 0;
  let quote: '"' | "'" | null = null;
  let blockParent: number | null = null;
  for (let n = 0; n < lines.length; n++) {
    const line = (lines[n] as string).replace(/\r$/, '');
    const indent = /^ */.exec(line)?.[0].length ?? 0;
    const blank = line.trim() === '';
    if (blockParent !== null) {
      if (blank || indent > blockParent) continue;
      blockParent = null;
    }
    let i = 0;
    if (flow === 0 && quote === null) {
      if (blank || line.trimStart().startsWith('#')) continue;
      while (stack.length > 0 && (stack[stack.length - 1] as number) > indent) stack.pop();
      if (stack.length === 0 || (stack[stack.length - 1] as number) < indent) stack.push(indent);
      i = indent;
      while (/^[-?](\s|$)/.test(line.slice(i))) {
        i += 1;
        while (line[i] === ' ' || line[i] === '\t') i += 1;
        stack.push(i);
        if (over(stack.length, n + 1, i + 1)) return first;
        if (i >= line.length) break;
      }
      if (over(stack.length, n + 1, indent + 1)) return first;
    }
    for (; i < line.length; i++) {
      const ch = line[i] as string;
      const prev = i === 0 ? ' ' : (line[i - 1] as string);
      if (quote === '"') {
        if (ch === '\\') i += 1;
        else if (ch === '"') quote = null;
        continue;
      }
      if (quote === "'") {
        if (ch === "'" && line[i + 1] === "'") i += 1;
        else if (ch === "'") quote = null;
        continue;
      }
      const tokenStart = /\s/.test(prev) || (flow > 0 && /[[{,:]/.test(prev));
      if (ch === '#' && /\s/.test(prev)) break;
      if ((ch === '"' || ch === "'") && tokenStart) quote = ch;
      else if ((ch === '[' || ch === '{') && (tokenStart || flow > 0)) {
        flow += 1;
        if (over(stack.length + flow, n + 1, i + 1)) return first;
      } else if ((ch === ']' || ch === '}') && flow > 0) flow -= 1;
    }
    if (flow === 0 && quote === null && /(^|\s)[|>][-+0-9]*\s*(#.*)?$/.test(line)) blockParent = indent;
  }
  return null;
}
