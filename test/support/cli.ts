import { spawn } from 'node:child_process';
import { expect } from 'vitest';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The command that runs the `hearth` CLI: the compiled one in dist/ (what `npm install` builds, and the test run's
 * global setup rebuilds when src/ is newer), which starts in a third of the time `tsx` takes from source.
 */
export const cliCommand: readonly string[] = [process.execPath, join(root, 'dist', 'cli', 'main.js')];

/** What a CLI run printed and how it ended. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the `hearth` CLI (`cliCommand`) as a user would, with `env` added and `input` on stdin. */
export async function runCli(
  args: string[],
  options: { env?: Record<string, string>; input?: string; timeoutMs?: number } = {},
): Promise<CliResult> {
  const child = spawn(cliCommand[0]!, [...cliCommand.slice(1), ...args], {
    cwd: root,
    env: { ...process.env, ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  child.stdin.end(options.input ?? '');
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(timer);
  return { code, stdout, stderr };
}

/**
 * What no message of Hearth's may show a person: internals of Node, the parsers (JSON, tar, gzip, URL), tar-stream's
 * own states.
 */
export const cliLeaks = new RegExp(
  [
    'Invalid URL',
    'ENOENT',
    'EACCES',
    'ECONNREFUSED',
    'NaN',
    'is not valid JSON',
    'Unexpected token',
    'Unexpected end of data',
    'Invalid tar header',
    'incorrect header check',
    'already finalized',
    'Unhandled',
    'node:',
    '\\n\\s+at ',
    'undefined',
  ].join('|'),
  'u',
);

/** One line on stderr, `hearth: ...`, nothing on stdout, exit 1: how a refusal looks. */
export function refused(result: CliResult, reason: RegExp): void {
  expect(result.code, result.stdout + result.stderr).toBe(1);
  expect(result.stdout).toBe('');
  expect(result.stderr).toMatch(/^hearth: [^\n]+\n$/u);
  expect(result.stderr).toMatch(reason);
  expect(result.stderr).not.toMatch(cliLeaks);
}
