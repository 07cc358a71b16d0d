import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startPodServer, type PodServer } from '../../src/index.js';
import { freePort } from './ports.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Base URL of the run's pod server, `http://localhost:PORT/`. */
    baseUrl: string;
    /** Its data folder. */
    dataDir: string;
  }
}

let server: PodServer | undefined;
let dataDir: string | undefined;

/** Starts one real pod server, with Hearth's own configuration, for the whole test run. */
export async function setup(project: TestProject): Promise<void> {
  // See vitest.config.ts: CSS must not think it runs under Jest.
  process.env.NODE_ENV = 'development';
  await buildCliIfStale();
  await buildWebPageIfStale();
  dataDir = await mkdtemp(join(tmpdir(), 'hearth-test-'));
  const port = await freePort();
  server = await startPodServer({ port, dataDir, logLevel: process.env.HEARTH_TEST_LOG ?? 'error' });
  project.provide('baseUrl', server.url);
  project.provide('dataDir', dataDir);
}

/** Stops the server and removes its data. */
export async function teardown(): Promise<void> {
  await server?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
}

const root = join(import.meta.dirname, '..', '..');

/** Newest modification time of `path`, a file or a folder searched through. */
async function newest(path: string): Promise<number> {
  const stats = await stat(path);
  if (!stats.isDirectory()) return stats.mtimeMs;
  const entries = await readdir(path);
  return Math.max(stats.mtimeMs, ...(await Promise.all(entries.map(async (entry) => newest(join(path, entry))))));
}

/**
 * The server serves the page `npm run build` made in dist/web/: builds it (esbuild, well under a second) when it is
 * missing or older than any of its sources (the page and the library it bundles), so that the tests see the page of
 * this checkout.
 */
async function buildWebPageIfStale(): Promise<void> {
  const built = await stat(join(root, 'dist', 'web', 'index.html')).then(
    (stats) => stats.mtimeMs,
    () => 0,
  );
  // The page bundles the library too (src/social, src/access, src/portability, ...): any file of src/ counts.
  const sources = Math.max(await newest(join(root, 'src')), await newest(join(root, 'scripts', 'build-web.mjs')));
  if (built >= sources) return;
  const build = spawnSync(process.execPath, [join(root, 'scripts', 'build-web.mjs')], { cwd: root, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`Building the web page failed:\n${build.stderr}${build.stdout}`);
}

/**
 * CLI tests run the compiled CLI in dist/ (test/support/cli.ts): compiles it (`tsc`, some seconds) when it is
 * missing or older than any file of src/ but the web page's, so that they run this checkout's code.
 */
async function buildCliIfStale(): Promise<void> {
  const built = await stat(join(root, 'dist', 'cli', 'main.js')).then(
    (stats) => stats.mtimeMs,
    () => 0,
  );
  const entries = await readdir(join(root, 'src'));
  const rooms = entries.filter((entry) => entry !== 'web').map((entry) => join(root, 'src', entry));
  const sources = Math.max(...(await Promise.all(rooms.map(newest))));
  if (built >= sources) return;
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const build = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: root, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`Compiling the CLI failed:\n${build.stdout}${build.stderr}`);
}
