import { createServer, type Server } from 'node:http';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it, onTestFinished } from 'vitest';
import {
  AccountApi,
  createClientCredentialApp,
  grantAccess,
  listAccessRequests,
  listGrants,
  openSession,
  registerApp,
  requestAccess,
  revokeAllAccess,
  type HearthSession,
  type PodOwner,
  type StoredAccount,
} from '../src/index.js';
import { runCli } from './support/cli.js';
import { startClientIdApp } from './support/client-id-app.js';
import { freePort } from './support/ports.js';
import { tokenClaims } from './support/token-claims.js';
import { uniqueName } from './support/users.js';

const turtle = { 'content-type': 'text/turtle' };

// One account made with the CLI, and one app of it (`bot`) made with the library, shared by the tests; every test makes
// what else it needs, and one that leaves grants behind revokes them all when it ends (`cleanSlate`).
describe('hearth apps', () => {
  const server = inject('baseUrl');
  const name = uniqueName('cli-apps');
  const password = 'apps password 123';
  let home: string;
  let account: StoredAccount;
  let owner: PodOwner;
  let manager: HearthSession;
  let api: AccountApi;
  let bot: HearthSession;
  const hearth = async (args: string[], input?: string) =>
    runCli(args, { env: { HEARTH_HOME: home, HEARTH_PASSWORD: '' }, input });
  const status = async (session: HearthSession, path: string, init?: RequestInit) => {
    const response = await session.fetch(`${account.podUrl}${path}`, init);
    await response.body?.cancel();
    return response.status;
  };
  const put = (session: HearthSession, path: string) =>
    status(session, path, { method: 'PUT', headers: turtle, body: '<#a> <#b> "c" .' });

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'hearth-apps-'));
    const created = await hearth(
      [
        'account',
        'create',
        '--name',
        name,
        '--email',
        `${name}@example.org`,
        '--server',
        server,
        '--password-stdin',
        '--json',
      ],
      password,
    );
    expect(created.code, created.stderr).toBe(0);
    account = JSON.parse(
      await readFile((JSON.parse(created.stdout) as { credentialsFile: string }).credentialsFile, 'utf8'),
    ) as StoredAccount;
    manager = await openSession({ server, clientId: account.manager.id, clientSecret: account.manager.secret });
    owner = { fetch: manager.fetch, podUrl: account.podUrl, webId: account.webId, managerClientId: account.manager.id };
    expect(await put(manager, 'notes/seed.ttl')).toBe(201);
    api = new AccountApi(server);
    await api.login(account.email, password);
    const made = await createClientCredentialApp(api, 'bot', account.webId);
    await registerApp(owner, made.app);
    bot = await openSession({ server, clientId: made.app.id, clientSecret: made.secret });
  });
  /** Revokes every grant when the test ends, pass or fail. */
  const cleanSlate = () =>
    onTestFinished(async () => {
      await revokeAllAccess(owner);
    });
  afterAll(async () => {
    await bot?.logout();
    await api?.logout();
    await manager?.logout();
    await rm(home, { recursive: true, force: true });
  });

  it("adds a script of the owner's as an app with its own credential, shown once, with no access", async () => {
    const noPassword = await hearth(['apps', 'add', 'helper']);
    expect(noPassword.code).toBe(1);
    expect(noPassword.stderr).toMatch(/^hearth: No password: pipe it with --password-stdin/u);
    const added = await hearth(['apps', 'add', 'helper', '--password-stdin', '--json'], password);
    expect(added.code, added.stderr).toBe(0);
    const credential = JSON.parse(added.stdout) as { id: string; secret: string };
    expect(credential.id).toMatch(/^helper_[0-9a-f-]{36}$/u);
    // The id printed is the credential the server made, and the one its tokens carry.
    expect(Object.keys(await api.listClientCredentials())).toContain(credential.id);
    const helper = await openSession({ server, clientId: credential.id, clientSecret: credential.secret });
    try {
      expect((await tokenClaims(helper.fetch)).client_id).toBe(credential.id);
      expect(await status(helper, 'notes/seed.ttl')).toBe(403);
      expect(await status(manager, 'notes/seed.ttl')).toBe(200);
    } finally {
      await helper.logout();
    }
    const list = await hearth(['apps', 'list']);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toContain(`helper  ${credential.id}  (client credential; added `);
    expect(list.stdout.split('\n')[list.stdout.split('\n').findIndex((line) => line.startsWith('helper '))! + 1]).toBe(
      '  no access',
    );
    expect(list.stdout).not.toContain(credential.secret);
  });

  it('grants areas and containers, lists them, and the server enforces them', async () => {
    cleanSlate();
    expect(await status(bot, 'social/inbox/')).toBe(403);
    expect(await put(bot, 'notes/seed.ttl')).toBe(403);
    const granted = await hearth(['apps', 'grant', 'bot', '--read', 'inbox', '--write', 'notes/']);
    expect(granted.code, granted.stderr).toBe(0);
    expect(granted.stdout).toContain('bot may now read inbox (social/inbox/)');
    expect(await status(bot, 'social/inbox/')).toBe(200);
    expect(await put(bot, 'notes/seed.ttl')).toBe(205);
    // The owner's own social commands go on working through the manager.
    const posted = await hearth(['post', 'Granted an app today']);
    expect(posted.code, posted.stderr).toBe(0);
    const list = await hearth(['apps', 'list', '--json']);
    expect(list.code, list.stderr).toBe(0);
    expect(
      (JSON.parse(list.stdout) as { name: string; grants: { container: string; modes: string[] }[] }[])
        .find((app) => app.name === 'bot')!
        .grants.map((g) => [g.container.slice(account.podUrl.length), g.modes]),
    ).toEqual([
      ['notes/', ['write']],
      ['social/inbox/', ['read']],
    ]);
  });

  it('refuses what cannot be done with one line on stderr, exit 1, and nothing granted', async () => {
    const before = await listGrants(owner);
    const documents = await startDocumentServer();
    const closedPort = await freePort();
    try {
      const cases: [string[], RegExp][] = [
        [['apps', 'grant', 'bot', '--read', 'diary'], /^hearth: "diary" is neither an area/u],
        [['apps', 'grant', 'bot', 'posts', '--modes', 'control'], /"control" is not a mode/u],
        [['apps', 'grant', 'ghost', '--read', 'posts'], /No app "ghost"/u],
        [['apps', 'revoke', 'ghost'], /No app "ghost"/u],
        [['apps', 'revoke'], /Say which app to revoke/u],
        [['apps', 'approve', 'nothing-here'], /No pending access request/u],
        [['apps', 'add', 'bot'], /An app called "bot" is already in your record/u],
        [
          ['apps', 'add', `http://localhost:${closedPort}/id`],
          new RegExp(
            `^hearth: Cannot read the app's Client ID Document at http://localhost:${closedPort}/id \\(connection refused\\): check the URL`,
            'u',
          ),
        ],
        [
          ['apps', 'add', documents.url('huge')],
          new RegExp(`^hearth: ${documents.url('huge')} is too large \\(more than 65536 bytes\\)`, 'u'),
        ],
      ];
      for (const [args, reason] of cases) {
        const result = await hearth(args);
        expect(result.code, args.join(' ')).toBe(1);
        expect(result.stderr, args.join(' ')).toMatch(reason);
        expect(result.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
        expect(result.stdout, args.join(' ')).toBe('');
      }
      // All or none: one missing part, and the good part is not granted either. With --json the error is one JSON
      // object.
      const json = await hearth(['apps', 'grant', 'bot', '--read', 'settings', '--read', 'missing/', '--json']);
      expect(json.code).toBe(1);
      expect(json.stdout).toBe('');
      expect(JSON.parse(json.stderr)).toEqual({
        error: {
          code: 'UNKNOWN_AREA',
          message: expect.stringMatching(/^There is no container missing\/ .*: nothing was granted/u),
        },
      });
    } finally {
      await documents.close();
    }
    const record = await listGrants(owner);
    expect(record).toEqual(before);
    expect(record.map((app) => app.id)).toContain(bot.clientId);
    expect(record.map((app) => app.id)).not.toContain(`http://localhost:${closedPort}/id`);
    expect(record.map((app) => app.id)).not.toContain(documents.url('huge'));
    expect(await status(bot, 'settings/privateTypeIndex.ttl')).toBe(403);
  });

  it('checks the record against the rules in force, exits 1 on drift; a revoke removes the stray rule', async () => {
    cleanSlate();
    const clean = await hearth(['apps', 'check']);
    expect(clean.code, clean.stdout + clean.stderr).toBe(0);
    expect(clean.stdout).toContain('The access rules in force match your record.');
    expect(await put(manager, 'social/posts/stray.ttl')).toBe(201);
    expect(await put(bot, 'social/posts/stray.ttl')).toBe(403);
    const acrUrl = `${account.podUrl}social/posts/.acr`;
    const acr = await (await manager.fetch(acrUrl)).text();
    const stray = `${acr}\n<#stray> <http://www.w3.org/ns/solid/acp#apply> <#stray-policy>. <#acr> <http://www.w3.org/ns/solid/acp#memberAccessControl> <#stray>.
<#stray-policy> <http://www.w3.org/ns/solid/acp#allow> <http://www.w3.org/ns/auth/acl#Write>; <http://www.w3.org/ns/solid/acp#allOf> <#stray-client>.
<#stray-client> <http://www.w3.org/ns/solid/acp#client> "${bot.clientId}".\n`;
    expect((await manager.fetch(acrUrl, { method: 'PUT', headers: turtle, body: stray })).status).toBe(205);
    // The stray rule is in force: bot writes the posts.
    expect(await put(bot, 'social/posts/stray.ttl')).toBe(205);
    const drift = await hearth(['apps', 'check', '--json']);
    expect(drift.code).toBe(1);
    const report = JSON.parse(drift.stdout) as {
      ok: boolean;
      drifts: { container: string; clientId: string; inForce: string[] }[];
    };
    expect(report.ok).toBe(false);
    expect(report.drifts).toMatchObject([
      { container: `${account.podUrl}social/posts/`, clientId: bot.clientId, inForce: ['write'] },
    ]);
    // Revoking the app's posts access removes the stray policy too.
    const revoked = await hearth(['apps', 'revoke', 'bot', '--path', 'posts']);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(await put(bot, 'social/posts/stray.ttl')).toBe(403);
    expect((await hearth(['apps', 'check'])).code).toBe(0);
  });

  it("lists access requests with the app's name, approves exactly what was asked, denies", async () => {
    cleanSlate();
    expect(await status(bot, 'settings/privateTypeIndex.ttl')).toBe(403);
    expect(await put(bot, 'notes/from-bot.ttl')).toBe(403);
    await requestAccess(bot, account.webId, [{ target: 'settings', modes: ['read'] }], 'backups of your settings');
    const listed = await hearth(['apps', 'requests', '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    const requests = JSON.parse(listed.stdout) as { id: string; app: { name: string }; needs: unknown[] }[];
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({ app: { name: 'bot' }, needs: [{ target: 'settings', modes: ['read'] }] });
    const text = await hearth(['apps', 'requests']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain(
      `${requests[0]!.id}  bot  ${bot.clientId}\n  read               settings\n  why: backups of your settings`,
    );
    const approved = await hearth(['apps', 'approve', requests[0]!.id]);
    expect(approved.code, approved.stderr).toBe(0);
    expect(approved.stdout).toContain('bot may now read settings (settings/).');
    expect(await status(bot, 'settings/privateTypeIndex.ttl')).toBe(200);
    expect(await put(bot, 'settings/privateTypeIndex.ttl')).toBe(403);

    await requestAccess(bot, account.webId, [{ target: 'notes/', modes: ['write'] }], 'write notes for you');
    const [second] = await listAccessRequests(owner);
    // A pending access request in the inbox does not disturb the owner's notifications.
    const notifications = await hearth(['notifications']);
    expect(notifications.code, notifications.stderr).toBe(0);
    const denied = await hearth(['apps', 'deny', second!.id]);
    expect(denied.code, denied.stderr).toBe(0);
    expect(denied.stdout).toContain(`Denied bot's request ${second!.id}.`);
    const none = await hearth(['apps', 'requests']);
    expect(none.code, none.stderr).toBe(0);
    expect(none.stdout).toContain('No pending access requests');
    // Denied: nothing granted there; approved before: still granted.
    expect(await put(bot, 'notes/from-bot.ttl')).toBe(403);
    expect(await status(bot, 'settings/privateTypeIndex.ttl')).toBe(200);
  });

  it('registers an app by Client ID Document, grants by URL; the server enforces it at its real login', async () => {
    cleanSlate();
    const app = await startClientIdApp('Photo Viewer');
    try {
      const session = await app.login(server, { email: `${name}@example.org`, password, webId: account.webId });
      try {
        expect((await tokenClaims(session.fetch)).client_id).toBe(app.clientId);
        expect(await status(session, 'notes/seed.ttl')).toBe(403);
        const added = await hearth(['apps', 'add', app.clientId]);
        expect(added.code, added.stderr).toBe(0);
        expect(added.stdout).toContain(`Registered Photo Viewer (${app.clientId})`);
        const granted = await hearth(['apps', 'grant', app.clientId, 'notes/', '--modes', 'read']);
        expect(granted.code, granted.stderr).toBe(0);
        expect(await status(session, 'notes/seed.ttl')).toBe(200);
        expect(await put(session, 'notes/seed.ttl')).toBe(403);
        expect(await status(session, 'settings/')).toBe(403);
        const list = await hearth(['apps', 'list', '--json']);
        expect(list.code, list.stderr).toBe(0);
        expect(
          (JSON.parse(list.stdout) as { id: string; name: string }[]).find((a) => a.id === app.clientId)?.name,
        ).toBe('Photo Viewer');
        const revoked = await hearth(['apps', 'revoke', app.clientId]);
        expect(revoked.code, revoked.stderr).toBe(0);
        expect(await status(session, 'notes/seed.ttl')).toBe(403);
      } finally {
        await session.logout();
      }
    } finally {
      await app.stop();
    }
  });

  it('revokes one mode: after `--write notes/` the next write is refused and read still works', async () => {
    cleanSlate();
    await grantAccess(owner, bot.clientId, 'notes/', ['read', 'write']);
    expect(await status(bot, 'notes/seed.ttl')).toBe(200);
    expect(await put(bot, 'notes/seed.ttl')).toBe(205);
    const revoked = await hearth(['apps', 'revoke', 'bot', '--write', 'notes/']);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout).toContain('Revoked bot: notes/; it keeps read notes/.');
    expect(await put(bot, 'notes/seed.ttl')).toBe(403);
    expect(await status(bot, 'notes/seed.ttl')).toBe(200);
    expect(
      (await listGrants(owner)).find((a) => a.id === bot.clientId)!.grants.map((g) => [g.container, g.modes]),
    ).toEqual([[`${account.podUrl}notes/`, ['read']]]);
  });

  it('revokes an app at once; its credential remains without the password and is deleted with it', async () => {
    const made = await createClientCredentialApp(api, 'doomed', account.webId);
    await registerApp(owner, made.app);
    const doomed = await openSession({ server, clientId: made.app.id, clientSecret: made.secret });
    try {
      const places = ['social/inbox/', 'notes/seed.ttl', 'settings/privateTypeIndex.ttl'];
      await grantAccess(owner, made.app.id, 'inbox', ['read']);
      await grantAccess(owner, made.app.id, 'notes/', ['read']);
      await grantAccess(owner, made.app.id, 'settings', ['read']);
      for (const place of places) expect(await status(doomed, place), place).toBe(200);
      expect((await listGrants(owner)).map((app) => app.id)).toContain(made.app.id);
      const revoked = await hearth(['apps', 'revoke', 'doomed']);
      expect(revoked.code, revoked.stderr).toBe(0);
      expect(revoked.stdout).toMatch(/credential of doomed remains/u);
      for (const place of places) expect(await status(doomed, place), place).toBe(403);
    } finally {
      await doomed.logout();
    }
    const again = await hearth(['apps', 'revoke', 'doomed', '--password-stdin'], password);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('Deleted the credential of doomed');
    await expect(openSession({ server, clientId: made.app.id, clientSecret: made.secret })).rejects.toThrow(
      `no longer accepts the stored credential of client ${made.app.id} (it was deleted or replaced)`,
    );
    const list = await hearth(['apps', 'list', '--json']);
    expect(list.code, list.stderr).toBe(0);
    const ids = (JSON.parse(list.stdout) as { id: string }[]).map((a) => a.id);
    expect(ids).toContain(bot.clientId);
    expect(ids).not.toContain(made.app.id);
  });

  it("`apps revoke --all` cuts every app off everywhere, and the owner's manager keeps working", async () => {
    await grantAccess(owner, bot.clientId, 'settings', ['read']);
    await grantAccess(owner, bot.clientId, 'notes/', ['write']);
    expect(await status(bot, 'settings/privateTypeIndex.ttl')).toBe(200);
    expect(await put(bot, 'notes/seed.ttl')).toBe(205);
    const all = await hearth(['apps', 'revoke', '--all']);
    expect(all.code, all.stderr).toBe(0);
    expect(all.stdout).toContain('Revoked bot: ');
    expect(await status(bot, 'settings/privateTypeIndex.ttl')).toBe(403);
    expect(await put(bot, 'notes/seed.ttl')).toBe(403);
    expect((await listGrants(owner)).flatMap((app) => app.grants)).toEqual([]);
    const whoami = await hearth(['whoami']);
    expect(whoami.code, whoami.stderr).toBe(0);
    expect(whoami.stdout).toContain('(working)');
  });
});

/** A loopback server of broken Client ID Documents: `/huge` is past 64 KiB. */
async function startDocumentServer(): Promise<{ url(path: string): string; close(): Promise<void> }> {
  const server: Server = createServer((request, response) => {
    const self = `http://localhost:${(server.address() as { port: number }).port}${request.url}`;
    const document = { client_id: self, client_name: 'x'.repeat(70_000) };
    response.writeHead(200, { 'content-type': 'application/ld+json' }).end(JSON.stringify(document));
  });
  await new Promise<void>((resolve) => server.listen(0, 'localhost', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: (path) => `http://localhost:${port}/${path}`,
    close: async () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
