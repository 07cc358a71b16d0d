import type { Command } from 'commander';
import {
  accountFile,
  accountKey,
  currentAccountKey,
  forgetAccount,
  hearthHome,
  listAccounts,
  loadAccount,
  saveAccount,
  useAccount,
  type StoredAccount,
} from '../auth/credentials.js';
import { InvalidInputError } from '../errors.js';
import { deleteAccount } from '../portability/delete.js';
import { askLine } from './prompt.js';
import { createAccount, loginAccount, validateEmail, validateName } from '../account/provision.js';
import type { PodUpdate } from '../access/migrate.js';
import { checkManagerAccess } from '../account/whoami.js';
import { print, type GlobalOptions } from './output.js';
import { readPassword } from './secrets.js';
import { managerSession, reachServer, serverOption } from './session.js';

/** `hearth account create|delete|list|use|login|logout`, `hearth login`, `hearth logout`, `hearth whoami`. */
export function registerAccount(program: Command): void {
  const account = program.command('account').description('create and manage your Hearth account');
  account
    .command('create')
    .description("create an account, its pod and Hearth's manager credential; lock the pod to that manager")
    .requiredOption('--name <name>', 'account and pod name (letters, digits, - and _)')
    .requiredOption('--email <email>', 'email of the password login')
    .addOption(serverOption())
    .option('--password-stdin', 'read the password from stdin (else HEARTH_PASSWORD, or a prompt on a terminal)')
    .addHelpText(
      'after',
      `
Examples:
  $ hearth account create --name alice --email alice@example.org                 # asks for a password (8+ characters)
  $ hearth account create --name alice --email alice@example.org --server https://pods.example/
  $ hearth account create --name bot --email bot@example.org --password-stdin < password.txt`,
    )
    .action(
      async (options: { name: string; email: string; server: string; passwordStdin?: boolean }, command: Command) => {
        // A name that cannot be used is said before the server is asked anything, and before a password is typed in
        // vain.
        validateName(options.name);
        validateEmail(options.email);
        const server = await reachServer(command, options.server);
        const password = await readPassword(options);
        const created = await createAccount({ server, name: options.name, email: options.email, password });
        const file = await saveAccount(home(), created);
        report(command, created, file, 'Created');
      },
    );

  account
    .command('delete')
    .description('delete your account for good: every resource of the pod, the account, its logins and credentials')
    .option('--yes', 'do not ask to type the account name')
    .action(async (options: { yes?: boolean }, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const stored = await loadAccount(home(), global.account);
      if (!options.yes) {
        const typed = await askLine(
          `This deletes ${stored.podUrl} and everything in it, for good. ` +
            `Type the account name (${stored.name}) to go on: `,
        );
        if (typed === undefined)
          throw new InvalidInputError('Refusing to delete without confirmation: run it on a terminal, or add --yes.');
        if (typed !== stored.name)
          throw new InvalidInputError(`"${typed}" is not "${stored.name}": nothing was deleted.`);
      }
      const session = await managerSession(stored);
      let report: Awaited<ReturnType<typeof deleteAccount>>;
      try {
        report = await deleteAccount(session, stored);
      } finally {
        await session.logout();
      }
      await forgetAccount(home(), stored);
      const untold = report.notNotified.length
        ? `; could not tell ${report.notNotified.map((f) => f.webId).join(', ')}`
        : '';
      print(global, report, [
        `Deleted ${report.deleted.join(', ')} and the account ${stored.name} on ${stored.server}.`,
        'Its logins and credentials are gone; the local credentials file was removed.',
        `Told ${report.notified.length} follower(s)${untold}.`,
      ]);
    });

  account
    .command('list')
    .description('the accounts stored on this machine; * marks the current one')
    .action(async (_options: unknown, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const all = await listAccounts(home());
      const current = await currentAccountKey(home());
      print(
        global,
        all.map((a) => ({ key: accountKey(a), current: accountKey(a) === current, ...publicView(a) })),
        all.length
          ? all.map((a) => `${accountKey(a) === current ? '*' : ' '} ${accountKey(a)}  ${a.webId}`)
          : ['No account on this machine yet: `hearth account create` or `hearth login`.'],
      );
    });

  account
    .command('use <account>')
    .description(
      'make a stored account the current one (its name, or name@host:port when two servers have the same name)',
    )
    .addHelpText(
      'after',
      `
Examples:
  $ hearth account use bob
  $ hearth account use alice@pods.example`,
    )
    .action(async (key: string, _options: unknown, command: Command) => {
      const chosen = await useAccount(home(), key);
      print(command.optsWithGlobals<GlobalOptions>(), { key: accountKey(chosen), ...publicView(chosen) }, [
        `Now acting as ${accountKey(chosen)} (${chosen.webId}).`,
      ]);
    });

  // `hearth logout` and `hearth login`, also found where a newcomer looks for them: `hearth account logout|login`.
  for (const parent of [program, account]) {
    registerLogout(parent);
    registerLogin(parent);
  }
  registerWhoami(program);
}

/** `hearth logout [account]` (under `parent`). */
function registerLogout(parent: Command): void {
  parent
    .command('logout [account]')
    .description(
      "forget an account's manager credential on this machine (default: the current account); " +
        'the pod stays locked to that manager, so keep a copy of the file if you want back in',
    )
    .option('--yes', 'do not ask to type the account name')
    .addHelpText(
      'after',
      `
Examples:
  $ hearth logout
  $ hearth logout bob --yes`,
    )
    .action(async (key: string | undefined, options: { yes?: boolean }, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const stored = await loadAccount(home(), key ?? global.account);
      const file = accountFile(home(), stored);
      const locked =
        `Your pod stays locked to that manager, and unless you copied ${file} elsewhere it is the only key to it: ` +
        "without it, only the server's administrator can let you in again " +
        '(`hearth admin unlock-pod`, then `hearth login`).';
      if (!options.yes) {
        const typed = await askLine(
          `This forgets ${accountKey(stored)}'s manager credential on this machine. ${locked}\n` +
            `Type the account name (${stored.name}) to go on: `,
        );
        if (typed === undefined)
          throw new InvalidInputError(
            'Refusing to forget the credential without confirmation: run it on a terminal, or add --yes.',
          );
        if (typed !== stored.name)
          throw new InvalidInputError(`"${typed}" is not "${stored.name}": nothing was forgotten.`);
      }
      await forgetAccount(home(), stored);
      const left = await listAccounts(home());
      print(global, { forgotten: accountKey(stored), file, podStaysLocked: true, remaining: left.map(accountKey) }, [
        `Forgot ${accountKey(stored)} on this machine (removed ${file}).`,
        locked,
        ...(left.length && !(await currentAccountKey(home()))
          ? [`No current account now: \`hearth account use ${left[0]!.name}\` picks one.`]
          : []),
      ]);
    });
}

/** `hearth login` (under `parent`). */
function registerLogin(parent: Command): void {
  parent
    .command('login')
    .description('log in to an existing account on this machine')
    .requiredOption('--email <email>', 'email of the password login')
    .addOption(serverOption())
    .option('--password-stdin', 'read the password from stdin (else HEARTH_PASSWORD, or a prompt on a terminal)')
    .addHelpText(
      'after',
      `
Examples:
  $ hearth login --email alice@example.org
  $ hearth login --email alice@example.org --server https://pods.example/`,
    )
    .action(async (options: { email: string; server: string; passwordStdin?: boolean }, command: Command) => {
      const server = await reachServer(command, options.server);
      const password = await readPassword(options);
      const known = await listAccounts(home());
      let update: PodUpdate | undefined;
      const account = await loginAccount({
        server,
        email: options.email,
        password,
        known,
        onUpdate: (u) => {
          update = u;
        },
      });
      const file = await saveAccount(home(), account);
      report(command, account, file, 'Logged in to', update);
    });
}

/** `hearth whoami`. */
function registerWhoami(program: Command): void {
  program
    .command('whoami')
    .description('show the current account and check that its manager credential still works')
    .action(async (_options: unknown, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const stored = await loadAccount(home(), global.account);
      const session = await managerSession(stored);
      try {
        await checkManagerAccess(session.fetch, stored.podUrl);
      } finally {
        await session.logout();
      }
      print(global, publicView(stored), [
        `${stored.name} on ${stored.server}`,
        `WebID:   ${stored.webId}`,
        `Pod:     ${stored.podUrl}`,
        `Manager: ${stored.manager.id} (working)`,
      ]);
    });
}

function home(): string {
  return hearthHome(process.env);
}

/** What may be shown of a stored account: everything but the secret. */
function publicView(account: StoredAccount) {
  return {
    name: account.name,
    server: account.server,
    email: account.email,
    webId: account.webId,
    podUrl: account.podUrl,
    managerClientId: account.manager.id,
  };
}

function report(command: Command, account: StoredAccount, file: string, verb: string, update?: PodUpdate): void {
  const updated = update && {
    root: update.lock.root,
    profile: update.lock.profile,
    records: update.lock.records,
    rewritten: update.rewritten,
    narrowed: update.narrowed,
  };
  print(
    command.optsWithGlobals<GlobalOptions>(),
    { ...publicView(account), credentialsFile: file, ...(updated ? { updated } : {}) },
    [
      `${verb} ${account.name} on ${account.server}`,
      `Pod:   ${account.podUrl}`,
      `WebID: ${account.webId}`,
      `Manager credential saved in ${file} (only you can read it).`,
      ...(update ? updateLines(update) : []),
    ],
  );
}

/** What bringing the pod up to date changed, for people. */
function updateLines(update: PodUpdate): string[] {
  const lines: string[] = [];
  if (update.lock.root) lines.push("Updated: your pod's root rule now accepts only tokens of this server.");
  if (update.lock.profile) lines.push('Updated: no app can write your WebID profile any more.');
  for (const record of update.lock.records) lines.push(`Updated: ${record} is now Hearth's manager's alone.`);
  if (update.rewritten.length)
    lines.push(`Updated: ${update.rewritten.length} app rule(s) now accept only tokens of this server.`);
  for (const n of update.narrowed) {
    lines.push(
      `Narrowed: ${n.clientId} may no longer ${n.removed.join('/')} ${n.container} ` +
        '(it holds your WebID profile); it keeps read.',
    );
  }
  return lines;
}
