// Shared plumbing of the benchmarks: a Hearth server in its own process, medians, output.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../test/support/ports.js';

/** The project's root folder. */
export const root = fileURLToPath(new URL('..', import.meta.url));

/** A Hearth pod server running as a child process. */
export interface BenchServer {
  /** Its base URL. */
  url: string;
  /** Its temporary data folder. */
  dataDir: string;
  /** Stops it and removes its data. */
  stop(): Promise<void>;
}

/**
 * Starts `hearth serve` from source in its own process (so it has a core of its own), on a free port and a temp folder.
 */
export async function startBenchServer(name: string): Promise<BenchServer> {
  return spawnBenchServer(name, (port, dataDir) => [
    '--import',
    'tsx',
    'src/cli/main.ts',
    'serve',
    '--port',
    String(port),
    '--data',
    dataDir,
    '--log-level',
    'error',
  ]);
}

/**
 * Starts a pod server in its own process with the Node arguments `argv` gives for a free port and a temp data folder
 * (`prepare` may add files beside it first), and waits until `/.account/` answers 200. Stopping sends SIGTERM, then
 * SIGKILL after 15 s, and removes the data.
 */
export async function spawnBenchServer(
  name: string,
  argv: (port: number, dataDir: string) => string[] | Promise<string[]>,
): Promise<BenchServer> {
  const port = await freePort();
  const dataDir = await mkdtemp(join(tmpdir(), `hearth-bench-${name}-`));
  const child = spawn(process.execPath, await argv(port, dataDir), {
    cwd: root,
    env: { ...process.env, NODE_ENV: 'production' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://localhost:${port}/`;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dataDir, { recursive: true, force: true });
  };
  const deadline = performance.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`the pod server exited with ${child.exitCode}`);
    }
    try {
      const response = await fetch(`${url}.account/`, { signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      if (response.status === 200) break;
    } catch {
      // not listening yet
    }
    if (performance.now() > deadline) {
      await stop();
      throw new Error('the pod server did not start within 120 s');
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { url, dataDir, stop };
}

/** The median of some numbers. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Prints one line of a benchmark's report. */
export function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** Seconds since `since` (a performance.now() value), for progress lines. */
export function seconds(since: number): string {
  return `${((performance.now() - since) / 1000).toFixed(1)} s`;
}
