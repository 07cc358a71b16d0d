import { HearthError, describe } from '../errors.js';
import { fileError } from '../files.js';
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

/**
 * The person pressed Ctrl+C at a prompt: nothing more is done, and the command exits 130 like an interrupted program.
 */
export class CancelledError extends HearthError {
  constructor() {
    super('CANCELLED', 'Cancelled at the prompt: nothing more was done.');
  }
}

/**
 * Prints why a command failed, on stderr: one line for people, or `{"error":{"code","message"}}` with --json; sets a
 * non-zero exit code (130 when cancelled at a prompt). Stacks only with HEARTH_DEBUG.
 */
export function fail(error: unknown, json = false): void {
  const { code, message } = explain(error);
  const line = message.replace(/\s*\n\s*/gu, ' ');
  if (json) process.stderr.write(`${JSON.stringify({ error: { code, message: line } })}\n`);
  else if (!(error instanceof CancelledError)) process.stderr.write(`hearth: ${safeForTerminal(line)}\n`);
  if (process.env.HEARTH_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
  process.exitCode = error instanceof CancelledError ? 130 : 1;
}

/**
 * A stable code and a plain message for anything thrown: Hearth's typed errors as they are, the rest without internals.
 */
export function explain(error: unknown): { code: string; message: string } {
  if (error instanceof HearthError) return { code: error.code, message: error.message };
  const system = error as { code?: unknown; syscall?: unknown; path?: unknown; input?: unknown } | undefined;
  if (typeof system?.path === 'string' && typeof system.code === 'string' && typeof system.syscall === 'string') {
    const writing = ['mkdir', 'rename', 'unlink', 'write', 'rmdir', 'copyfile', 'symlink', 'chmod'].includes(
      system.syscall,
    );
    const plain = fileError(system.path, error, writing ? 'write' : 'read');
    return { code: plain.code, message: plain.message };
  }
  if (system?.code === 'ERR_INVALID_URL') {
    return {
      code: 'INVALID_INPUT',
      message: typeof system.input === 'string' ? `"${system.input}" is not a URL.` : 'That is not a URL.',
    };
  }
  return { code: 'UNEXPECTED', message: describe(error) };
}
