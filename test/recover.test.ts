import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  AccountApi,
  createClientCredentialApp,
  grantAccess,
  listAccounts,
  listGrants,
  openSession,
  registerApp,
  type HearthSession,
  type StoredAccount,
} from '../src/index.js';
import { runCli } from './support/cli.js';
import { createUser, type TestUser } from './support/users.js';

describe('an owner who lost the manager credential gets the pod back through the server administrator', () => {
  const server = inject('baseUrl');
  const dataDir = inject('dataDir');
  let alice: TestUser;
  let bob: TestUser;
  let home: string;
  let bot: { id: string; secret: string };
  let idle: { id: string; secret: string };

  beforeAll(async () => {
    [alice, bob] = await Promise.all([createUser(server, 'lost'), createUser(server, 'neighbour')]);
    home = await mkdtemp(join(tmpdir(), 'hearth-home-lost-'));
    const owner = {
      fetch: alice.session.fetch,
      podUrl: alice.account.podUrl,
      webId: alice.account.webId,
      managerClientId: alice.account.manager.id,
    };
    const api = new AccountApi(server);
    await api.login(alice.account.email, alice.password);
    // Two apps of alice's: one granted read on the inbox, one granted nothing.
    const [app, other] = await Promise.all([
      createClientCredentialApp(api, 'bot', alice.account.webId),
      createClientCredentialApp(api, 'idle', alice.account.webId),
    ]);
    await api.logout();
    bot = { id: app.app.id, secret: app.secret };
    idle = { id: other.app.id, secret: other.secret };
    await registerApp(owner, app.app);
    await registerApp(owner, other.app);
    await grantAccess(owner, app.app.id, 'inbox', ['read']);
    await alice.session.logout();
  });
  afterAll(async () => {
    await bob?.session.logout();
    await rm(home, { recursive: true, force: true });
  });

  it('refuses a login without the manager, unlocks by the administrator, locks again to a new manager', async () => {
    const env = { HEARTH_HOME: home, HEARTH_PASSWORD: alice.password };
    const pod = alice.account.podUrl;
    const inbox = `${pod}social/inbox/`;
    const sessions = await Promise.all(
      [bot, idle, alice.account.manager].map(async (c) =>
        openSession({ server, clientId: c.id, clientSecret: c.secret }),
      ),
    );
    const [app, other, old] = sessions as [HearthSession, HearthSession, HearthSession];
    const status = async (session: { fetch: typeof fetch }, url: string) => {
      const response = await session.fetch(url);
      await response.body?.cancel();
      return response.status;
    };
    try {
      const refused = await runCli(['login', '--email', alice.account.email, '--server', server], { env });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('locked to a Hearth manager whose credentials are not on this machine');

      // Before the unlock: the app's grant is in force, the other app and other people get nothing, the old manager
      // everything.
      expect(await status(app, inbox)).toBe(200);
      expect(await status(other, inbox)).toBe(403);
      expect(await status(old, pod)).toBe(200);
      expect(await status(old, `${pod}.acr`)).toBe(200);

      const unlocked = await runCli(['admin', 'unlock-pod', '--name', alice.account.name, '--data', dataDir, '--json']);
      expect(unlocked.code, unlocked.stderr).toBe(0);
      expect(JSON.parse(unlocked.stdout)).toEqual({ podUrl: pod, webId: alice.account.webId });
      // Unlocked is not open: no app of the owner's reads any data, granted or not, until the owner logs in; nor does
      // anyone else.
      for (const place of [pod, inbox, `${pod}settings/`, `${pod}settings/hearth-apps.ttl`]) {
        for (const [who, session] of [
          ['the granted app', app],
          ['an app without a grant', other],
          ['the old manager', old],
          ['another person', bob.session],
        ] as const) {
          expect(await status(session, place), `${who} on ${place}`).toBe(403);
        }
      }
      // The owner, through any app of this server's logins, may only rewrite the root rule (that is how the next login
      // locks it again).
      expect(await status(other, `${pod}.acr`)).toBe(200);
      expect(await status(bob.session, `${pod}.acr`)).toBe(403);
      // What is public stays public meanwhile.
      expect(await status({ fetch }, `${pod}social/posts/`)).toBe(200);

      const login = await runCli(['login', '--email', alice.account.email, '--server', server, '--json'], { env });
      expect(login.code, login.stderr).toBe(0);
      const { managerClientId } = JSON.parse(login.stdout) as { managerClientId: string };
      expect(managerClientId).toMatch(/^hearth-manager_/u);
      expect(managerClientId).not.toBe(alice.account.manager.id);

      const whoami = await runCli(['whoami', '--json'], { env });
      expect(whoami.code, whoami.stderr).toBe(0);
      expect((JSON.parse(whoami.stdout) as { managerClientId: string }).managerClientId).toBe(managerClientId);
      const [stored] = (await listAccounts(home)) as [StoredAccount];
      const manager = await openSession({ server, clientId: stored.manager.id, clientSecret: stored.manager.secret });
      sessions.push(manager);
      // The new manager has the pod and the record of grants; the old one has nothing; the app keeps exactly its grant.
      expect(await status(manager, pod)).toBe(200);
      const grants = await listGrants({
        fetch: manager.fetch,
        podUrl: pod,
        webId: alice.account.webId,
        managerClientId: stored.manager.id,
      });
      expect(Object.fromEntries(grants.map((g) => [g.id, g.grants.map((grant) => [grant.area, grant.modes])]))).toEqual(
        { [bot.id]: [['inbox', ['read']]], [idle.id]: [] },
      );
      expect(await status(old, pod)).toBe(403);
      expect(await status(old, `${pod}.acr`)).toBe(403);
      expect(await status(app, inbox)).toBe(200);
      expect(await status(app, `${pod}settings/`)).toBe(403);
      expect(await status(other, inbox)).toBe(403);
      expect(await status(other, `${pod}.acr`)).toBe(403);
    } finally {
      for (const session of sessions) await session.logout();
    }
  });

  it('refuses to unlock what is not a pod', async () => {
    const result = await runCli(['admin', 'unlock-pod', '--name', 'nobody-here', '--data', dataDir]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `hearth: No pod "nobody-here" in ${dataDir} (no ${join(dataDir, 'nobody-here', '.acr')}).\n`,
    );
  });
});
