import { createServer } from 'node:net';
import { access, constants, mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ServerStartError, describe } from '../errors.js';
import type { AppRunner } from '@solid/community-server';
import { createAppWithCompiledConfig } from './compiled-config.js';
import { podConfigFiles, podTemplateFolder } from './config.js';
import { normalizeBaseUrl } from '../url.js';
import { hearthAppRunner } from './css-hooks.js';

/** How to start a Hearth pod server; every field has the embedded default. */
export interface PodServerOptions {
  /** TCP port to listen on (all interfaces, as CSS 7.2 does). Default 3000. */
  port?: number;
  /** Public base URL; default `http://localhost:<port>/`. */
  baseUrl?: string;
  /** Folder for pods and server data; default `./.hearth/data`. */
  dataDir?: string;
  /** CSS log level: error, warn, info, verbose, debug. Default `warn`. */
  logLevel?: string;
  /** Start from the cached compiled configuration (see compiled-config.ts). Default true; false always builds it with Components.js. */
  compiledConfig?: boolean;
}

/** A running pod server. */
export interface PodServer {
  /** Base URL of the server, ending in `/`. */
  readonly url: string;
  /** Absolute path of the data folder. */
  readonly dataDir: string;
  /** Stops the server and releases its port. */
  stop(): Promise<void>;
}

/** The data folder used when none is given. */
export const defaultDataDir = '.hearth/data';

/** Starts Community Solid Server in this process with Hearth's configuration from `pod-config/`. */
export async function startPodServer(options: PodServerOptions = {}): Promise<PodServer> {
  const port = options.port ?? 3000;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new ServerStartError('BAD_PORT', `Port must be a whole number from 1 to 65535, not ${String(port)}.`);
  }
  const url = normalizeBaseUrl(options.baseUrl ?? `http://localhost:${port}/`);
  const dataDir = resolve(options.dataDir ?? defaultDataDir);
  await ensureWritable(dataDir);
  await ensurePortFree(port);

  let app;
  try {
    // Loaded here, not at the top: CSS takes seconds to import, and only `serve` needs it.
    const css = await import('@solid/community-server');
    const makeRunner = (): AppRunner => hearthAppRunner(css, { baseUrl: url, dataDir });
    const input = {
      config: [...podConfigFiles],
      loaderProperties: { logLevel: 'warn' as const },
      variableBindings: { 'urn:hearth:variable:podTemplateFolder': podTemplateFolder },
      shorthand: { port, baseUrl: url, rootFilePath: dataDir, loggingLevel: options.logLevel ?? 'warn' },
    };
    app = options.compiledConfig === false
      ? await makeRunner().create(input)
      : await createAppWithCompiledConfig(makeRunner, input);
    await app.start();
  } catch (error: unknown) {
    if ((error as { code?: string }).code === 'EADDRINUSE') throw portInUse(port);
    throw new ServerStartError('START_FAILED', `The pod server did not start: ${describe(error)}`, { cause: error });
  }
  const running = app;
  return { url, dataDir, stop: async () => running.stop() };
}

async function ensureWritable(dataDir: string): Promise<void> {
  try {
    await mkdir(dataDir, { recursive: true });
    await access(dataDir, constants.W_OK | constants.R_OK | constants.X_OK);
  } catch (error: unknown) {
    throw new ServerStartError('DATA_DIR_NOT_WRITABLE',
      `The data folder ${dataDir} is not writable (${(error as { code?: string }).code ?? describe(error)}). ` +
      'Choose another with --data or HEARTH_DATA.', { cause: error });
  }
}

/** CSS listens on every interface, so the port must be free on all of them. */
async function ensurePortFree(port: number): Promise<void> {
  await new Promise<void>((resolvePromise, reject) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) => {
      reject(error.code === 'EADDRINUSE' || error.code === 'EACCES'
        ? portInUse(port, error.code)
        : new ServerStartError('START_FAILED', `Cannot listen on port ${port}: ${describe(error)}`));
    });
    probe.listen(port, () => probe.close(() => resolvePromise()));
  });
}

function portInUse(port: number, code = 'EADDRINUSE'): ServerStartError {
  return code === 'EACCES'
    ? new ServerStartError('PORT_NOT_ALLOWED', `Port ${port} needs privileges this user does not have. Choose another with --port.`)
    : new ServerStartError('PORT_IN_USE', `Port ${port} is already in use. Stop what runs there or choose another with --port.`);
}
