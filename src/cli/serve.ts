import type { Command } from 'commander';
import { startPodServer } from '../server/start.js';
import { safeForTerminal } from '../text.js';
import { print, type GlobalOptions } from './output.js';

/** `hearth serve`: runs the pod server until SIGINT or SIGTERM. */
export function registerServe(program: Command): void {
  program.command('serve')
    .description('start the pod server (file storage, ACP, notifications) and keep it running')
    .option('-p, --port <port>', 'port to listen on', (value) => Number(value), 3000)
    .option('--host <address>', 'address to listen on: 127.0.0.1 is this machine only; 0.0.0.0 or :: opens it to the network', '127.0.0.1')
    .option('--base-url <url>', 'public base URL (default http://localhost:<port>/)')
    .option('--data <folder>', 'data folder (env HEARTH_DATA)', process.env.HEARTH_DATA || '.hearth/data')
    .option('--log-level <level>', 'server log level: error, warn, info, verbose, debug', 'error')
    .option('--allow-private-webhooks', 'let webhook notifications go to loopback and private addresses (off: public only)')
    .action(async (options: { port: number; host: string; baseUrl?: string; data: string; logLevel: string; allowPrivateWebhooks?: boolean }, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const server = await startPodServer({ port: options.port, host: options.host, baseUrl: options.baseUrl, dataDir: options.data, logLevel: options.logLevel,
        allowPrivateWebhooks: options.allowPrivateWebhooks === true });
      for (const warning of server.warnings) process.stderr.write(`hearth: warning: ${safeForTerminal(warning.message)}\n`);
      print(global, { url: server.url, dataDir: server.dataDir, host: server.host, warnings: server.warnings },
        [`Hearth pod server ready at ${server.url}`, `Listening on ${server.host}, port ${options.port}`, `Data folder: ${server.dataDir}`,
          'Stop it with Ctrl+C.']);
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          resolve();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      await server.stop();
      if (!global.json) process.stdout.write('Stopped.\n');
    });
}
