// The hostile pods of hostile-pod.ts in a process of their own (for benchmarks: their work is then not the reader's):
//   node --import tsx test/support/hostile-server.ts
// prints its base URL on one line, then serves until SIGTERM or until its stdin closes.
import { startHostilePod } from './hostile-pod.js';

const pod = await startHostilePod();
process.stdout.write(`${pod.url}\n`);
const stop = () => void pod.close().finally(() => process.exit(0));
process.once('SIGTERM', stop);
process.stdin.on('close', stop);
process.stdin.resume();
