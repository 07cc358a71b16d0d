import type { Command } from 'commander';
import { unlockPod } from '../server/recover.js';
import { print, type GlobalOptions } from './output.js';

/** `hearth admin ...`: what a server's administrator does on the server's own data folder. */
export function registerAdmin(program: Command): void {
  const admin = program.command('admin').description('for the administrator of a pod server, on its data folder');
  admin
    .command('unlock-pod')
    .description(
      'an owner lost their manager credential: let their next `hearth login` lock the pod to a new one ' +
        "(check who they are first: until that login, any app of theirs could take the manager's place)",
    )
    .requiredOption('--name <name>', "the pod's name")
    .option('--data <folder>', "the server's data folder (env HEARTH_DATA)", process.env.HEARTH_DATA || '.hearth/data')
    .action(async (options: { name: string; data: string }, command: Command) => {
      const unlocked = await unlockPod(options.data, options.name);
      print(command.optsWithGlobals<GlobalOptions>(), unlocked, [
        `Unlocked ${unlocked.podUrl}: no data is reachable until its owner runs ` +
          '`hearth login` to lock it to a new manager.',
        `Owner: ${unlocked.webId}`,
      ]);
    });
}
