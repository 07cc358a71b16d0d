import type { GlobalOptions } from './output.js';

/** A progress line on stderr, redrawn in place: only on a terminal, never with --json. */
export interface ProgressLine {
  /**
   * Draws `label [####    ] done/total suffix` when the total is known, else `label done suffix` (a counter, no bar).
   */
  show(label: string, done: number, total?: number, suffix?: string): void;
  /**
   * Ends the line, if one was drawn; with `complete` (the work finished), a bar is first drawn full: total of total.
   */
  done(complete?: boolean): void;
}

/**
 * A progress line for long work (export, import, timelines of many pods); silent with --json or when stderr is not a
 * TTY.
 */
export function progressLine(global: GlobalOptions): ProgressLine {
  if (global.json || !process.stderr.isTTY) return { show: () => undefined, done: () => undefined };
  const width = 24;
  let last: { label: string; total?: number; suffix: string } | undefined;
  const draw = (label: string, done: number, total: number | undefined, suffix: string) => {
    // A new stage keeps the last line of the one before, finished, and starts its own.
    if (last && last.label !== label) process.stderr.write('\n');
    last = { label, ...(total ? { total } : {}), suffix };
    const count = Math.max(0, total ? Math.min(done, total) : done);
    const text = total
      ? `${label} [${'#'.repeat(Math.round((count / total) * width)).padEnd(width)}] ${count}/${total}`
      : `${label} ${count}`;
    process.stderr.write(`\r\u001b[K${text}${suffix ? ` ${suffix}` : ''}`);
  };
  return {
    show: (label, done, total, suffix = '') => draw(label, done, total, suffix),
    done: (complete = false) => {
      if (!last) return;
      if (complete && last.total) draw(last.label, last.total, last.total, last.suffix);
      process.stderr.write('\n');
      last = undefined;
    },
  };
}
