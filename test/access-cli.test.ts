import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openSession, requestAccess, type HearthSession, type StoredAccount } from '../src/index.js';
import { runCli } from './support/cli.js';
import { startClientIdApp } from './support/client-id-app.js';
import { uniqueName } from './support/users.js';

const turtle = { 'content-type': 'text/turtle' };

describe('hearth apps', () => {
  const server = inject('baseUrl');
  const name = uniqueName('cli-apps');
  const password = 'apps password 123';
  let home: string;
  let account: StoredAccount;
  let manager: HearthSession;
  let bot: HearthSession;
  let botCredential: { id: string; secret: string };
  const hearth = async (args: string[], input?: string) => runCli(args, { env: { HEARTH_HOME: home, HEARTH_PASSWORD: '' }, input });

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'hearth-apps-'));
    const created = await hearth(['account', 'create', '--name', name, '--email', `${name}@example.org`, '--server', server, '--password-stdin', '--json'], password);
    expect(created.code, created.stderr).toBe(0);
    account = JSON.parse(await readFile((JSON.parse(created.stdout) as { credentialsFile: string }).credentialsFile, 'utf8')) as StoredAccount;
    manager = await openSession({ server, clientId: account.manager.id, clientSecret: account.manager.secret });
    expect((await manager.fetch(`${account.podUrl}notes/seed.ttl`, { method: 'PUT', headers: turtle, body: '<#a> <#b> "c" .' })).status).toBe(201);
  });
  afterAll(async () => {
    await bot?.logout();
    await manager?.logout();
    await rm(home, { recursive: true, force: true });
  });

  it('adds a script of the owner\'s as an app with its own credential, shown once, with no access', async () => {
    const noPassword = await hearth(['apps', 'add', 'bot']);
    expect(noPassword.code).not.toBe(0);
    expect(noPassword.stderr).toMatch(/password/u);
    const added = await hearth(['apps', 'add', 'bot', '--password-stdin', '--json'], password);
    expect(added.code, added.stderr).toBe(0);
    botCredential = JSON.parse(added.stdout) as { id: string; secret: string };
    expect(botCredential.id).toMatch(/^bot_/u);
    bot = await openSession({ server, clientId: botCredential.id, clientSecret: botCredential.secret });
    expect((await bot.fetch(`${account.podUrl}notes/seed.ttl`)).status).toBe(403);
    const list = await hearth(['apps', 'list']);
    expect(list.stdout).toContain('bot');
    expect(list.stdout).toContain('no access');
    expect(list.stdout).not.toContain(botCredential.secret);
  });

  it('grants areas and containers, lists them, and the server enforces them', async () => {
    const granted = await hearth(['apps', 'grant', 'bot', '--read', 'inbox', '--write', 'notes/']);
    expect(granted.code, granted.stderr).toBe(0);
    expect(granted.stdout).toContain('bot may now read inbox (social/inbox/)');
    expect((await bot.fetch(`${account.podUrl}social/inbox/`)).status).toBe(200);
    expect((await bot.fetch(`${account.podUrl}notes/seed.ttl`, { method: 'PUT', headers: turtle, body: '<#a> <#b> "bot" .' })).status).toBe(205);
    // The owner's own social commands go on working through the manager.
    const posted = await hearth(['post', 'Granted an app today']);
    expect(posted.code, posted.stderr).toBe(0);
    const list = JSON.parse((await hearth(['apps', 'list', '--json'])).stdout) as { name: string; grants: { container: string; modes: string[] }[] }[];
    expect(list.find((app) => app.name === 'bot')!.grants.map((g) => [g.container.slice(account.podUrl.length), g.modes]))
      .toEqual([['notes/', ['write']], ['social/inbox/', ['read']]]);
  });

  it('refuses an unknown area, a path outside the pod, a mode that does not exist and an unknown app, with one line and exit 1', async () => {
    for (const [args, reason] of [
      [['apps', 'grant', 'bot', '--read', 'diary'], /diary/u],
      [['apps', 'grant', 'bot', '--read', '../../elsewhere/'], /outside the pod/u],
      [['apps', 'grant', 'bot', 'posts', '--modes', 'control'], /"control" is not a mode/u],
      [['apps', 'grant', 'ghost', '--read', 'posts'], /No app "ghost"/u],
      [['apps', 'revoke', 'ghost'], /No app "ghost"/u],
      [['apps', 'approve', 'nothing-here'], /No pending access request/u],
    ] as const) {
      const result = await hearth([...args]);
      expect(result.code, args.join(' ')).toBe(1);
      expect(result.stderr).toMatch(reason);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
    }
  });

  it('checks the record against the access rules in force, exiting 1 on drift', async () => {
    const clean = await hearth(['apps', 'check']);
    expect(clean.code, clean.stdout + clean.stderr).toBe(0);
    expect(clean.stdout).toContain('match');
    const acrUrl = `${account.podUrl}social/posts/.acr`;
    const acr = await (await manager.fetch(acrUrl)).text();
    const stray = `${acr}\n<#stray> <http://www.w3.org/ns/solid/acp#apply> <#stray-policy>. <#acr> <http://www.w3.org/ns/solid/acp#memberAccessControl> <#stray>.
<#stray-policy> <http://www.w3.org/ns/solid/acp#allow> <http://www.w3.org/ns/auth/acl#Write>; <http://www.w3.org/ns/solid/acp#allOf> <#stray-client>.
<#stray-client> <http://www.w3.org/ns/solid/acp#client> "${botCredential.id}".\n`;
    expect((await manager.fetch(acrUrl, { method: 'PUT', headers: turtle, body: stray })).status).toBeLessThan(300);
    const drift = await hearth(['apps', 'check', '--json']);
    expect(drift.code).toBe(1);
    const report = JSON.parse(drift.stdout) as { ok: boolean; drifts: { container: string; clientId: string; inForce: string[] }[] };
    expect(report.ok).toBe(false);
    expect(report.drifts).toMatchObject([{ container: `${account.podUrl}social/posts/`, clientId: botCredential.id, inForce: ['write'] }]);
    // Revoking the app's posts access removes the stray policy too.
    expect((await hearth(['apps', 'revoke', 'bot', '--path', 'posts'])).code).toBe(0);
    expect((await hearth(['apps', 'check'])).code).toBe(0);
  });

  it('lists access requests with the app\'s name, approves exactly what was asked, denies', async () => {
    await requestAccess(bot, account.webId, [{ target: 'settings', modes: ['read'] }], 'backups of your settings');
    const listed = await hearth(['apps', 'requests', '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    const [request] = JSON.parse(listed.stdout) as { id: string; app: { name: string }; needs: unknown[] }[];
    expect(request).toMatchObject({ app: { name: 'bot' }, needs: [{ target: 'settings', modes: ['read'] }] });
    expect((await hearth(['apps', 'requests'])).stdout).toContain('why: backups of your settings');
    const approved = await hearth(['apps', 'approve', request!.id]);
    expect(approved.code, approved.stderr).toBe(0);
    expect((await bot.fetch(`${account.podUrl}settings/privateTypeIndex.ttl`)).status).toBe(200);
    expect((await bot.fetch(`${account.podUrl}settings/privateTypeIndex.ttl`, { method: 'PUT', headers: turtle, body: '<#a> <#b> "c" .' })).status).toBe(403);
    await requestAccess(bot, account.webId, [{ target: 'posts', modes: ['write'] }], 'post for you');
    const [second] = JSON.parse((await hearth(['apps', 'requests', '--json'])).stdout) as { id: string }[];
    // A pending access request in the inbox does not disturb the owner's notifications.
    const notifications = await hearth(['notifications']);
    expect(notifications.code, notifications.stderr).toBe(0);
    expect((await hearth(['apps', 'deny', second!.id])).code).toBe(0);
    expect((await hearth(['apps', 'requests'])).stdout).toContain('No pending access requests');
    expect((await bot.fetch(`${account.podUrl}social/posts/x.ttl`, { method: 'PUT', headers: turtle, body: '<#a> <#b> "c" .' })).status).toBe(403);
  });

  it('registers a Solid app by its Client ID Document, grants it by URL, and the server enforces it for its real login', async () => {
    const app = await startClientIdApp('Photo Viewer');
    try {
      const added = await hearth(['apps', 'add', app.clientId]);
      expect(added.code, added.stderr).toBe(0);
      expect(added.stdout).toContain('Registered Photo Viewer');
      const granted = await hearth(['apps', 'grant', app.clientId, 'notes/', '--modes', 'read']);
      expect(granted.code, granted.stderr).toBe(0);
      const session = await app.login(server, { email: `${name}@example.org`, password, webId: account.webId });
      try {
        expect(session.clientId).toBe(app.clientId);
        expect((await session.fetch(`${account.podUrl}notes/seed.ttl`)).status).toBe(200);
        expect((await session.fetch(`${account.podUrl}notes/seed.ttl`, { method: 'PUT', headers: turtle, body: '<#a> <#b> "x" .' })).status).toBe(403);
        expect((await session.fetch(`${account.podUrl}settings/`)).status).toBe(403);
        const list = await hearth(['apps', 'list', '--json']);
        expect((JSON.parse(list.stdout) as { id: string; name: string }[]).find((a) => a.id === app.clientId)?.name).toBe('Photo Viewer');
        expect((await hearth(['apps', 'revoke', app.clientId])).code).toBe(0);
        expect((await session.fetch(`${account.podUrl}notes/seed.ttl`)).status).toBe(403);
      } finally {
        await session.logout();
      }
    } finally {
      await app.stop();
    }
  });

  it('revokes an app at once; without the password its credential remains, with it the credential is deleted', async () => {
    const revoked = await hearth(['apps', 'revoke', 'bot']);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout).toMatch(/credential of bot remains/u);
    for (const target of ['social/inbox/', 'notes/seed.ttl', 'settings/privateTypeIndex.ttl']) {
      expect((await bot.fetch(`${account.podUrl}${target}`)).status, target).toBe(403);
    }
    const again = await hearth(['apps', 'revoke', 'bot', '--password-stdin'], password);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('Deleted the credential of bot');
    await expect(openSession({ server, clientId: botCredential.id, clientSecret: botCredential.secret })).rejects.toThrow();
    expect((await hearth(['apps', 'list'])).stdout).not.toContain('bot');
    const all = await hearth(['apps', 'revoke', '--all']);
    expect(all.code, all.stderr).toBe(0);
    const posts = await hearth(['posts']);
    expect(posts.code, posts.stderr).toBe(0);
    expect(posts.stdout).toContain('Granted an app today');
    const whoami = await hearth(['whoami']);
    expect(whoami.code, whoami.stderr).toBe(0);
    expect(whoami.stdout).toContain('(working)');
  });
});
