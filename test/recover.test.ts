import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { AccountApi, createClientCredentialApp, grantAccess, listAccounts, listGrants, openSession, registerApp, type StoredAccount } from '../src/index.js';
import { runCli } from './support/cli.js';
import { createUser, type TestUser } from './support/users.js';

describe('an owner who lost the manager credential gets the pod back through the server administrator', () => {
  const server = inject('baseUrl');
  const dataDir = inject('dataDir');
  let alice: TestUser;
  let home: string;
  let bot: { id: string; secret: string };

  beforeAll(async () => {
    alice = await createUser(server, 'lost');
    home = await mkdtemp(join(tmpdir(), 'hearth-home-lost-'));
    const owner = { fetch: alice.session.fetch, podUrl: alice.account.podUrl, webId: alice.account.webId, managerClientId: alice.account.manager.id };
    const api = new AccountApi(server);
    await api.login(alice.account.email, alice.password);
    const app = await createClientCredentialApp(api, 'bot', alice.account.webId);
    bot = { id: app.app.id, secret: app.secret };
    await registerApp(owner, app.app);
    await grantAccess(owner, app.app.id, 'inbox', ['read']);
    await alice.session.logout();
  });
  afterAll(async () => rm(home, { recursive: true, force: true }));

  it('refuses a login without the manager, unlocks by the administrator, and locks again to a new manager', async () => {
    const env = { HEARTH_HOME: home, HEARTH_PASSWORD: alice.password };
    const refused = await runCli(['login', '--email', alice.account.email, '--server', server], { env });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('locked to a Hearth manager whose credentials are not on this machine');

    // The app's grant is in force before the unlock.
    const app = await openSession({ server, clientId: bot.id, clientSecret: bot.secret });
    const inbox = `${alice.account.podUrl}social/inbox/`;
    expect((await app.fetch(inbox)).status).toBe(200);

    const unlocked = await runCli(['admin', 'unlock-pod', '--name', alice.account.name, '--data', dataDir, '--json']);
    expect(unlocked.code, unlocked.stderr).toBe(0);
    expect(JSON.parse(unlocked.stdout)).toEqual({ podUrl: alice.account.podUrl, webId: alice.account.webId });
    // Unlocked is not open: no app of the owner's reads any data, granted or not, until the owner logs in.
    expect((await app.fetch(inbox)).status).toBe(403);
    expect((await app.fetch(alice.account.podUrl)).status).toBe(403);
    expect((await fetch(alice.account.podUrl)).status).toBe(401);
    // What is public stays public meanwhile.
    expect((await fetch(`${alice.account.podUrl}social/posts/`)).status).toBe(200);

    const login = await runCli(['login', '--email', alice.account.email, '--server', server, '--json'], { env });
    expect(login.code, login.stderr).toBe(0);
    const { managerClientId } = JSON.parse(login.stdout) as { managerClientId: string };
    expect(managerClientId).not.toBe(alice.account.manager.id);

    const account = JSON.parse((await runCli(['whoami', '--json'], { env })).stdout) as { managerClientId: string };
    expect(account.managerClientId).toBe(managerClientId);
    const [stored] = await listAccounts(home) as [StoredAccount];
    const manager = await openSession({ server, clientId: stored.manager.id, clientSecret: stored.manager.secret });
    // The new manager has the pod and the record of grants; the old one has nothing; the app keeps exactly its grant.
    expect((await manager.fetch(alice.account.podUrl)).status).toBe(200);
    const grants = await listGrants({ fetch: manager.fetch, podUrl: alice.account.podUrl, webId: alice.account.webId, managerClientId: stored.manager.id });
    expect(grants.map((g) => g.id)).toEqual([bot.id]);
    const old = await openSession({ server, clientId: alice.account.manager.id, clientSecret: alice.account.manager.secret });
    expect((await old.fetch(alice.account.podUrl)).status).toBe(403);
    expect((await app.fetch(inbox)).status).toBe(200);
    expect((await app.fetch(`${alice.account.podUrl}settings/`)).status).toBe(403);
    for (const session of [manager, old, app]) await session.logout();
  });

  it('refuses to unlock what is not a pod', async () => {
    const result = await runCli(['admin', 'unlock-pod', '--name', 'nobody-here', '--data', dataDir]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('No pod "nobody-here"');
  });
});
