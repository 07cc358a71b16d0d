import { createInterface } from 'node:readline';
import { InvalidInputError } from '../errors.js';

/** Reads a password from stdin (`--password-stdin`), `HEARTH_PASSWORD`, or a hidden prompt on a terminal. */
export async function readPassword(options: { passwordStdin?: boolean }): Promise<string> {
  if (options.passwordStdin) {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    const password = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/u, '');
    if (!password) throw new InvalidInputError('--password-stdin was given, but stdin held no password.');
    return password;
  }
  if (process.env.HEARTH_PASSWORD) return process.env.HEARTH_PASSWORD;
  if (process.stdin.isTTY && process.stderr.isTTY) return promptHidden('Password: ');
  throw new InvalidInputError('No password: pipe it with --password-stdin or set HEARTH_PASSWORD (never on the command line).');
}

/** Asks for a secret on the terminal without echoing it. */
async function promptHidden(question: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  const output = rl as unknown as { _writeToOutput: (text: string) => void };
  process.stderr.write(question);
  output._writeToOutput = () => undefined;
  try {
    return await new Promise<string>((resolve) => rl.question('', resolve));
  } finally {
    rl.close();
    process.stderr.write('\n');
  }
}
