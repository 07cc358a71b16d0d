// One `importPod` in a fresh Node process, as `hearth import` runs it, with its peak memory: what a user's import
// costs.
// The manager's credential goes to the child through its environment, never argv; the child prints one JSON line.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { importPod, openSession, type ImportOptions } from '../../src/index.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** What the child imports, and as whom. */
export interface ChildImportJob {
  server: string;
  clientId: string;
  clientSecret: string;
  podUrl: string;
  file: string;
  /** Limits passed to `importPod` (defaults otherwise). */
  limits?: Pick<
    ImportOptions,
    'maxTriples' | 'maxRdfBytes' | 'maxEntries' | 'maxEntryBytes' | 'maxTotalBytes' | 'maxRatio'
  >;
}

/** How the import ended, its peak resident memory (MB) and wall time (ms). */
export interface ChildImportReport {
  maxRssMb: number;
  ms: number;
  /** The import's report (when it finished). */
  result?: { written: number; unchanged: number; refusedEntries: { entry: string; reason: string }[] };
  /** The error it threw (when it did not). */
  error?: { code?: string; message: string };
}

/**
 * Runs the import in a child process (heap capped at `heapMb` when given) and answers its report; throws if the child
 * dies.
 */
export async function importInChild(
  job: ChildImportJob,
  options: { timeoutMs?: number; heapMb?: number } = {},
): Promise<ChildImportReport> {
  const flags = options.heapMb ? [`--max-old-space-size=${options.heapMb}`] : [];
  const child = spawn(process.execPath, [...flags, '--import', 'tsx', fileURLToPath(import.meta.url)], {
    cwd: root,
    env: { ...process.env, HEARTH_TEST_IMPORT_JOB: JSON.stringify(job) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.once('close', (c, s) => resolve([c, s])),
  );
  clearTimeout(timer);
  const last = out.trim().split('\n').at(-1);
  if (code !== 0 || !last) throw new Error(`the import child ended with ${code ?? signal}: ${err.slice(-2000)}`);
  return JSON.parse(last) as ChildImportReport;
}

async function main(job: ChildImportJob): Promise<ChildImportReport> {
  const session = await openSession({ server: job.server, clientId: job.clientId, clientSecret: job.clientSecret });
  const start = performance.now();
  const report: Omit<ChildImportReport, 'maxRssMb'> = { ms: 0 };
  try {
    const result = await importPod({
      fetch: session.fetch,
      file: job.file,
      podUrl: job.podUrl,
      webId: session.webId,
      managerClientId: session.clientId,
      ...job.limits,
    });
    report.result = { written: result.written, unchanged: result.unchanged, refusedEntries: result.refusedEntries };
  } catch (error: unknown) {
    report.error = {
      code: (error as { code?: string }).code,
      message: error instanceof Error ? error.message : String(error),
    };
  } finally {
    report.ms = performance.now() - start;
    await session.logout();
  }
  return { ...report, maxRssMb: process.resourceUsage().maxRSS / 1024 };
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.env.HEARTH_TEST_IMPORT_JOB) {
  process.stdout.write(
    `${JSON.stringify(await main(JSON.parse(process.env.HEARTH_TEST_IMPORT_JOB) as ChildImportJob))}\n`,
  );
  process.exit(0);
}
