#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { registerAccount } from './account.js';
import { registerAdmin } from './admin.js';
import { registerApps } from './apps.js';
import { fail } from './output.js';
import { registerPortability } from './portability.js';
import { registerServe } from './serve.js';
import { registerSocial } from './social.js';

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

/** Builds the `hearth` command line program. */
export function buildProgram(): Command {
  const program = new Command('hearth')
    .version(version, '-V, --version', 'print Hearth\'s version')
    .description('Hearth: your own Solid pod for your social life; apps only see what you grant.')
    .option('--json', 'machine-readable output')
    .option('--account <name>', 'act as this stored account (default: the last one created or logged in)')
    .showHelpAfterError()
    .exitOverride();
  registerServe(program);
  registerAccount(program);
  registerApps(program);
  registerSocial(program);
  registerPortability(program);
  registerAdmin(program);
  return program;
}

try {
  await buildProgram().parseAsync(process.argv);
} catch (error: unknown) {
  const code = (error as { code?: string }).code;
  if (code === 'commander.helpDisplayed' || code === 'commander.version' || code === 'commander.help') {
    process.exitCode = 0;
  } else if (typeof code === 'string' && code.startsWith('commander.')) {
    process.exitCode = (error as { exitCode?: number }).exitCode || 1;
  } else {
    fail(error);
  }
}
