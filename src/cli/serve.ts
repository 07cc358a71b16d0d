import type { Command } from 'commander';
import { startPodServer } from '../server/start.js';
import { print, type GlobalOptions } from './output.js';

/** `hearth serve`: runs the pod server until SIGINT or SIGTERM. */
export function registerServe(program: Command): void {
  program.command('serve')
    .description('start the pod server (file storage, ACP, notifications) and keep it running')
    .option('-p, --port <port>', 'port to listen on', (value) => Number(value), 3000)
    .option('--base-url <url>', 'public base URL (default http://localhost:<port>/)')
    .option('--data <folder>', 'data folder (env HEARTH_DATA)', process.env.HEARTH_DATA || '.hearth/data')
    .option('--log-level <level>', 'server log level: error, warn, info, verbose, debug', 'error')
    .action(async (options: { port: number; baseUrl?: string; data: string; logLevel: string }, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const server = await startPodServer({ port: options.port, baseUrl: options.baseUrl, dataDir: options.data, logLevel: options.logLevel });
      print(global, { url: server.url, dataDir: server.dataDir },
        [`Hearth pod server ready at ${server.url}`, `Data folder: ${server.dataDir}`, 'Stop it with Ctrl+C.']);
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
