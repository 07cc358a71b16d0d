import { mkdtemp, rm } from 'node:fs/promises';
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
