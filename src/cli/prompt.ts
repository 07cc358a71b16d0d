import { createInterface } from 'node:readline/promises';

/** Asks one question on the terminal and answers the typed line; undefined when there is no terminal. */
export async function askLine(question: string): Promise<string | undefined> {
  if (!process.stdin.isTTY || !process.stderr.isTTY) return undefined;
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return (await rl.question(question)).trim();
  } finally {
    rl.close();
  }
}
