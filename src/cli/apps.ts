import type { Command } from 'commander';
import { InvalidInputError } from '../errors.js';
import { createClientCredentialApp, deleteAppCredential, fetchClientIdDocument, isClientIdUrl, type AppInfo } from '../access/apps.js';
import { checkGrants, forgetApp, grantAccess, listGrants, registerApp, revokeAccess, revokeAllAccess, type PodOwner, type Revocation } from '../access/grants.js';
import type { AppRecord, GrantEntry } from '../access/record.js';
import { approveAccessRequest, denyAccessRequest, listAccessRequests, type AccessRequest } from '../access/requests.js';
import type { StoredAccount } from '../auth/credentials.js';
import type { HearthSession } from '../auth/session.js';
import { AccountApi } from '../server/account-api.js';
import { print, type GlobalOptions } from './output.js';
import { readPassword } from './secrets.js';
import { currentSession } from './session.js';

const collect = (value: string, previous: string[]) => [...previous, value];
const passwordHelp = 'read the account password from stdin (else HEARTH_PASSWORD, or a prompt on a terminal)';

/** `hearth apps ...`: add apps, grant and revoke their access, check it, answer their requests. */
export function registerApps(program: Command): void {
  const apps = program.command('apps').description('decide, app by app, what each app may read and change in your pod');

  apps.command('add <name>')
    .description('make a client credential for a script or bot of yours (prints its secret once; needs your password: ' +
      'CSS gives credentials only to password logins), or register a Solid app by its Client ID Document URL')
    .option('--password-stdin', passwordHelp)
    .action((name: string, options: { passwordStdin?: boolean }, command: Command) => withOwner(command, async (owner, account, global) => {
      if (isClientIdUrl(name)) {
        const app = await registerApp(owner, await fetchClientIdDocument(name));
        print(global, app, [`Registered ${app.name} (${app.id}); it has no access until you grant it some.`]);
        return;
      }
      const api = new AccountApi(account.server);
      let made: Awaited<ReturnType<typeof createClientCredentialApp>>;
      try {
        await api.login(account.email, await readPassword(options));
        made = await createClientCredentialApp(api, name, account.webId);
      } finally {
        await api.logout().catch(() => undefined);
      }
      const { app, secret } = made;
      await registerApp(owner, app);
      print(global, { id: app.id, name: app.name, kind: app.kind, secret, server: account.server, webId: account.webId }, [
        `Added ${app.name}. It has no access until you grant it some (hearth apps grant ${app.name} --read posts).`,
        `Client id:     ${app.id}`,
        `Client secret: ${secret}`,
        'The secret is shown only this once: keep it where the app can read it.',
      ]);
    }));

  apps.command('list')
    .description('the apps you added or granted something, with what each may do where (from your private record)')
    .action((_options: unknown, command: Command) => withOwner(command, async (owner, _account, global) => {
      const records = await listGrants(owner);
      print(global, records, records.length ? records.flatMap((app) => describeApp(owner, app)) : ['No apps yet: `hearth apps add NAME`.']);
    }));

  apps.command('grant <app> [target]')
    .description('let an app (name, client id or Client ID Document URL) read/append/write an area (posts, media, likes, following, ' +
      'inbox, profile, settings) or a container path (notes/), everything inside included')
    .option('--read <target>', 'grant read on an area or container (repeatable)', collect, [])
    .option('--append <target>', 'grant append (add new items) (repeatable)', collect, [])
    .option('--write <target>', 'grant write (change and delete, append included) (repeatable)', collect, [])
    .option('--modes <modes>', 'with [target]: comma-separated modes (read,append,write)')
    .action((app: string, target: string | undefined, options: { read: string[]; append: string[]; write: string[]; modes?: string }, command: Command) =>
      withOwner(command, async (owner, _account, global) => {
        const wanted = new Map<string, string[]>();
        const add = (where: string, mode: string) => wanted.set(where, [...(wanted.get(where) ?? []), mode]);
        for (const mode of ['read', 'append', 'write'] as const) for (const where of options[mode]) add(where, mode);
        if (target) {
          if (!options.modes) throw new InvalidInputError(`Say which modes on ${target}: --modes read,append,write.`);
          for (const mode of options.modes.split(',').map((m) => m.trim()).filter(Boolean)) add(target, mode);
        } else if (options.modes) throw new InvalidInputError('--modes needs a target: hearth apps grant APP TARGET --modes read.');
        if (wanted.size === 0) throw new InvalidInputError('Nothing to grant: use --read/--append/--write AREA, e.g. --read posts.');
        const done: { app: AppInfo; grant: GrantEntry }[] = [];
        for (const [where, modes] of wanted) done.push(await grantAccess(owner, app, where, modes));
        print(global, done, done.map(({ app: info, grant }) => `${info.name} may now ${grant.modes.join('+')} ${place(owner, grant)}.`));
      }));

  apps.command('revoke [app]')
    .description('take access back: all of an app\'s grants (and, for credentials made by `apps add`, the credential itself: ' +
      'that needs your password), or part of them with --path/--read/--append/--write; --all cuts every app off')
    .option('--all', 'revoke every app\'s access at once')
    .option('--path <target>', 'only on this area or container')
    .option('--read', 'only the read mode')
    .option('--append', 'only the append mode')
    .option('--write', 'only the write mode')
    .option('--password-stdin', passwordHelp)
    .action((app: string | undefined, options: { all?: boolean; path?: string; read?: boolean; append?: boolean; write?: boolean; passwordStdin?: boolean },
      command: Command) => withOwner(command, async (owner, account, global) => {
      if (options.all === Boolean(app)) throw new InvalidInputError('Name one app to revoke, or use --all (not both).');
      const modes = (['read', 'append', 'write'] as const).filter((mode) => options[mode]);
      const partial = Boolean(options.path || modes.length);
      if (options.all && partial) throw new InvalidInputError('--all revokes everything: it takes no --path or mode.');
      const revocations = options.all ? await revokeAllAccess(owner)
        : [await revokeAccess(owner, app!, { ...(options.path ? { target: options.path } : {}), ...(modes.length ? { modes } : {}) })];
      const lines = revocations.length ? revocations.map((r) => describeRevocation(owner, r)) : ['No app had any access.'];
      // Whole apps revoked: remove them from the record; client credentials made by Hearth are deleted too.
      const whole = options.all ? (await listGrants(owner)) : partial ? [] : [revocations[0]!.app];
      const credentials = whole.filter((a) => a.kind === 'client-credential');
      const deleted: string[] = [];
      let kept: string | undefined;
      if (credentials.length) {
        let password: string | undefined;
        try {
          password = await readPassword(options);
        } catch (error: unknown) {
          if (!(error instanceof InvalidInputError)) throw error;
          kept = `its access is revoked, but the credential of ${credentials.map((a) => a.name).join(', ')} remains (no password given): ` +
            'run the revoke again with --password-stdin to delete it';
        }
        if (password) {
          const api = new AccountApi(account.server);
          try {
            await api.login(account.email, password);
            for (const credential of credentials) {
              await deleteAppCredential(api, credential);
              deleted.push(credential.name);
            }
          } finally {
            await api.logout().catch(() => undefined);
          }
        }
      }
      for (const gone of whole.filter((a) => a.kind !== 'client-credential' || deleted.includes(a.name))) await forgetApp(owner, gone.id);
      if (deleted.length) lines.push(`Deleted the credential of ${deleted.join(', ')}.`);
      if (kept) lines.push(`Note: ${kept}.`);
      print(global, { revoked: revocations.map((r) => ({ app: r.app.id, name: r.app.name, removed: r.removed, remaining: r.remaining })),
        credentialsDeleted: deleted, ...(kept ? { note: kept } : {}) }, lines);
    }));

  apps.command('check')
    .description('compare your record of grants with the access rules in force; exits 1 when they differ')
    .action((_options: unknown, command: Command) => withOwner(command, async (owner, _account, global) => {
      const drifts = await checkGrants(owner);
      print(global, { ok: drifts.length === 0, drifts }, drifts.length
        ? [`${drifts.length} difference(s) between your record and the access rules in force:`,
          ...drifts.map((d) => `  ${relative(owner, d.container)}: ${d.problem}`), 'Fix with `hearth apps revoke` or `hearth apps grant`.']
        : ['The access rules in force match your record.']);
      if (drifts.length) process.exitCode = 1;
    }));

  apps.command('requests')
    .description('access requests apps sent to your inbox, waiting for your answer')
    .action((_options: unknown, command: Command) => withOwner(command, async (owner, _account, global) => {
      const requests = await listAccessRequests(owner);
      print(global, requests, requests.length ? requests.flatMap(describeRequest) : ['No pending access requests.']);
    }));

  apps.command('approve <id>')
    .description('grant exactly what a request asks for (no more), and remove it from your inbox')
    .action((id: string, _options: unknown, command: Command) => withOwner(command, async (owner, _account, global) => {
      const { request, grants } = await approveAccessRequest(owner, id);
      print(global, { request, grants }, grants.map((grant) => `${request.app.name} may now ${grant.modes.join('+')} ${place(owner, grant)}.`));
    }));

  apps.command('deny <id>')
    .description('refuse a request: nothing is granted, and it is removed from your inbox')
    .action((id: string, _options: unknown, command: Command) => withOwner(command, async (_owner, _account, global) => {
      const request = await denyAccessRequest(_owner, id);
      print(global, { denied: request }, [`Denied ${request.app.name}'s request ${request.id}.`]);
    }));
}

/** Runs an action with the current account's manager, logging it out afterwards. */
async function withOwner(command: Command, action: (owner: PodOwner, account: StoredAccount, global: GlobalOptions) => Promise<void>): Promise<void> {
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

function describeApp(owner: PodOwner, app: AppRecord): string[] {
  const kind = app.kind === 'client-credential' ? 'client credential' : 'Client ID Document';
  return [
    `${app.name}  ${app.id}  (${kind}${app.homepage ? `, ${app.homepage}` : ''}; added ${app.since.slice(0, 10)})`,
    ...(app.grants.length ? app.grants.map((g) => `  ${g.modes.join('+').padEnd(18)} ${place(owner, g)}  since ${g.since.slice(0, 10)}`) : ['  no access']),
  ];
}

function describeRevocation(owner: PodOwner, revocation: Revocation): string {
  const { app, removed, remaining } = revocation;
  if (removed.length === 0) return `${app.name} had nothing to revoke there.`;
  return `Revoked ${app.name}: ${removed.map((g) => place(owner, g)).join(', ')}` +
    (remaining.length ? `; it keeps ${remaining.map((g) => `${g.modes.join('+')} ${place(owner, g)}`).join(', ')}.` : '; it has no access left.');
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

