/** The few styles human output uses; `plainStyle` when colour is off (not a TTY, NO_COLOR, --no-color, --json). */
export interface Style {
  bold(s: string): string;
  dim(s: string): string;
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  cyan(s: string): string;
}

const identity = (s: string) => s;
export const plainStyle: Style = {
  bold: identity,
  dim: identity,
  red: identity,
  green: identity,
  yellow: identity,
  cyan: identity,
};

/** chalk is loaded only when colour is actually wanted, to keep start-up cheap. */
export async function loadStyle(wantColor: boolean): Promise<Style> {
  if (!wantColor) return plainStyle;
  const { Chalk } = await import('chalk');
  const c = new Chalk({ level: 1 });
  return { bold: c.bold, dim: c.dim, red: c.red, green: c.green, yellow: c.yellow, cyan: c.cyan };
}

const SGR: Record<keyof Style, [number, number]> = {
  bold: [1, 22],
  dim: [2, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  cyan: [36, 39],
};

/**
 * A colour style whose codes are placeholders only `finish` turns into escape sequences. main.ts
 * escapes every control character of the rendered text (values from files and other people's
 * command lines included) and then `finish`es it, so only this style's own colours reach the
 * terminal. The nonce makes the placeholders impossible to forge from a value.
 */
export function createMarkedStyle(): { style: Style; finish(text: string): string } {
  const nonce = Math.random().toString(36).slice(2, 10);
  const mark = (code: number) => `\ue000${nonce}:${code}\ue001`;
  const wrap =
    ([open, close]: [number, number]) =>
    (s: string) =>
      `${mark(open)}${s}${mark(close)}`;
  const style: Style = {
    bold: wrap(SGR.bold),
    dim: wrap(SGR.dim),
    red: wrap(SGR.red),
    green: wrap(SGR.green),
    yellow: wrap(SGR.yellow),
    cyan: wrap(SGR.cyan),
  };
  const pattern = new RegExp(`\ue000${nonce}:(\\d+)\ue001`, 'g');
  return { style, finish: (text) => text.replace(pattern, (_, code: string) => `\x1b[${code}m`) };
}

/** Colour only on a terminal, never with NO_COLOR, always with FORCE_COLOR (unless 0). */
export function shouldColor(opts: { flag: boolean; json: boolean; isTTY: boolean; env: NodeJS.ProcessEnv }): boolean {
  if (!opts.flag || opts.json) return false;
  if (opts.env.NO_COLOR !== undefined && opts.env.NO_COLOR !== '') return false;
  if (opts.env.FORCE_COLOR !== undefined) return opts.env.FORCE_COLOR !== '0';
  return opts.isTTY;
}

export function verdictColor(style: Style, verdict: string): string {
  if (verdict === 'pass' || verdict === 'ok') return style.green(verdict);
  if (verdict === 'fail') return style.red(verdict);
  return style.yellow(verdict);
}

/** A left-aligned text table; columns sized to their widest cell (without colour codes). */
export function renderTable(header: string[], rows: string[][]): string {
  // eslint-disable-next-line no-control-regex
  const visible = (s: string) => s.replace(/\x1b\[[0-9;]*m|\ue000[a-z0-9]+:\d+\ue001/g, '').length;
  const widths = header.map((h, i) => Math.max(visible(h), ...rows.map((r) => visible(r[i] ?? ''))));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c + ' '.repeat((widths[i] ?? 0) - visible(c))))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}
