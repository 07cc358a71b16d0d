import { Option, type Command } from 'commander';
import { HearthError, InvalidInputError, NetworkError, describe, networkReason } from '../errors.js';
import { requireFreeAppName } from '../access/app-names.js';
import {
  ClientIdDocumentError,
  createClientCredentialApp,
  endAccountSession,
  fetchClientIdDocument,
  isClientIdUrl,
  validateAppName,
  type AppInfo,
} from '../access/apps.js';
import {
  checkGrants,
  grantAccessAll,
  listGrants,
  registerApp,
  type PodOwner,
  type Revocation,
} from '../access/grants.js';
import { revokeAll, revokeApp } from '../access/revoke.js';
import { readAppUse } from '../access/app-use.js';
import { webPageUrlOf } from '../access/web.js';
import { webPageOn } from '../access/web-switch.js';
import type { AppRecord, GrantEntry } from '../access/record.js';
import {
  approveAccessRequest,
  denyAccessRequest,
  denyAccessRequests,
  listAccessRequests,
  maxRequestItems,
  readAccessRequests,
  type AccessRequest,
} from '../access/requests.js';
import type { StoredAccount } from '../auth/credentials.js';
import type { HearthSession } from '../auth/session.js';
import { AccountApi, AccountApiError } from '../account/account-api.js';
import { print, type GlobalOptions } from './output.js';
import { readPassword } from './secrets.js';
import { currentSession } from './session.js';

const collect = (value: string, previous: string[]) => [...previous, value];
/**
 * A repeatable mode flag of `apps revoke` whose area may be left out (`--read` or `--read posts`): `true` stands for
 * "no area".
 */
function modeOption(mode: string, description: string): Option {
  return new Option(`--${mode} [target]`, description)
    .preset('')
    .argParser((value: string, previous: (string | true)[]): (string | true)[] => [
      ...previous,
      value === '' ? true : value,
    ])
    .default([]);
}

/** The flags of `apps revoke`. */
interface RevokeFlags {
  all?: boolean;
  path?: string;
  read: (string | true)[];
  append: (string | true)[];
  write: (string | true)[];
  passwordStdin?: boolean;
}

/**
 * What part of an app's access `apps revoke` takes back, one entry per area: `--read posts` (as grant has it), the
 * older
 * `--path posts --read`, `--path posts` (every mode there), or a bare `--read` (read everywhere). Empty: all of it.
 */
function revokeParts(flags: RevokeFlags): { target?: string; modes?: string[] }[] {
  const parts = new Map<string | undefined, string[]>();
  for (const mode of ['read', 'append', 'write'] as const) {
    for (const value of flags[mode]) {
      if (value !== true && flags.path) {
        throw new InvalidInputError(
          `Name the area once: \`--${mode} ${value}\`, or the older \`--path ${flags.path} --${mode}\`.`,
        );
      }
      const target = value === true ? flags.path : value;
      parts.set(target, [...(parts.get(target) ?? []), mode]);
    }
  }
  if (flags.path && parts.size === 0) return [{ target: flags.path }];
  return [...parts].map(([target, modes]) => ({ ...(target ? { target } : {}), modes }));
}
const passwordHelp = 'read the account password from stdin (else HEARTH_PASSWORD, or a prompt on a terminal)';

/** `hearth apps ...`: add apps, grant and revoke their access, check it, answer their requests. */
export function registerApps(program: Command): void {
  const apps = program.command('apps').description('decide, app by app, what each app may read and change in your pod');

  apps
    .command('add <name>')
    .description(
      'make a client credential for a script or bot of yours (prints its secret once; needs your password: ' +
        'CSS gives credentials only to password logins), or register a Solid app by its Client ID Document URL',
    )
    .option('--password-stdin', passwordHelp)
    .addHelpText(
      'after',
      `
Examples:
  $ hearth apps add backup-bot                        # asks for your password; prints the client id and secret once
  $ hearth apps add backup-bot --password-stdin < password.txt
  $ hearth apps add https://app.example/id            # a Solid app, by its Client ID Document`,
    )
    .action((name: string, options: { passwordStdin?: boolean }, command: Command) =>
      withOwner(command, async (owner, account, global) => {
        if (isClientIdUrl(name)) {
          const app = await registerApp(owner, await readClientIdDocument(name));
          print(global, app, [`Registered ${app.name} (${app.id}); it has no access until you grant it some.`]);
          return;
        }
        // A name Hearth cannot use, or a second app of the same name (every command naming it would be ambiguous), is
        // refused before the password is asked for.
        validateAppName(name);
        await requireFreeAppName(owner, name);
        const api = new AccountApi(account.server);
        let made: Awaited<ReturnType<typeof createClientCredentialApp>>;
        try {
          await api.login(account.email, await readPassword(options));
          made = await createClientCredentialApp(api, name, account.webId);
        } finally {
          await endAccountSession(api);
        }
        const { app, secret } = made;
        await registerApp(owner, app);
        print(
          global,
          { id: app.id, name: app.name, kind: app.kind, secret, server: account.server, webId: account.webId },
          [
            `Added ${app.name}. It has no access until you grant it some (hearth apps grant ${app.name} --read posts).`,
            `Client id:     ${app.id}`,
            `Client secret: ${secret}`,
            'The secret is shown only this once: keep it where the app can read it.',
          ],
        );
      }),
    );

  apps
    .command('list')
    .description('the apps you added or granted something, with what each may do where (from your private record)')
    .action((_options: unknown, command: Command) =>
      withOwner(command, async (owner, _account, global) => {
        const records = await listGrants(owner);
        // When each was last used, as the server recorded it (one request; a server that does not record it: none).
        const uses = await readAppUse(owner).catch((error: unknown) => {
          if (!(error instanceof HearthError)) throw error;
          return undefined;
        });
        print(
          global,
          records.map((app) => (uses?.has(app.id) ? { ...app, lastUsed: uses.get(app.id) } : app)),
          records.length
            ? records.flatMap((app) => describeApp(owner, app, uses))
            : ['No apps yet: `hearth apps add NAME`.'],
        );
      }),
    );

  apps
    .command('grant <app> [target]')
    .description(
      'let an app (name, client id or Client ID Document URL) read/append/write an area (posts, media, likes, ' +
        'following, inbox, profile, settings) or a container path (notes/), everything inside included',
    )
    .option('--read <target>', 'grant read on an area or container (repeatable)', collect, [])
    .option('--append <target>', 'grant append (add new items) (repeatable)', collect, [])
    .option('--write <target>', 'grant write (change and delete, append included) (repeatable)', collect, [])
    .option('--modes <modes>', 'with [target]: comma-separated modes (read,append,write)')
    .option('--create', 'create the containers named by path (notes/) that do not exist yet')
    .addHelpText(
      'after',
      `
Examples:
  $ hearth apps grant backup-bot --read posts --read settings --append notes/
  $ hearth apps grant https://app.example/id inbox --modes read     # a Solid app, by its Client ID Document`,
    )
    .action(
      (
        app: string,
        target: string | undefined,
        options: { read: string[]; append: string[]; write: string[]; modes?: string; create?: boolean },
        command: Command,
      ) =>
        withOwner(command, async (owner, _account, global) => {
          const wanted = new Map<string, string[]>();
          const add = (where: string, mode: string) => wanted.set(where, [...(wanted.get(where) ?? []), mode]);
          for (const mode of ['read', 'append', 'write'] as const) for (const where of options[mode]) add(where, mode);
          if (target) {
            if (!options.modes) throw new InvalidInputError(`Say which modes on ${target}: --modes read,append,write.`);
            for (const mode of options.modes
              .split(',')
              .map((m) => m.trim())
              .filter(Boolean))
              add(target, mode);
          } else if (options.modes)
            throw new InvalidInputError('--modes needs a target: hearth apps grant APP TARGET --modes read.');
          if (wanted.size === 0)
            throw new InvalidInputError('Nothing to grant: use --read/--append/--write AREA, e.g. --read posts.');
          // All parts or none: the library checks every part before it writes anything.
          const {
            app: info,
            grants,
            created,
          } = await grantAccessAll(
            owner,
            app,
            [...wanted].map(([where, modes]) => ({ target: where, modes })),
            { create: options.create === true },
          );
          print(
            global,
            grants.map((grant) => ({
              app: info,
              grant,
              ...(created.includes(grant.container) ? { created: true } : {}),
            })),
            [
              ...created.map((container) => `Created ${relative(owner, container)}.`),
              ...grants.map((grant) => `${info.name} may now ${grant.modes.join('+')} ${place(owner, grant)}.`),
            ],
          );
        }),
    );

  apps
    .command('revoke [app]')
    .description(
      "take access back: all of an app's grants (and, for credentials made by `apps add`, the credential itself: " +
        'that needs your password), or part of them with --path/--read/--append/--write; --all cuts every app off',
    )
    .option('--all', "revoke every app's access at once")
    // The mode flags' preset and default are plumbing: the help shows what they mean only.
    .configureHelp({ optionDescription: (option) => option.description })
    .addOption(
      modeOption('read', 'only read: on TARGET (an area or container; repeatable), else everywhere or on --path'),
    )
    .addOption(modeOption('append', 'only append: on TARGET, else everywhere or on --path'))
    .addOption(modeOption('write', 'only write: on TARGET, else everywhere or on --path'))
    .option('--path <target>', 'only on this area or container (all modes, or those of bare --read/--append/--write)')
    .option('--password-stdin', passwordHelp)
    .addHelpText(
      'after',
      `
Examples:
  $ hearth apps revoke backup-bot --read posts        # the same form as grant
  $ hearth apps revoke backup-bot --path settings     # every mode on one area or container
  $ hearth apps revoke backup-bot                     # all of it; asks for your password to delete its credential too
  $ hearth apps revoke --all                          # cut every app off at once`,
    )
    .action((app: string | undefined, options: RevokeFlags, command: Command) =>
      withOwner(command, async (owner, account, global) => {
        if (!app && !options.all) {
          throw new InvalidInputError(
            'Say which app to revoke: `hearth apps revoke NAME` (the names are in `hearth apps list`), ' +
              'or `hearth apps revoke --all` to cut every app off.',
          );
        }
        if (app && options.all) throw new InvalidInputError('Give one app or --all, not both.');
        const parts = revokeParts(options);
        if (options.all && parts.length > 0)
          throw new InvalidInputError('--all revokes everything: it takes no --path or mode.');
        // Whole apps leave the record, and credentials made by `apps add` are deleted too, which needs the password:
        // the
        // library asks for it before anything changes, so Ctrl+C at the prompt changes nothing.
        const deleteCredential = {
          server: account.server,
          email: account.email,
          password: async (names: string[]) => {
            try {
              return await readPassword(
                options,
                `Password, to delete the credential of ${names.join(', ')} too (Enter keeps it): `,
              );
            } catch (error: unknown) {
              if (!(error instanceof InvalidInputError)) throw error;
              return ''; // No password to be had (no terminal, stdin or variable): the credential is kept, and said so.
            }
          },
        };
        const {
          revocations,
          credentialsDeleted: deleted,
          credentialsKept,
        } = options.all
          ? await revokeAll(owner, { deleteCredential })
          : await revokeApp(owner, app!, { parts, deleteCredential });
        const lines = revocations.length
          ? revocations.map((r) => describeRevocation(owner, r))
          : ['No app had any access.'];
        const names = credentialsKept?.names.join(', ');
        let kept: string | undefined;
        if (credentialsKept && !credentialsKept.error) {
          kept =
            `the credential of ${names} remains (no password given): ` +
            'it has no access left, but its secret still logs in; ' +
            `run \`hearth apps revoke ${options.all ? '--all' : app}\` again with your password to delete it`;
        } else if (credentialsKept?.error) {
          const error = credentialsKept.error;
          const why =
            error instanceof AccountApiError
              ? `the server refused: ${error.message.replace(/\.$/u, '')}`
              : describe(error);
          kept =
            `the credential of ${names} remains (${why}); ` +
            'its access is revoked: run the revoke again to delete it';
          process.exitCode = 1;
        }
        if (deleted.length) lines.push(`Deleted the credential of ${deleted.join(', ')}.`);
        if (kept) lines.push(`Note: ${kept}.`);
        print(
          global,
          {
            revoked: revocations.map((r) => ({
              app: r.app.id,
              name: r.app.name,
              removed: r.removed,
              remaining: r.remaining,
            })),
            credentialsDeleted: deleted,
            ...(kept ? { note: kept } : {}),
          },
          lines,
        );
      }),
    );

  apps
    .command('check')
    .description('compare your record of grants with the access rules in force; exits 1 when they differ')
    .action((_options: unknown, command: Command) =>
      withOwner(command, async (owner, account, global) => {
        const drifts = await checkGrants(owner);
        const webPage = (await webPageOn(owner)) ? 'on' : 'off';
        print(global, { ok: drifts.length === 0, drifts, webPage }, [
          ...(drifts.length
            ? [
                `${drifts.length} difference(s) between your record and the access rules in force:`,
                ...drifts.map((d) => `  ${relative(owner, d.container)}: ${d.problem}`),
                'Fix with `hearth apps revoke` or `hearth apps grant`.',
              ]
            : ['The access rules in force match your record.']),
          `Hearth's web page (${webPageUrlOf(account.server)}): ${webPage} (\`hearth web disable|enable\`).`,
        ]);
        if (drifts.length) process.exitCode = 1;
      }),
    );

  apps
    .command('requests')
    .description('access requests apps sent to your inbox, waiting for your answer, newest first')
    .option('--deadline <seconds>', "time for the whole listing, apps' Client ID Documents included", '20')
    .action((options: { deadline: string }, command: Command) => {
      const deadlineMs = parseSeconds(options.deadline); // Bad input is said before the server is asked anything.
      return withOwner(command, async (owner, _account, global) => {
        const { requests, unread, truncated, late } = await readAccessRequests(owner, { deadlineMs });
        print(global, requests, [
          ...(requests.length ? requests.flatMap(describeRequest) : ['No pending access requests.']),
          ...(late
            ? [
                `${late} app(s) named by their host: ` +
                  `their Client ID Document was not read within ${deadlineMs / 1000} s.`,
              ]
            : []),
          ...(unread
            ? [
                `${unread} older inbox item(s) not read ` +
                  `(at most ${maxRequestItems} at a time, within ${deadlineMs / 1000} s): ` +
                  'answer or deny these (`hearth apps deny --all`) and clear notifications to see them.',
              ]
            : []),
          ...(truncated ? ['Your inbox holds too many items to list at once: only part of it was looked at.'] : []),
        ]);
      });
    });

  apps
    .command('approve <id>')
    .description('grant exactly what a request asks for (no more), and remove it from your inbox')
    .action((id: string, _options: unknown, command: Command) =>
      withOwner(command, async (owner, _account, global) => {
        const { request, grants } = await approveAccessRequest(owner, id);
        print(
          global,
          { request, grants },
          grants.map((grant) => `${request.app.name} may now ${grant.modes.join('+')} ${place(owner, grant)}.`),
        );
      }),
    );

  apps
    .command('deny [id]')
    .description(
      'refuse a request: nothing is granted, and it is removed from your inbox; --all refuses every request listed',
    )
    .option(
      '--all',
      'refuse every pending request `apps requests` lists now (those arriving meanwhile are not touched)',
    )
    .option('--deadline <seconds>', 'with --all: time for listing the requests', '20')
    .action((id: string | undefined, options: { all?: boolean; deadline: string }, command: Command) => {
      // Bad input is said before the server is asked anything.
      if (Boolean(options.all) === Boolean(id))
        throw new InvalidInputError('Name one request to deny, or use --all (not both).');
      const deadlineMs = parseSeconds(options.deadline);
      return withOwner(command, async (owner, _account, global) => {
        if (options.all) {
          const listed = await listAccessRequests(owner, { deadlineMs, fetchApps: false });
          const denied = await denyAccessRequests(owner, listed);
          print(global, { denied }, [`Denied ${denied.length} request(s).`]);
          return;
        }
        const request = await denyAccessRequest(owner, id!);
        print(global, { denied: request }, [`Denied ${request.app.name}'s request ${request.id}.`]);
      });
    });
}

/** An app's Client ID Document; one that cannot be reached is said to be the app's document, not a server to start. */
async function readClientIdDocument(url: string): Promise<AppInfo> {
  try {
    return await fetchClientIdDocument(url);
  } catch (error: unknown) {
    if (!(error instanceof NetworkError)) throw error;
    throw new ClientIdDocumentError(
      url,
      `Cannot read the app's Client ID Document at ${url} (${networkReason(error.cause)}): ` +
        'check the URL the app gave, or try again later.',
    );
  }
}

/** Runs an action with the current account's manager, logging it out afterwards. */
/** Runs `action` as the current account's owner, through a manager session logged out when done. */
export async function withOwner(
  command: Command,
  action: (owner: PodOwner, account: StoredAccount, global: GlobalOptions) => Promise<void>,
): Promise<void> {
  const { account, session } = await currentSession(command);
  try {
    await action(ownerOf(account, session), account, command.optsWithGlobals<GlobalOptions>());
  } finally {
    await session.logout();
  }
}

function ownerOf(account: StoredAccount, session: HearthSession): PodOwner {
  return { fetch: session.fetch, podUrl: account.podUrl, webId: account.webId, managerClientId: account.manager.id };
}

function relative(owner: PodOwner, container: string): string {
  return container.startsWith(owner.podUrl) ? container.slice(owner.podUrl.length) : container;
}

function place(owner: PodOwner, grant: GrantEntry): string {
  return grant.area ? `${grant.area} (${relative(owner, grant.container)})` : relative(owner, grant.container);
}

function describeApp(owner: PodOwner, app: AppRecord, uses?: Map<string, string>): string[] {
  const kind = app.kind === 'client-credential' ? 'client credential' : 'Client ID Document';
  const at = uses?.get(app.id);
  const used = uses ? `; ${at ? `last used ${at.slice(0, 16).replace('T', ' ')} UTC` : 'no use recorded'}` : '';
  return [
    `${app.name}  ${app.id}  (${kind}${app.homepage ? `, ${app.homepage}` : ''}; ` +
      `added ${app.since.slice(0, 10)}${used})`,
    ...(app.grants.length
      ? app.grants.map((g) => `  ${g.modes.join('+').padEnd(18)} ${place(owner, g)}  since ${g.since.slice(0, 10)}`)
      : ['  no access']),
  ];
}

function describeRevocation(owner: PodOwner, revocation: Revocation): string {
  const { app, removed, remaining } = revocation;
  if (removed.length === 0) return `${app.name} had nothing to revoke there.`;
  return (
    `Revoked ${app.name}: ${removed.map((g) => place(owner, g)).join(', ')}` +
    (remaining.length
      ? `; it keeps ${remaining.map((g) => `${g.modes.join('+')} ${place(owner, g)}`).join(', ')}.`
      : '; it has no access left.')
  );
}

function describeRequest(request: AccessRequest): string[] {
  const who = `${request.app.name}${request.app.known ? '' : ' (new app)'}`;
  return [
    `${request.id}  ${who}  ${request.clientId}`,
    ...request.needs.map((need) => `  ${need.modes.join('+').padEnd(18)} ${need.target}`),
    ...(request.reason ? [`  why: ${request.reason}`] : []),
    ...(request.problem ? [`  cannot be approved: ${request.problem}`] : []),
  ];
}

/** Seconds given on the command line, as milliseconds. */
function parseSeconds(value: string): number {
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 600) {
    throw new InvalidInputError(`--deadline must be a number of seconds, more than 0 and at most 600, not "${value}".`);
  }
  return seconds * 1000;
}
