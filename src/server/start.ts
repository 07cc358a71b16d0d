import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { ServerStartError, describe, ignoreFailure } from '../errors.js';
import type { AppRunner } from '@solid/community-server';
import { createAppWithCompiledConfig } from './compiled-config.js';
import { podConfigFiles, podConfigVariables } from './config.js';
import { normalizeBaseUrl } from '../url.js';
import { hearthAppRunner } from './css-hooks.js';
import { holdPrivateUmask, prepareDataDir, type PodServerWarning } from './data-dir.js';
import { defaultHost } from './listen-host.js';
import { ConnectionTracker, defaultGraceMs } from './shutdown.js';
import { HearthWebHandler, readBuiltPage, webPageWarnings } from './web-page.js';
import type { AppUseRecorder } from './app-use.js';

export type { PodServerWarning } from './data-dir.js';

/** How to start a Hearth pod server; every field has the embedded default. */
export interface PodServerOptions {
  /** TCP port to listen on. Default 3000. */
  port?: number;
  /** Address to listen on. Default `127.0.0.1`: this machine only; `0.0.0.0` or `::` opens it to the network. */
  host?: string;
  /** Public base URL; default `http://localhost:<port>/`. */
  baseUrl?: string;
  /** Folder for pods and server data; default `./.hearth/data`. */
  dataDir?: string;
  /** CSS log level: error, warn, info, verbose, debug. Default `warn`. */
  logLevel?: string;
  /**
   * Start from the cached compiled configuration (see compiled-config.ts). Default true; false always builds it with
   * Components.js.
   */
  compiledConfig?: boolean;
  /** Let WebhookChannel2023 subscriptions send to loopback, private and other non-public addresses. Default false. */
  allowPrivateWebhooks?: boolean;
  /**
   * On stop, time answers being written and notification channels get to close, then idle connections, in ms each.
   * Default 1 s.
   */
  stopGraceMs?: number;
  /**
   * Serve the owner's web page at `<base>hearth/`, with its Client ID Document at `<base>hearth/id`. Default true. It
   * is read from `dist/web/` at start: when that is not built, `/hearth/` answers 503 and `warnings` says so.
   */
  web?: boolean;
}

/** A running pod server. */
export interface PodServer {
  /** Base URL of the server, ending in `/`. */
  readonly url: string;
  /** Absolute path of the data folder. */
  readonly dataDir: string;
  /** The address it listens on. */
  readonly host: string;
  /** What its operator should fix (the server runs anyway); the library never prints them. */
  readonly warnings: readonly PodServerWarning[];
  /**
   * Stops the server and releases its port: notification WebSockets and streams are closed, idle connections at once,
   * and whatever is still open after twice `stopGraceMs` is cut, so it returns within about that long.
   */
  stop(): Promise<void>;
}

/** The data folder used when none is given. */
export const defaultDataDir = '.hearth/data';

/**
 * Starts Community Solid Server in this process with Hearth's configuration from `pod-config/`. While it runs the
 * process umask is 077: the data folder and everything in it are private to the user running it.
 */
export async function startPodServer(options: PodServerOptions = {}): Promise<PodServer> {
  const port = options.port ?? 3000;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new ServerStartError('BAD_PORT', `Port must be a whole number from 1 to 65535, not ${String(port)}.`);
  }
  const url = normalizeBaseUrl(options.baseUrl ?? `http://localhost:${port}/`);
  const dataDir = resolve(options.dataDir ?? defaultDataDir);
  const host = options.host ?? defaultHost;
  const warnings = await prepareDataDir(dataDir);
  const web = options.web !== false;
  const built: Awaited<ReturnType<typeof readBuiltPage>> = web ? await readBuiltPage() : { warnings: [] };
  const pageWarnings = (await webPageWarnings(url, dataDir)).filter((w) => web || w.code === 'WEB_PAGE_HIDES_POD');
  warnings.push(...built.warnings, ...pageWarnings);
  // Off, the handler still holds its path (404 there): no pod can ever serve the page's client id.
  const webPage = new HearthWebHandler(url, built.page, { off: !web });
  await ensurePortFree(port, host);
  const releaseUmask = holdPrivateUmask();
  const connections = new ConnectionTracker();

  let app;
  let appUse: AppUseRecorder | undefined;
  try {
    // Loaded here, not at the top: CSS takes seconds to import, and only `serve` needs it.
    const css = await import('@solid/community-server');
    const makeRunner = (): AppRunner =>
      hearthAppRunner(css, {
        baseUrl: url,
        host,
        allowPrivateWebhooks: options.allowPrivateWebhooks,
        connections,
        webPage,
        onAppUse: (recorder) => (appUse = recorder),
      });
    const input = {
      config: [...podConfigFiles],
      loaderProperties: { logLevel: 'warn' as const },
      variableBindings: { ...podConfigVariables },
      shorthand: { port, baseUrl: url, rootFilePath: dataDir, loggingLevel: options.logLevel ?? 'warn' },
    };
    app =
      options.compiledConfig === false
        ? await makeRunner().create(input)
        : await createAppWithCompiledConfig(makeRunner, input);
    await app.start();
  } catch (error: unknown) {
    releaseUmask();
    if ((error as { code?: string }).code === 'EADDRINUSE') throw portInUse(port);
    throw new ServerStartError('START_FAILED', `The pod server did not start: ${describe(error)}`, { cause: error });
  }
  const running = app;
  return {
    url,
    dataDir,
    host,
    warnings,
    stop: async () => {
      try {
        // CSS's stop closes the listening socket, then waits for every connection to end: channels never do by
        // themselves.
        const grace = options.stopGraceMs ?? defaultGraceMs;
        await connections.drain(grace);
        // The last minute's uses of apps, which the recorder would have written a little later.
        await appUse?.flush({ all: true }).catch(() => undefined);
        const stopping = running.stop();
        ignoreFailure(stopping); // Awaited below, after the connections are cut.
        await connections.cut(grace);
        await stopping;
      } finally {
        releaseUmask();
      }
    },
  };
}

/** Whether the server can listen on `port` at `host`, the address it will take. */
async function ensurePortFree(port: number, host: string): Promise<void> {
  await new Promise<void>((resolvePromise, reject) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE' || error.code === 'EACCES'
          ? portInUse(port, error.code)
          : new ServerStartError('START_FAILED', `Cannot listen on ${host} port ${port}: ${describe(error)}`),
      );
    });
    probe.listen(port, host, () => probe.close(() => resolvePromise()));
  });
}

function portInUse(port: number, code = 'EADDRINUSE'): ServerStartError {
  return code === 'EACCES'
    ? new ServerStartError(
        'PORT_NOT_ALLOWED',
        `Port ${port} needs privileges this user does not have. Choose another with --port.`,
      )
    : new ServerStartError(
        'PORT_IN_USE',
        `Port ${port} is already in use. Stop what runs there or choose another with --port.`,
      );
}
