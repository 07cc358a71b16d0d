import { InvalidInputError } from '../errors.js';
import { CancelledError } from './output.js';

/** Where a password may come from: `--password-stdin`, and what the prompt on a terminal says. */
export interface PasswordSource {
  /** Read the password from stdin. */
  passwordStdin?: boolean;
}

/**
 * Reads a password from stdin (`--password-stdin`), `HEARTH_PASSWORD`, or a hidden prompt on a terminal (`question`,
 * default `Password: `); Ctrl+C at the prompt throws CancelledError.
 */
export async function readPassword(options: PasswordSource, question = 'Password: '): Promise<string> {
  if (options.passwordStdin) {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    const password = Buffer.concat(chunks)
      .toString('utf8')
      .replace(/\r?\n$/u, '');
    if (!password) throw new InvalidInputError('--password-stdin was given, but stdin held no password.');
    return password;
  }
  if (process.env.HEARTH_PASSWORD) return process.env.HEARTH_PASSWORD;
  if (process.stdin.isTTY && process.stderr.isTTY) return promptHidden(question);
  throw new InvalidInputError(
    'No password: pipe it with --password-stdin or set HEARTH_PASSWORD (never on the command line).',
  );
}

/**
 * Asks for a secret on the terminal: shows `question` on stderr, echoes nothing of what is typed, takes Backspace
 * (and Ctrl+U to start again), ends with a newline on Enter. Ctrl+C (or Ctrl+D on an empty line) ends the prompt with a
 * newline and throws CancelledError. The terminal is always left as it was found (never in raw mode).
 */
export async function promptHidden(question: string): Promise<string> {
  const input = process.stdin;
  const output = process.stderr;
  const wasRaw = input.isRaw;
  // Raw (no echo) before the question shows: what is typed as soon as it shows must not be echoed.
  input.setRawMode(true);
  output.write(question);
  input.setEncoding('utf8');
  input.resume();
  try {
    return await new Promise<string>((resolve, reject) => {
      let answer: string[] = [];
      let escape: 'none' | 'started' | 'sequence' = 'none';
      const end = (result: () => void) => {
        input.off('data', onData);
        input.off('end', onEnd);
        result();
      };
      const onEnd = () => end(() => reject(new CancelledError()));
      const onData = (chunk: string) => {
        for (const char of chunk) {
          // Arrow keys and the like (ESC [ ... final byte, ESC O letter) are skipped, never part of the secret.
          if (escape === 'started') {
            escape = char === '[' || char === 'O' ? 'sequence' : 'none';
            continue;
          }
          if (escape === 'sequence') {
            if (char >= '@' && char <= '~') escape = 'none';
            continue;
          }
          if (char === '\r' || char === '\n') return end(() => resolve(answer.join('')));
          if (char === '\u0003' || (char === '\u0004' && answer.length === 0))
            return end(() => reject(new CancelledError()));
          if (char === '\u007f' || char === '\b') answer = answer.slice(0, -1);
          else if (char === '\u0015') answer = [];
          else if (char === '\u001b') escape = 'started';
          else if (char >= ' ') answer.push(char);
        }
        return undefined;
      };
      input.on('data', onData);
      input.once('end', onEnd);
    });
  } finally {
    input.setRawMode(wasRaw);
    input.pause();
    output.write('\n');
  }
}
