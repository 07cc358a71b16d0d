import { InvalidArgumentError, type Command } from 'commander';
import { startPodServer } from '../server/start.js';
import { safeForTerminal } from '../text.js';
import { describe } from '../errors.js';
import { print, type GlobalOptions } from './output.js';

/** `hearth serve`: runs the pod server until SIGINT or SIGTERM. */
export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('start the pod server (file storage, ACP, notifications) and keep it running')
    .option('-p, --port <port>', 'port to listen on', parsePort, 3000)
    .option(
      '--host <address>',
      'address to listen on: 127.0.0.1 is this machine only; 0.0.0.0 or :: opens it to the network',
      '127.0.0.1',
    )
    .option('--base-url <url>', 'public base URL (default http://localhost:<port>/)')
    .option('--data <folder>', 'data folder (env HEARTH_DATA)', process.env.HEARTH_DATA || '.hearth/data')
    .option('--log-level <level>', 'server log level: error, warn, info, verbose, debug', 'error')
    .option(
      '--allow-private-webhooks',
      'let webhook notifications go to loopback and private addresses (off: public only)',
    )
    .option('--no-web', "do not serve the owner's web page at /hearth/")
    .action(
      async (
        options: {
          port: number;
          host: string;
          baseUrl?: string;
          data: string;
          logLevel: string;
          allowPrivateWebhooks?: boolean;
          web: boolean;
        },
        command: Command,
      ) => {
        const global = command.optsWithGlobals<GlobalOptions>();
        const server = await startPodServer({
          port: options.port,
          host: options.host,
          baseUrl: options.baseUrl,
          dataDir: options.data,
          logLevel: options.logLevel,
          allowPrivateWebhooks: options.allowPrivateWebhooks === true,
          web: options.web,
        });
        const page = options.web && !server.warnings.some(({ code }) => code === 'WEB_PAGE_NOT_BUILT');
        for (const warning of server.warnings)
          process.stderr.write(`hearth: warning: ${safeForTerminal(warning.message)}\n`);
        const webPage = page ? `${server.url}hearth/` : null;
        print(
          global,
          { url: server.url, dataDir: server.dataDir, host: server.host, webPage, warnings: server.warnings },
          [
            `Hearth pod server ready at ${server.url}`,
            `Listening on ${server.host}, port ${options.port}`,
            `Data folder: ${server.dataDir}`,
            ...(webPage ? [`Your web page: ${webPage}`] : []),
            'Stop it with Ctrl+C.',
          ],
        );
        const signal = await new Promise<NodeJS.Signals>((resolve) => {
          const stop = (received: NodeJS.Signals): void => {
            process.off('SIGINT', stop);
            process.off('SIGTERM', stop);
            resolve(received);
          };
          process.on('SIGINT', stop);
          process.on('SIGTERM', stop);
        });
        // A second signal while stopping: stop at once.
        const now = (): void => {
          process.stderr.write('hearth: stopping at once.\n');
          process.exit(1);
        };
        process.once('SIGINT', now);
        process.once('SIGTERM', now);
        // Open connections and channels are closed within a second; whatever else holds the server gets until the hard
        // limit.
        const stopped = await Promise.race([
          server.stop().then(
            () => true,
            (error: unknown) => {
              process.stderr.write(
                `hearth: warning: stopping the server failed: ${safeForTerminal(describe(error))}\n`,
              );
              process.exitCode = 1;
              return true;
            },
          ),
          delay(stopLimitMs).then(() => false),
        ]);
        if (!stopped)
          process.stderr.write(
            `hearth: warning: the server had not stopped ${stopLimitMs / 1000} s after ${signal}; exiting anyway.\n`,
          );
        if (!global.json) process.stdout.write('Stopped.\n');
        // Exit now: nothing CSS or its libraries left behind (timers, sockets) may keep the process alive.
        process.exit();
      },
    );
}

/** How long `serve` waits for the server to stop after the first signal before it exits anyway. */
const stopLimitMs = 5_000;

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** A port given on the command line: a whole number from 1 to 65535. */
function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/u.test(value.trim()) || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new InvalidArgumentError('A port is a whole number from 1 to 65535.');
  }
  return port;
}
