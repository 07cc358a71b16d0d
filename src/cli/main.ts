#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { registerAccount } from './account.js';
import { registerAdmin } from './admin.js';
import { registerApps } from './apps.js';
import { InvalidInputError } from '../errors.js';
import { fail } from './output.js';
import { registerPortability } from './portability.js';
import { registerServe } from './serve.js';
import { registerSocial } from './social.js';
import { registerWeb } from './web.js';
import { setDefaultRequestTimeout } from '../request-timeout.js';

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

/** Whether --json was given anywhere before `--`: then even errors of the command line itself are JSON. */
const jsonWanted = (argv: readonly string[]): boolean => {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).includes('--json');
};

/**
 * Builds the `hearth` command line program; with `json`, commander's own error texts and help after errors are left to
 * `fail`.
 */
export function buildProgram(json = false): Command {
  const program = new Command('hearth')
    .version(version, '-V, --version', "print Hearth's version")
    .description('Hearth: your own Solid pod for your social life; apps only see what you grant.')
    .option('--json', 'machine-readable output (errors too: {"error":{"code","message"}} on stderr)')
    .option('--account <name>', 'act as this stored account (default: the current one; see `hearth account list`)')
    .option(
      '--timeout <seconds>',
      'give up on a request to your pod server that gets no answer within this many seconds',
      '30',
    )
    .hook('preAction', (command) => {
      setDefaultRequestTimeout(timeoutSeconds(command.opts<{ timeout: string }>().timeout) * 1000);
    })
    .showHelpAfterError()
    .exitOverride();
  if (json) program.configureOutput({ writeErr: () => undefined, outputError: () => undefined });
  program.addHelpText(
    'after',
    `
Server: commands that make or log in to an account talk to --server, else $HEARTH_SERVER, else http://localhost:3000/;
the others to the server of the current account.

Examples:
  $ hearth account create --name alice --email alice@example.org
  $ hearth post "Hello from my own pod"
  $ hearth timeline --limit 20
  $ hearth apps grant backup-bot --read posts
  $ hearth export --out alice.tar.gz`,
  );
  registerServe(program);
  registerAccount(program);
  registerApps(program);
  registerWeb(program);
  registerSocial(program);
  registerPortability(program);
  registerAdmin(program);
  return program;
}

/** `--timeout` as a number of seconds (more than 0, at most an hour). */
function timeoutSeconds(value: string): number {
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 3600) {
    throw new InvalidInputError(`--timeout must be a number of seconds, more than 0 and at most 3600, not "${value}".`);
  }
  return seconds;
}

const json = jsonWanted(process.argv.slice(2));
try {
  await buildProgram(json).parseAsync(process.argv);
} catch (error: unknown) {
  const { code, exitCode } = error as { code?: string; exitCode?: number };
  if (code === 'commander.helpDisplayed' || code === 'commander.version' || (code === 'commander.help' && !exitCode)) {
    process.exitCode = 0;
  } else if (code === 'commander.help') {
    // A command of commands given none (`hearth apps`): the help went to stderr, as an error; with --json, say it as
    // JSON.
    if (json)
      fail(
        new InvalidInputError('Name a command: `hearth --help` lists them, `hearth COMMAND --help` their own.'),
        true,
      );
    process.exitCode = exitCode;
  } else if (typeof code === 'string' && code.startsWith('commander.')) {
    // Commander printed its own line (and the help); with --json it printed nothing, so say it as JSON.
    if (json) fail(new InvalidInputError((error as Error).message.replace(/^error: /u, '')), true);
    process.exitCode = exitCode || 1;
  } else {
    fail(error, json);
  }
}
