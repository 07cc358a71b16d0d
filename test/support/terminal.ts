import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { cliCommand } from './cli.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

/**
 * What a run in a terminal showed (stdout and stderr together, as the terminal got them, escapes included) and its exit
 * code.
 */
export interface TerminalResult {
  code: number | null;
  output: string;
}

/** One turn of a conversation with a program in a terminal: wait until the output shows `waitFor`, then type `type`. */
export interface TerminalStep {
  waitFor: RegExp;
  type: string;
}

const quote = (word: string): string => `'${word.replace(/'/gu, `'\\''`)}'`;

/**
 * Runs the `hearth` CLI from source in a pseudo-terminal, as a person at a terminal would (util-linux `script`, which
 * CI has with util-linux): each step waits for its text, then types. `after` is a shell command run in the same
 * terminal
 * once the CLI ended (e.g. `stty -a`, to see the terminal was left as it was found); the exit code is the CLI's.
 */
export async function runInTerminal(
  args: string[],
  options: { env?: Record<string, string>; steps?: TerminalStep[]; after?: string; timeoutMs?: number } = {},
): Promise<TerminalResult> {
  const cli = [...cliCommand, ...args].map(quote).join(' ');
  const shell = options.after ? `${cli}; code=$?; ${options.after}; exit $code` : `exec ${cli}`;
  const child = spawn('script', ['-qfec', shell, '/dev/null'], {
    cwd: root,
    env: { ...process.env, ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  let from = 0;
  const steps = [...(options.steps ?? [])];
  const next = (): void => {
    const step = steps[0];
    if (!step) return;
    const found = step.waitFor.exec(output.slice(from));
    if (!found) return;
    from += found.index + found[0].length;
    steps.shift();
    child.stdin.write(step.type);
    next();
  };
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    next();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(timer);
  child.stdin.destroy();
  return { code, output };
}
