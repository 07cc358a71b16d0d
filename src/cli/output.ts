import { HearthError, describe } from '../errors.js';
import { safeForTerminal } from '../text.js';

/** Global options every command may read. */
export interface GlobalOptions {
  /** Machine-readable output on stdout. */
  json?: boolean;
  /** Which stored account to act as (`name` or `name@host:port`). */
  account?: string;
}

/** Prints a result: `json` when --json was given, else the human lines. */
export function print(options: GlobalOptions, json: unknown, human: string[]): void {
  // Human lines may carry other people's text (posts, names): nothing in it may steer the terminal.
  process.stdout.write(options.json ? `${JSON.stringify(json, null, 2)}\n` : `${safeForTerminal(human.join('\n'))}\n`);
}

/** Prints a one-line reason on stderr and sets a non-zero exit code; stacks only with HEARTH_DEBUG. */
export function fail(error: unknown): void {
  const message = error instanceof HearthError ? error.message : describe(error);
  process.stderr.write(`hearth: ${safeForTerminal(message.replace(/\s*\n\s*/gu, ' '))}\n`);
  if (process.env.HEARTH_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
  process.exitCode = 1;
}
