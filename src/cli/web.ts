import type { Command } from 'commander';
import { setWebPage } from '../access/web-switch.js';
import { webPageUrlOf } from '../access/web.js';
import { withOwner } from './apps.js';
import { print } from './output.js';

/** `hearth web disable|enable`: Hearth's web page on the account's server, off and on for the owner's pod. */
export function registerWeb(program: Command): void {
  const web = program
    .command('web')
    .description(
      "turn your web page on your pod's server (<server>hearth/) off or on: on, it has your access as Hearth's " +
        'manager does (new accounts have it on)',
    );
  for (const on of [false, true]) {
    web
      .command(on ? 'enable' : 'disable')
      .description(
        on
          ? "let the web page in again: signed in there, you read, write and manage your pod as Hearth's manager does"
          : 'shut the web page out of your pod: its very next request is refused, whatever it holds; ' +
              "apps and Hearth's manager keep what they have",
      )
      .action((_options: unknown, command: Command) =>
        withOwner(command, async (owner, account, global) => {
          const done = await setWebPage(owner, on);
          const page = webPageUrlOf(account.server);
          const changed = done.recorded || done.lock.root || done.lock.profile || done.lock.records.length > 0;
          const state = on ? 'on' : 'off';
          print(global, { webPage: state, page, clientId: done.webClientId, changed }, [
            changed
              ? `Hearth's web page is ${state} for ${account.podUrl}.`
              : `Hearth's web page was already ${state}.`,
            on
              ? `Sign in at ${page} to use your pod there. \`hearth web disable\` shuts it out again.`
              : `${page} can no longer reach your pod. \`hearth web enable\` lets it in again.`,
          ]);
        }),
      );
  }
}
