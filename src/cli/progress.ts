import type { GlobalOptions } from './output.js';

/** A progress line on stderr, redrawn in place: only on a terminal, never with --json. */
export interface ProgressLine {
  /** Draws `label [####    ] done/total suffix`. */
  show(label: string, done: number, total?: number, suffix?: string): void;
  /** Ends the line, if one was drawn. */
  done(): void;
}

/** A progress line for long work (export, import, timelines of many pods); silent with --json or when stderr is not a TTY. */
export function progressLine(global: GlobalOptions): ProgressLine {
  if (global.json || !process.stderr.isTTY) return { show: () => undefined, done: () => undefined };
  let shown = false;
  const width = 24;
  return {
    show: (label, done, total, suffix = '') => {
      shown = true;
      const filled = total ? Math.round((done / total) * width) : done % (width + 1);
      const count = total ? `${done}/${total}` : `${done}`;
      process.stderr.write(`\r${label} [${'#'.repeat(filled)}${' '.repeat(Math.max(0, width - filled))}] ${count} ${suffix}   `);
    },
    done: () => {
      if (shown) process.stderr.write('\n');
      shown = false;
    },
  };
}
